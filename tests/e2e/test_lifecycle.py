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

"""Adoption, servicing and runbooks on the lab's Ironic and Nova.

A server already in use (ACTIVE, on a network) is enrolled and adopted
with ``ironic-openstack-nodes enroll --adopt``: Nova's instance action
log shows no new action. The adopted node is then serviced without the
agent (the power interface's change_power_state step; Ironic 39 drops its
own flow-control steps, which the second service shows), and a runbook
with the step (a reboot) cleans a manageable node whose trait matches it,
while a node without the trait is refused. Ironic's and Nova's states are
asserted after every step. Resource names carry a unique prefix.
"""

import json
import os
import subprocess
import sys
import uuid

import pytest

from ironic_openstack_driver.tools import waiting
from tests.e2e import cli

WAIT_SECONDS = 180


def _step(state):
    return {'interface': 'power', 'step': 'change_power_state',
            'args': {'state': state}}


@pytest.fixture(scope='module')
def prefix():
    return 'ion-lc-%s' % uuid.uuid4().hex[:6]


@pytest.fixture(scope='module')
def baremetal(lab):
    return cli.OpenStackCLI(lab['clouds_yaml'], lab['admin_cloud'])


def _tool(lab, *args):
    exe = os.path.join(os.path.dirname(sys.executable),
                       'ironic-openstack-nodes')
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=lab['clouds_yaml'])
    env.pop('OS_CLOUD', None)
    argv = [exe, '--os-cloud', lab['cloud']] + list(args)
    result = subprocess.run(argv, env=env, capture_output=True, text=True,
                            timeout=900)
    if result.returncode != 0:
        raise cli.CommandFailed(argv, result)
    return result


@pytest.fixture(scope='module')
def in_use(lab, lab_cloud, lab_admin_cloud, prefix):
    """Two ACTIVE servers on a network of their own, as a tenant runs them.

    Deleted afterwards (best effort) with their nodes, network and
    runbook.
    """
    compute, network = lab_cloud.compute, lab_cloud.network
    net = network.create_network(name=prefix + '-net')
    # Nova plugs a server into a network only when it has a subnet.
    network.create_subnet(name=prefix + '-subnet', network_id=net.id,
                          ip_version=4, cidr='10.251.0.0/24',
                          enable_dhcp=False)
    flavor = compute.find_flavor(lab['flavor'], ignore_missing=False)
    image = lab_cloud.image.find_image(lab['disk_image'],
                                       ignore_missing=False)
    servers = [compute.create_server(
        name='%s-%d' % (prefix, i), flavor_id=flavor.id, image_id=image.id,
        networks=[{'uuid': net.id}]) for i in range(2)]
    servers = [compute.wait_for_server(s, wait=WAIT_SECONDS)
               for s in servers]
    yield servers
    left = []

    def attempt(what, func, *args, **kwargs):
        try:
            func(*args, **kwargs)
        except Exception as e:      # keep cleaning the rest
            left.append('%s: %s' % (what, e))

    bm = lab_admin_cloud.baremetal
    for node in bm.nodes(details=True):
        if (node.name or '').startswith(prefix):
            attempt('node %s' % node.name, bm.set_node_maintenance, node,
                    reason='e2e cleanup')
            attempt('node %s' % node.name, bm.delete_node, node)
    for runbook in bm.runbooks():
        if runbook.name == _runbook_name(prefix):
            attempt('runbook %s' % runbook.name, bm.delete_runbook, runbook)
    for server in servers:
        attempt('server %s' % server.name, compute.delete_server, server)
        attempt('server %s' % server.name, compute.wait_for_delete, server,
                wait=WAIT_SECONDS)
    attempt('network %s' % net.name, network.delete_network, net)
    if left:
        print('e2e cleanup of %s left: %s' % (prefix, '; '.join(left)))


def _runbook_name(prefix):
    return 'CUSTOM_ION_LC_%s' % prefix.rsplit('-', 1)[1].upper()


def _wait_provision(baremetal, node, expected):
    seen = []

    def done():
        seen[:] = [baremetal.node(node)]
        state = seen[0]['provision_state']
        return state in (expected, 'service failed', 'clean failed',
                         'adopt failed') and seen[0]

    def never(why):
        return AssertionError('node %s never reached %s: %s: %s'
                              % (node, expected, why, seen[0]))
    shown = waiting.wait_for('node %s %s' % (node, expected), done,
                             WAIT_SECONDS, interval=0.5, error=never)
    assert shown['provision_state'] == expected, shown['last_error']
    return shown


def _views(lab_cloud, baremetal, node, server):
    """(Ironic's provision and power state, Nova's status and power)."""
    shown = baremetal.node(node)
    view = cli.server_view(lab_cloud, server.id)
    return ((shown['provision_state'], shown['power_state'],
             shown['last_error'], shown['maintenance']),
            (view['status'], view['task_state'], view['power_state']))


ACTIVE_ON = (('active', 'power on', None, False), ('ACTIVE', None, 1))


