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

"""nova-compute stuck mid-action; the server deleted, in ERROR, locked."""

import pytest

from ironic_openstack_driver.tools import waiting
from tests.faults import checks
from tests.faults import ironic as ironic_api
from tests.faults.tools import labctl


@pytest.mark.slow
def test_compute_stuck_mid_stop(ironic, nova, nodes, row):
    r = row('nova-compute stuck mid-stop (SIGSTOP)',
            "error naming node with Nova's task; one stop, off")
    node, server = nodes.node(manage=True)
    since = checks.before(nova, server)
    labctl('fault', 'pause', 'nova-compute')
    try:
        ironic.power(node, 'power off')
        # Nova accepted the stop; its compute cannot carry it out.
        shown = checks.clear_error(ironic, node, 'power off',
                                   'powering-off', nova=nova, server=server,
                                   nova_status='ACTIVE',
                                   nova_task='powering-off', since=since,
                                   nova_actions=['stop'])
        r['observed'] = shown['last_error']
    finally:
        labctl('fault', 'resume', 'nova-compute')
    # Nova finishes the stop it was asked for; the last action asked was
    # power off, and Ironic must not undo it.
    ironic_api.wait_server(nova, server, 'SHUTOFF')
    waiting.wait_for('Ironic reads power off', lambda: ironic.node(
        node)['power_state'] == 'power off', 90)
    assert nova.compute.get_server(server).status == 'SHUTOFF'
    # The one stop, and nothing since (no start of Ironic's power sync).
    assert checks.new_actions(nova, server, since) == ['stop']
    checks.next_action_works(ironic, nova, node, server, 'power on')


def test_server_deleted(ironic, nova, nodes, row):
    r = row('server deleted', 'clear error naming node, saying deleted')
    node, server = nodes.node()
    nova.compute.delete_server(server)
    waiting.wait_for('server gone', lambda: ironic_api.server_view(
        nova, server) is None, 60)
    ironic.power(node, 'power off')
    shown = checks.clear_error(ironic, node, 'power off', 'deleted',
                               nova=nova, server=server,
                               nova_status=checks.GONE)
    r['observed'] = shown['last_error']
    # The node works again once it points at a server that exists.
    other = nodes.server()
    ironic.patch(node, [{'op': 'replace',
                         'path': '/driver_info/openstack_server',
                         'value': other}])
    nodes.mark(other, node)
    checks.next_action_works(ironic, nova, node, other, 'power off')


def test_server_in_error(ironic, nova, nova_admin, nodes, row):
    """Power off of a server in ERROR: the driver stops it.

    Nova allows os-stop in ERROR (check_instance_state ACTIVE, ERROR);
    the driver reads ERROR as Ironic's power state "error" and its next
    step towards off is a stop (server_state.step_to_power_off), so the
    action ends as asked: Ironic "power off", Nova SHUTOFF with a new
    "stop" in its action log.
    """
    r = row('server in ERROR (reset-state)',
            'power off done: Nova stop, SHUTOFF')
    node, server = nodes.node()
    nova_admin.compute.reset_server_state(server, 'error')
    waiting.wait_for('server ERROR', lambda: nova.compute.get_server(
        server).status == 'ERROR', 30)
    since = checks.before(nova, server)
    ironic.power(node, 'power off')
    shown = checks.settled_as_asked(ironic, nova, node, server, 'power off',
                                    since=since)
    r['observed'] = '%s; nova actions %s' % (
        checks.seen(ironic, nova, node, server)[1],
        checks.new_actions(nova, server, since))
    assert shown['power_state'] == 'power off'
    # Back to ACTIVE (the guest stays off: a power on is a hard reboot).
    nova_admin.compute.reset_server_state(server, 'active')
    checks.next_action_works(ironic, nova, node, server, 'power on')
    checks.next_action_works(ironic, nova, node, server, 'power off')


def test_server_locked(ironic, nova, nova_admin, nodes, row):
    r = row('server locked (by admin)',
            'clear error naming node, saying locked; no stop')
    node, server = nodes.node()
    nova_admin.compute.lock_server(server)
    try:
        since = checks.before(nova, server)
        ironic.power(node, 'power off')
        # Nova refuses a locked server's stop before it logs an action.
        shown = checks.clear_error(ironic, node, 'power off', 'lock',
                                   nova=nova, server=server,
                                   nova_status='ACTIVE', since=since,
                                   nova_actions=[])
        r['observed'] = shown['last_error']
    finally:
        nova_admin.compute.unlock_server(server)
    # Unlocked, a reboot reaches Nova (a new "reboot" in its log: the
    # server is ACTIVE before and after), then a power off.
    checks.next_action_works(ironic, nova, node, server, 'rebooting')
    checks.next_action_works(ironic, nova, node, server, 'power off')
