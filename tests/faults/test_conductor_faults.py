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

import pytest

from ironic_openstack_driver.tools import waiting
from tests.faults import checks
from tests.faults import ironic as ironic_api
from tests.faults import tools
from tests.faults.tools import labctl

FIRST, SECOND = 'lab-ironic', 'lab-ironic-2'


@pytest.mark.slow
def test_conductor_killed_mid_action(ironic, nova, nodes, lab, row):
    """Ironic's conductor killed while Nova carries out its power off.

    What Ironic does after the restart, as an operator sees it: it clears
    the node's reservation and target_power_state and says in last_error
    that the action was aborted; its power state is still the one from
    before the action. Nova finishes the stop on its own. The next power
    sync finds the server off: Ironic would force the state it recorded
    ([conductor]force_power_state_during_sync, True by default) and start
    the server again, but the driver refuses that while the action last
    asked for (power off) differs from Ironic's record, so Ironic records
    "power off". The server ends off, as last asked, and Ironic agrees.
    No timing is asserted beyond bounds: "within two power syncs".
    """
    sync_interval = tools.ironic_option(
        lab, 'conductor', 'sync_power_state_interval', 60)
    force = tools.ironic_setting(
        lab, 'conductor', 'force_power_state_during_sync', 'True')
    r = row('ironic conductor killed mid-action',
            'cleared, error; sync records off, not forced')
    node, server = nodes.node(manage=True)
    log = tools.ConductorLog(lab)
    since = checks.before(nova, server)
    labctl('fault', 'pause', 'nova-compute')
    try:
        ironic.power(node, 'power off')
        # Mid-action: Nova accepted the stop (its compute is paused, so
        # the stop cannot end) and the driver waits for it.
        waiting.wait_for('Nova to accept the stop of %s' % server,
                         lambda: ironic_api.server_view(nova, server)[
                             'task_state'] == 'powering-off', 60, 0.2)
        labctl('fault', 'kill', 'ironic')
    finally:
        labctl('fault', 'resume', 'nova-compute')
    labctl('fault', 'start', 'ironic')
    restarted = waiting.wait_for(
        'Ironic to clear reservation and target of %s' % node,
        lambda: (lambda shown: shown if shown['reservation'] is None
                 and shown['target_power_state'] is None else None)(
                     ironic.node(node)), 60)
    assert restarted['last_error'], 'the aborted action is not reported'
    ironic_api.wait_server(nova, server, 'SHUTOFF')

    def recorded_off():
        status = nova.compute.get_server(server).status
        assert status == 'SHUTOFF', (
            'Nova server %s is %s: the power sync forced it on' % (
                server, status))
        return ironic.node(node)['power_state'] == 'power off'

    waiting.wait_for('Ironic to record power off for %s' % node,
                     recorded_off, 2 * sync_interval + 30, 2)
    # The one stop Ironic asked for, and no start of a forced sync.
    actions = checks.new_actions(nova, server, since)
    assert actions == ['stop'], actions
    synced = log.lines('During sync_power_state, node %s' % node)
    r['observed'] = (
        'after restart: resv=%s target=%s power=%s err=%r | sync '
        '(force_power_state_during_sync=%s): %s | nova %s, actions %s' % (
            restarted['reservation'], restarted['target_power_state'],
            restarted['power_state'], restarted['last_error'], force,
            ' '.join(synced[-1].split('] ', 1)[-1].split()) if synced
            else 'no sync line', nova.compute.get_server(server).status,
            ','.join(actions)))
    assert any('Updating recorded state' in line for line in synced), (
        synced)
    checks.next_action_works(ironic, nova, node, server, 'power on')


@pytest.mark.slow
def test_two_conductors_take_over(ironic, nova, nodes, row):
    r = row('two conductors: one killed',
            'other takes its nodes; boot device/power kept')
    labctl('conductor', 'add')
    try:
        made = [nodes.node() for _ in range(8)]
        hosts = waiting.wait_for('nodes on both conductors', lambda: (
            lambda seen: seen if {FIRST, SECOND} <= set(seen.values())
            else None)({n: ironic.node(n)['conductor'] for n, _ in made}),
            60)
        node, server = next((n, s) for n, s in made if hosts[n] == SECOND)
        ironic.set_boot_device(node, 'pxe')
        assert ironic.boot_device(node)['boot_device'] == 'pxe'
        checks.next_action_works(ironic, nova, node, server, 'power off')
        labctl('conductor', 'kill')
        waiting.wait_for('%s takes node %s over' % (FIRST, node),
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
        since = checks.before(nova, server)
        ironic.power(node, 'power on')
        shown = ironic.settled(node, 'power on')
        assert shown['last_error'] is None, shown['last_error']
        ironic_api.wait_server(nova, server, 'RESCUE')
        # From SHUTOFF, Nova rescues the stopped server (no start first).
        actions = checks.new_actions(nova, server, since)
        assert actions == ['rescue'], actions
        for other, other_server in made:
            if other != node:
                checks.next_action_works(ironic, nova, other, other_server,
                                         'power off')
    finally:
        labctl('conductor', 'remove')