def test_enroll_adopt_takes_a_running_server_without_a_nova_action(
        lab, lab_cloud, baremetal, in_use, prefix):
    server = in_use[0]
    before = cli.server_actions(lab_cloud, server.id)
    assert before == ['create']
    net = prefix + '-net'
    first = _tool(lab, 'enroll', '--ironic-cloud', lab['admin_cloud'],
                  '--server', server.name, '--network', net, '--adopt')
    assert 'created, now active' in first.stdout
    assert _views(lab_cloud, baremetal, server.name, server) == ACTIVE_ON
    assert baremetal.json('baremetal', 'node', 'boot', 'device', 'show',
                          server.name) == {'boot_device': 'disk',
                                           'persistent': True}
    assert lab_cloud.compute.get_server(server.id).metadata == {
        'ironic_node_uuid': baremetal.node(server.name)['uuid']}
    # Idempotent: a second run leaves the active node alone.
    second = _tool(lab, 'enroll', '--ironic-cloud', lab['admin_cloud'],
                   '--server', server.name, '--network', net, '--adopt')
    assert '| exists ' in second.stdout
    assert cli.server_actions(lab_cloud, server.id) == before

    # The adopted node power-cycles its server from its disk.
    baremetal.run('baremetal', 'node', 'power', 'off', server.name)
    assert baremetal.wait_power(server.name, 'power off')[
        'last_error'] is None
    cli.wait_server(lab_cloud, server.id, 'SHUTOFF')
    baremetal.run('baremetal', 'node', 'power', 'on', server.name)
    baremetal.wait_power(server.name, 'power on')
    cli.wait_server(lab_cloud, server.id, 'ACTIVE')
    assert _views(lab_cloud, baremetal, server.name, server) == ACTIVE_ON
    assert cli.server_actions(lab_cloud, server.id) == before + [
        'stop', 'start']


def test_service_without_the_agent_power_cycles_back_to_active(
        lab_cloud, baremetal, in_use):
    server = in_use[0]
    node = server.name
    assert baremetal.node(node)['provision_state'] == 'active', \
        'run the adoption test first'
    before = cli.server_actions(lab_cloud, server.id)
    steps = [_step('power off'), _step('power on'), _step('rebooting')]
    baremetal.run('baremetal', 'node', 'service', node, '--service-steps',
                  json.dumps(steps), '--disable-ramdisk')
    _wait_provision(baremetal, node, 'active')
    assert _views(lab_cloud, baremetal, node, server) == ACTIVE_ON
    assert cli.server_actions(lab_cloud, server.id) == before + [
        'stop', 'start', 'reboot']

    # Ironic 39 leaves its own flow-control steps out of the list it
    # runs: the service ends active and Nova sees nothing.
    before = cli.server_actions(lab_cloud, server.id)
    own = [{'interface': 'power', 'step': 'power_off'},
           {'interface': 'deploy', 'step': 'hold'},
           {'interface': 'power', 'step': 'power_on'},
           {'interface': 'power', 'step': 'reboot'}]
    baremetal.run('baremetal', 'node', 'service', node, '--service-steps',
                  json.dumps(own), '--disable-ramdisk')
    _wait_provision(baremetal, node, 'active')
    assert _views(lab_cloud, baremetal, node, server) == ACTIVE_ON
    assert cli.server_actions(lab_cloud, server.id) == before


def test_runbook_cleans_a_node_whose_trait_matches(
        lab, lab_cloud, baremetal, in_use, prefix):
    server = in_use[1]
    node = server.name
    _tool(lab, 'enroll', '--ironic-cloud', lab['admin_cloud'], '--server',
          node, '--network', prefix + '-net', '--manage')
    assert baremetal.node(node)['provision_state'] == 'manageable'
    name = _runbook_name(prefix)
    # Ironic's API takes a step once per runbook: a power cycle is one
    # reboot step.
    steps = [dict(_step('rebooting'), order=0)]
    baremetal.run('baremetal', 'runbook', 'create', '--name', name,
                  '--steps', json.dumps(steps), '--disable-ramdisk')
    baremetal.run('baremetal', 'runbook', 'trait', 'add', name, name)

    # Without the trait, Ironic's API refuses the runbook for the node.
    refused = baremetal.run('baremetal', 'node', 'clean', node,
                            '--runbook', name, check=False)
    assert refused.returncode != 0
    assert 'does not have any of the runbook' in refused.stderr
    assert baremetal.node(node)['provision_state'] == 'manageable'

    before = cli.server_actions(lab_cloud, server.id)
    baremetal.run('baremetal', 'node', 'add', 'trait', node, name)
    baremetal.run('baremetal', 'node', 'clean', node, '--runbook', name)
    _wait_provision(baremetal, node, 'manageable')
    assert _views(lab_cloud, baremetal, node, server) == (
        ('manageable', 'power on', None, False), ('ACTIVE', None, 1))
    assert cli.server_actions(lab_cloud, server.id) == before + ['reboot']
