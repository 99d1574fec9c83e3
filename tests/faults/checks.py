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

"""The checks every fault ends with, and one line of what was seen.

An action claimed done is checked in Ironic (power state, no error) and in
Nova (the server's status, and exactly the new entries in its instance
action log that the action needs from the server's state before it); an
action claimed failed is checked in Ironic (a clear last_error, nothing
stuck) and in Nova (the state the failure leaves the server in, and the
new entries of its action log: none when Nova refused or never got it).
"""

from tests.faults import ironic as ironic_api

#: Nova's power_state of a running guest.
RUNNING = 1
#: clear_error's nova_status for a server that no longer exists.
GONE = 'gone'


def seen(ironic, nova, node, server):
    """Ironic's and Nova's view of a node, in one line for the table."""
    shown = ironic.node(node)
    view = ironic_api.server_view(nova, server)
    return shown, ('node %s target=%s resv=%s err=%s | nova %s' % (
        shown['power_state'], shown['target_power_state'],
        shown['reservation'], shown['last_error'],
        '%s/%s' % (view['status'], view['task_state']) if view
        else 'gone'))


def before(nova, server):
    """Nova's view of the server and its action log, before an action.

    :returns: (server_view, request ids of the logged actions).
    """
    return (ironic_api.server_view(nova, server),
            {a.request_id for a in nova.compute.server_actions(server)})


def new_actions(nova, server, earlier):
    """The actions Nova logged since ``before()``, oldest first."""
    _, known = earlier
    return [a.action for a in reversed(list(
        nova.compute.server_actions(server))) if a.request_id not in known]


def expected_actions(view, asked):
    """The actions Nova must log for ``asked`` from the server ``view``.

    One behaviour per starting state, for the boot device disk (what the
    driver does, server_state.step_to_*): a power off is a ``stop``
    (Nova allows it in ACTIVE and ERROR); a power on is a ``start`` from
    SHUTOFF, a hard ``reboot`` where Nova refuses a start (ACTIVE with the
    guest off, ERROR); a reboot of a running guest is a ``reboot``, of a
    guest that is off a power on. Nothing when the server is there
    already.

    :param view: ``ironic.server_view`` before the action.
    :returns: the action names, oldest first.
    :raises: AssertionError for a starting state no row decided.
    """
    vm = view['vm_state']
    running = vm == 'active' and view['power_state'] == RUNNING
    if asked == 'rebooting':
        if running:
            return ['reboot']
        asked = 'power on'
    if asked == 'power on':
        if running:
            return []
        if vm == 'stopped':
            return ['start']
        if vm in ('active', 'error'):
            return ['reboot']
    elif asked == 'power off':
        if vm == 'stopped':
            return []
        if vm in ('active', 'error'):
            return ['stop']
    raise AssertionError('no decided Nova action for %s from %s' % (
        asked, view))


def settled_as_asked(ironic, nova, node, server, asked, timeout=None, *,
                     since):
    """The action ended right in Ironic and in Nova.

    Ironic: the power state asked, no last_error. Nova: the status asked,
    and in its action log exactly the new actions ``expected_actions``
    gives for the server as it was before (none when it was there
    already).

    :param since: ``before(nova, server)``, taken before the action.
    """
    want_actions = expected_actions(since[0], asked)
    # A reboot ends with the node "power on".
    want = 'power on' if asked == 'rebooting' else asked
    shown = ironic.settled(node, want, **(
        {'timeout': timeout} if timeout else {}))
    assert shown['last_error'] is None, shown['last_error']
    assert shown['power_state'] == want, shown
    ironic_api.wait_server(nova, server, ironic_api.NOVA_STATUS[asked])
    logged = new_actions(nova, server, since)
    assert logged == want_actions, (
        'Ironic says %s done, server %s was %s/%s (power_state %s): Nova '
        'must have logged %s since, it logged %s' % (
            asked, server, since[0]['status'], since[0]['vm_state'],
            since[0]['power_state'], want_actions, logged))
    return shown


def clear_error(ironic, node, asked, *words, nova, server, nova_status,
                nova_task=None, since=None, nova_actions=None):
    """The action failed clearly in Ironic, and Nova shows what it left.

    Ironic: a last_error naming the node (and ``words``), nothing stuck
    (no target_power_state, no reservation). Nova: the server's status is
    ``nova_status`` (GONE: it no longer exists) with task ``nova_task``,
    and, for a server that exists, its action log holds exactly
    ``nova_actions`` (oldest first) since ``since`` (``before()``, taken
    before the action): ``[]`` when Nova refused or never got the action.

    :raises: TypeError when ``since`` or ``nova_actions`` is missing for a
        server that exists.
    """
    if nova_status != GONE and (since is None or nova_actions is None):
        raise TypeError('clear_error needs since= and nova_actions= for a '
                        'server that exists')
    shown = ironic.settled(node, asked)
    error = shown['last_error']
    assert error, 'no error and power_state %s' % shown['power_state']
    assert node in error, 'last_error does not name node %s: %s' % (
        node, error)
    for word in words:
        assert word.lower() in error.lower(), (
            'last_error does not say %r: %s' % (word, error))
    assert '\n' not in error, 'raw newline in last_error: %r' % error
    view = ironic_api.server_view(nova, server)
    if nova_status == GONE:
        assert view is None, 'server %s exists: %s' % (server, view)
        return shown
    assert view is not None, 'server %s is gone' % server
    assert (view['status'], view['task_state']) == (
        nova_status, nova_task), (
            'after the failed %s, Nova shows server %s as %s, not '
            '%s/%s' % (asked, server, view, nova_status, nova_task))
    logged = new_actions(nova, server, since)
    assert logged == list(nova_actions), (
        'after the failed %s, Nova logged %s for server %s, not %s' % (
            asked, logged, server, list(nova_actions)))
    return shown


def next_action_works(ironic, nova, node, server, asked):
    """The next action after the fault works end to end."""
    since = before(nova, server)
    ironic.power(node, asked)
    return settled_as_asked(ironic, nova, node, server, asked, since=since)
