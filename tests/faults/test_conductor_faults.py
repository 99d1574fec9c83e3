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

"""The Ironic conductor killed mid-action; two conductors and a take-over."""

import time

from tests.faults import checks
from tests.faults import ironic as ironic_api
from tests.faults.tools import labctl

FIRST, SECOND = 'lab-ironic', 'lab-ironic-2'
#: Power sync interval of the lab's Ironic, plus a margin.
SYNC_SECONDS = 90


def test_conductor_killed_mid_action(ironic, nova, nodes, row):
    r = row('ironic conductor killed mid-action',
            'not stuck after restart; server ends off')
    node, server = nodes.node(manage=True)
    labctl('fault', 'pause', 'nova-compute')
    try:
        ironic.power(node, 'power off')
        checks.wait_for('the action runs', lambda: ironic.node(
            node)['target_power_state'] == 'power off', 30, 0.1)
        labctl('fault', 'kill', 'ironic')
    finally:
        labctl('fault', 'resume', 'nova-compute')
    labctl('fault', 'start', 'ironic')
    shown = ironic.node(node)
    assert shown['target_power_state'] is None, shown
    assert shown['reservation'] is None, shown
    ironic_api.wait_server(nova, server, 'SHUTOFF')
    # Within one power sync Ironic learns the server is off, and does not
    # start it again: power off was the last action asked for.
    deadline = time.monotonic() + SYNC_SECONDS
    while time.monotonic() < deadline:
        status = nova.compute.get_server(server).status
        assert status == 'SHUTOFF', 'Nova server %s is %s' % (server, status)
        if ironic.node(node)['power_state'] == 'power off':
            break
        time.sleep(2)
    r['observed'] = checks.seen(ironic, nova, node, server)[1]
    assert ironic.node(node)['power_state'] == 'power off'
    checks.next_action_works(ironic, nova, node, server, 'power on')


def test_two_conductors_take_over(ironic, nova, nodes, row):
    r = row('two conductors: one killed',
            'other takes its nodes; boot device/power kept')
    labctl('conductor', 'add')
    try:
        made = [nodes.node() for _ in range(8)]
        hosts = checks.wait_for('nodes on both conductors', lambda: (
            lambda seen: seen if {FIRST, SECOND} <= set(seen.values())
            else None)({n: ironic.node(n)['conductor'] for n, _ in made}),
            60)
        node, server = next((n, s) for n, s in made if hosts[n] == SECOND)
        ironic.set_boot_device(node, 'pxe')
        assert ironic.boot_device(node)['boot_device'] == 'pxe'
        checks.next_action_works(ironic, nova, node, server, 'power off')
        labctl('conductor', 'kill')
        checks.wait_for('%s takes node %s over' % (FIRST, node),
                        lambda: ironic.node(node)['conductor'] == FIRST, 90)
        device = ironic.boot_device(node)
        shown = ironic.node(node)
        r['observed'] = 'on %s: boot %s persistent=%s, %s, nova %s' % (
            shown['conductor'], device['boot_device'], device['persistent'],
            shown['power_state'], nova.compute.get_server(server).status)
        assert device == {'boot_device': 'pxe', 'persistent': True}, device
        assert shown['power_state'] == 'power off', shown
        assert nova.compute.get_server(server).status == 'SHUTOFF'
        # The boot device is applied by the new conductor: PXE is rescue.
        ironic.power(node, 'power on')
        shown = ironic.settled(node, 'power on')
        assert shown['last_error'] is None, shown['last_error']
        ironic_api.wait_server(nova, server, 'RESCUE')
        for other, other_server in made:
            if other != node:
                checks.next_action_works(ironic, nova, other, other_server,
                                         'power off')
    finally:
        labctl('conductor', 'remove')
