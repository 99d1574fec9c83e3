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

"""Nodes for the scenario tests in the lab (runs in Ironic's venv, inside).

``labrun.py`` runs this script with the lab's Ironic venv Python (which has
openstacksdk and the driver's ``ironic-openstack-nodes`` tool) inside the
lab's network namespace. It

* makes the provisioning network shared, so that the tests' own projects
  can create the VIF ports upstream's standalone tests attach;
* brings the plugin's nodes (names starting with ``--prefix``) back to
  ``available`` (undeploy, provide) and creates and enrolls
  (``create-nodes``, ``enroll --manage --provide``: automated cleaning)
  as many as are missing; a node that cannot be made available, or whose
  Nova server is gone or broken, is removed with its server and port; what
  an earlier run left in an available node's instance_info is cleared;
* prints one JSON object on stdout: Ironic's detailed view of the
  hardware type and the nodes (name, uuid, state).
"""

import argparse
import json
import os
import subprocess
import sys
import time
import uuid

import openstack.config
import openstack.connection

STABLE = ('available', 'active', 'manageable', 'enroll', 'clean failed',
          'deploy failed', 'error', 'inspect failed', 'rescue failed',
          'rescue', 'service failed')


#: The states of a node's server in which the node can serve a test.
#: Ironic's API version of the driver detail: 1.38 shows the enabled
#: rescue interfaces (below it Ironic leaves them out, and tempest's
#: rescue class is skipped as if rescue were not enabled).
DRIVER_API_VERSION = '1.38'
USABLE_SERVER_STATUSES = ('ACTIVE', 'SHUTOFF', 'RESCUE')


def unusable_reason(provision_state, maintenance, server_status):
    """Why one of the plugin's nodes cannot serve a test, or None.

    :param provision_state: the node's provision state (after
        ``to_available``).
    :param maintenance: whether the node is in maintenance.
    :param server_status: its Nova server's status, None when the server
        does not exist.
    """
    if server_status is None:
        return 'its Nova server is gone'
    if server_status not in USABLE_SERVER_STATUSES:
        return 'its Nova server is %s' % server_status
    if provision_state != 'available':
        return 'it is %s, not available' % provision_state
    if maintenance:
        return 'it is in maintenance'
    return None


def say(text):
    print('[labnodes] %s' % text, file=sys.stderr, flush=True)


def connect(clouds_yaml, cloud):
    config = openstack.config.OpenStackConfig(config_files=[clouds_yaml])
    return openstack.connection.Connection(config=config.get_one(
        cloud=cloud))


