# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""End-to-end test helpers: the `openstack` CLI and Nova, as users see them."""

import json
import os
import subprocess
import sys

from ironic_openstack_driver.tools import binding
from ironic_openstack_driver.tools import waiting
from tests import lab_nodes
from tests import lab_runs

# Generous bounds for waiting on real services; they bound a loop, they do
# not measure anything.
WAIT_SECONDS = 180
POLL_SECONDS = 0.5


class CommandFailed(Exception):
    def __init__(self, args, result):
        super().__init__('%s exited %s:\n%s%s' % (
            ' '.join(args), result.returncode, result.stdout, result.stderr))
        self.stdout = result.stdout
        self.stderr = result.stderr


class OpenStackCLI:
    """Runs `openstack --os-cloud CLOUD ...` against the lab."""

    def __init__(self, clouds_yaml, cloud):
        self.env = dict(os.environ, OS_CLIENT_CONFIG_FILE=clouds_yaml,
                        OS_BAREMETAL_API_VERSION='latest')
        self.cloud = cloud
        exe = os.path.join(os.path.dirname(sys.executable), 'openstack')
        self.exe = exe if os.path.exists(exe) else 'openstack'

    def run(self, *args, check=True):
        argv = [self.exe, '--os-cloud', self.cloud] + list(args)
        result = subprocess.run(argv, env=self.env, capture_output=True,
                                text=True, timeout=300)
        if check and result.returncode != 0:
            raise CommandFailed(argv, result)
        return result

    def json(self, *args):
        return json.loads(self.run(*args, '-f', 'json').stdout)

    def node(self, node):
        return self.json('baremetal', 'node', 'show', node)

    def wait_power(self, node, expected):
        """Wait until Ironic finished a power action; return the node."""
        seen = []

        def done():
            seen[:] = [self.node(node)]
            shown = seen[0]
            return shown['target_power_state'] is None and (
                shown['power_state'] == expected
                or shown['last_error']) and shown

        def never(why):
            return AssertionError('node %s never reached %s: %s: %s'
                                  % (node, expected, why, seen[0]))
        return waiting.wait_for('node %s %s' % (node, expected), done,
                                WAIT_SECONDS, interval=POLL_SECONDS,
                                error=never)


def mark(conn, server_id, node_uuid):
    """Mark a server for its node, as ironic-openstack-nodes does.

    The driver drives a server only when its metadata names the node.
    """
    binding.set_mark(conn.compute, server_id, node_uuid)


def create_server(conn, lab, name):
    """An ACTIVE server NAME-0 of the lab's blank disk image, no network.

    Made by ``ironic-openstack-nodes create-nodes``' function.
    """
    return lab_nodes.make_servers(conn, lab, name)[0]


def enroll(conn, baremetal, lab, name):
    """A new ACTIVE server enrolled as its node, marked for it.

    Made by ``ironic-openstack-nodes``' functions (create-nodes, enroll):
    the server and its node are both named NAME-0.

    :returns: (openstacksdk Server, the node as ``node show`` shows it).
    """
    server = create_server(conn, lab, name)
    admin = lab_runs.connect(lab, 'admin_cloud')
    try:
        node, = lab_nodes.enroll_nodes(
            admin, conn, [lab_nodes.node_spec(conn, server, lab['cloud'])])
    finally:
        admin.close()
    return server, baremetal.node(node.id)


def server_view(conn, server_id):
    """What Nova says of a server: status, vm/task/power state."""
    server = conn.compute.get_server(server_id)
    return {'status': server.status, 'vm_state': server.vm_state,
            'task_state': server.task_state,
            'power_state': server.power_state}


def server_actions(conn, server_id):
    """Nova's instance action log, oldest first."""
    actions = [a.action for a in conn.compute.server_actions(server_id)]
    return list(reversed(actions))


def _wait_view(conn, server_id, what, done, extra=lambda: ''):
    """Wait until ``done(view)`` for the server's view; ERROR ends it."""
    seen = []

    def check():
        seen[:] = [server_view(conn, server_id)]
        return done(seen[0]) and seen[0]

    def in_error():
        if seen[0]['status'] == 'ERROR':
            return 'the server is in ERROR'
        return None

    def never(why):
        return AssertionError('server %s: %s: %s%s' % (
            server_id, why, seen[0], extra()))
    return waiting.wait_for(what, check, WAIT_SECONDS,
                            interval=POLL_SECONDS, error=never,
                            gave_up=in_error)


def wait_server(conn, server_id, status):
    return _wait_view(conn, server_id, 'status %s' % status,
                      lambda view: view['status'] == status
                      and view['task_state'] is None)


def wait_stopped_and_started(conn, server_id):
    """Wait until a stopped server was started again and is ACTIVE.

    For a stop made behind Ironic's back, which Ironic's power sync undoes.
    The sync may start the server within a poll interval of SHUTOFF, so
    waiting to see SHUTOFF first can miss it; Nova's action log cannot:
    it records a start only when the server was stopped (Nova refuses a
    start elsewhere with 409 before recording an action).
    """
    actions = []

    def started_again(view):
        actions[:] = server_actions(conn, server_id)
        return (actions[-2:] == ['stop', 'start']
                and view['status'] == 'ACTIVE'
                and view['task_state'] is None)
    return _wait_view(conn, server_id, 'a stop and a start again',
                      started_again,
                      extra=lambda: ', actions %s' % actions)