class Nodes(object):

    def __init__(self, status, prefix, timeout):
        self.status = status
        self.prefix = prefix
        self.timeout = timeout
        clouds = status['clouds_yaml']
        self.user = connect(clouds, status['cloud'])
        self.admin = connect(clouds, status['admin_cloud'])
        self.padmin = connect(clouds, status['project_admin_cloud'])
        self.bm = self.admin.baremetal

    def share_network(self):
        net = self.padmin.network.find_network(
            self.status['provisioning_network'], ignore_missing=False)
        if not net.is_shared:
            self.padmin.network.update_network(net, is_shared=True)
            say('network %s is now shared' % net.name)

    def mine(self):
        return [n for n in self.bm.nodes(details=True)
                if (n.name or '').startswith(self.prefix + '-')]

    def wait_stable(self, node):
        deadline = time.monotonic() + self.timeout
        while True:
            node = self.bm.get_node(node.id)
            if node.provision_state in STABLE and not node.reservation:
                return node
            if time.monotonic() > deadline:
                return node
            time.sleep(5)

    def to_available(self, node):
        node = self.wait_stable(node)
        state = node.provision_state
        if node.is_maintenance:
            self.bm.unset_node_maintenance(node)
        try:
            if state == 'active':
                say('%s: active, undeploying' % node.name)
                self.bm.set_node_provision_state(
                    node, 'deleted', wait=True, timeout=self.timeout)
            elif state in ('manageable', 'clean failed'):
                if state == 'clean failed':
                    self.bm.set_node_provision_state(node, 'manage',
                                                     wait=True)
                say('%s: %s, providing' % (node.name, state))
                self.bm.set_node_provision_state(
                    node, 'provide', wait=True, timeout=self.timeout)
        except Exception as exc:  # noqa: BLE001 - judged below
            say('%s: %s' % (node.name, exc))
        node = self.bm.get_node(node.id)
        if node.provision_state == 'available' and node.instance_id:
            # A reservation a killed test run left behind.
            node = self.bm.update_node(node, instance_id=None)
        return node

    def remove(self, node):
        say('%s: %s, removing it with its server' % (
            node.name, node.provision_state))
        server = (node.driver_info or {}).get('openstack_server')
        self.bm.set_node_maintenance(node, reason='tempest lab cleanup')
        self.bm.delete_node(node, ignore_missing=True)
        found = server and self.user.compute.find_server(server)
        if found:
            self.user.compute.delete_server(found)
            self.user.compute.wait_for_delete(found, wait=300)
        # The provisioning network is shared: the user sees the ports that
        # other projects made there, which only an admin may delete.
        port = self.padmin.network.find_port(node.name + '-provisioning')
        if port:
            self.padmin.network.delete_port(port)

    def tool(self, *args, check=True):
        argv = [os.path.join(os.path.dirname(sys.executable),
                             'ironic-openstack-nodes'),
                '--os-cloud', self.status['cloud']] + list(args)
        say('$ ' + ' '.join(argv[1:]))
        result = subprocess.run(argv, stdout=sys.stderr, stderr=sys.stderr,
                                env=dict(os.environ, OS_CLIENT_CONFIG_FILE=(
                                    self.status['clouds_yaml'])))
        if result.returncode and check:
            raise RuntimeError('ironic-openstack-nodes %s exited %d' % (
                args[0], result.returncode))

    def create(self, count):
        prefix = '%s-%s' % (self.prefix, uuid.uuid4().hex[:4])
        net = self.status['provisioning_network']
        self.tool('create-nodes', '--count', str(count), '--prefix', prefix,
                  '--flavor', self.status['flavor'],
                  '--image', self.status['disk_image'], '--network', net)
        self.tool('enroll', '--prefix', prefix, '--network', net,
                  '--ironic-cloud', self.status['admin_cloud'], '--manage',
                  '--provide', '--timeout', str(self.timeout))

    def server_status(self, node):
        server = (node.driver_info or {}).get('openstack_server')
        found = server and self.user.compute.find_server(server)
        return found.status if found else None

    def ensure(self, count):
        started = time.monotonic()
        self.share_network()
        ready = []
        kept = [n for n in self.mine() if self.server_status(n) is not None]
        if kept:
            # Nodes of an earlier run may predate the server marks the
            # driver requires: bind marks them (idempotent). A server it
            # cannot mark leaves its node unusable, which is judged below.
            self.tool('bind', '--ironic-cloud', self.status['admin_cloud'],
                      *[arg for n in kept for arg in ('--node', n.id)],
                      check=False)
        for node in self.mine():
            if self.server_status(node) is not None:
                node = self.to_available(node)
            reason = unusable_reason(node.provision_state,
                                     node.is_maintenance,
                                     self.server_status(node))
            if reason is not None:
                say('%s: %s' % (node.name, reason))
                self.remove(node)
            elif len(ready) < count:
                if node.instance_info:
                    say('%s: clearing instance_info %s' % (
                        node.name, sorted(node.instance_info)))
                    node = self.bm.update_node(node, instance_info={})
                ready.append(node)
        if len(ready) < count:
            self.create(count - len(ready))
        nodes = [self.bm.get_node(n.id) for n in self.mine()]
        say('%d node(s) in %.0fs' % (len(nodes), time.monotonic() - started))
        return nodes

    def driver_detail(self, name):
        """Ironic's view of hardware type ``name``, enabled interfaces too.

        One driver's GET gives them from API 1.30 on, the rescue
        interfaces from 1.38 (``detail`` is a parameter of the list only:
        Ironic answers 400 to it here).
        """
        answer = self.bm.get(
            '/drivers/%s' % name,
            headers={'X-OpenStack-Ironic-API-Version': DRIVER_API_VERSION})
        if answer.status_code != 200:
            raise SystemExit('Ironic answered %d to GET /v1/drivers/%s: %s'
                             % (answer.status_code, name,
                                answer.text[:500]))
        return answer.json()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--status-file', required=True)
    parser.add_argument('--count', type=int, default=2)
    parser.add_argument('--prefix', default='tempest-os')
    parser.add_argument('--timeout', type=int, default=2400)
    parser.add_argument('--driver', default='openstack')
    args = parser.parse_args(argv)
    with open(args.status_file) as f:
        status = json.load(f)
    nodes = Nodes(status, args.prefix, args.timeout)
    found = nodes.ensure(args.count)
    out = {'driver': nodes.driver_detail(args.driver),
           'nodes': [{'name': n.name, 'uuid': n.id,
                      'provision_state': n.provision_state,
                      'last_error': n.last_error} for n in found]}
    json.dump(out, sys.stdout)
    print()
    ok = sum(n.provision_state == 'available' for n in found)
    return 0 if ok >= args.count else 1


if __name__ == '__main__':
    sys.exit(main())
