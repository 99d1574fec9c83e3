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
Nova (the server's status, and a new entry in its instance action log, of
the kind the action needs); an action claimed failed is checked in Ironic
(a clear last_error, nothing stuck) and in Nova (the state the failure
leaves the server in).
"""

from tests.faults import ironic as ironic_api

#: The instance actions Nova logs for what Ironic is asked: a power on
#: is a start from SHUTOFF, or a hard reboot where Nova refuses a start
#: (ACTIVE with the guest off, ERROR).
NOVA_ACTIONS = {'power on': ('start', 'reboot'), 'power off': ('stop',),
                'rebooting': ('reboot',)}
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


def needs_action(view, asked):
    """Whether Nova must act for ``asked`` from the server ``view``."""
    if asked == 'rebooting':
        return True
    if asked == 'power on':
        return not (view['vm_state'] == 'active'
                    and view['power_state'] == 1)
    return view['vm_state'] != 'stopped'


def settled_as_asked(ironic, nova, node, server, asked, timeout=None, *,
                     since):
    """The action ended right in Ironic and in Nova.

    Ironic: the power state asked, no last_error. Nova: the status asked,
    and in its action log one new action of the kind ``asked`` needs when
    the server was not there yet (none when it was).

    :param since: ``before(nova, server)``, taken before the action.
    """
    shown = ironic.settled(node, asked, **(
        {'timeout': timeout} if timeout else {}))
    assert shown['last_error'] is None, shown['last_error']
    want = 'power on' if asked == 'rebooting' else asked
    assert shown['power_state'] == want, shown
    ironic_api.wait_server(nova, server, ironic_api.NOVA_STATUS[asked])
    logged = new_actions(nova, server, since)
    if needs_action(since[0], asked):
        assert any(a in NOVA_ACTIONS[asked] for a in logged), (
            'Ironic says %s done but Nova logged no %s for server %s since '
            '%s: %s' % (asked, '/'.join(NOVA_ACTIONS[asked]), server,
                        since[0], logged))
    else:
        assert logged == [], (
            'server %s was %s already, yet Nova logged %s' % (
                server, since[0], logged))
    return shown


def clear_error(ironic, node, asked, *words, nova, server, nova_status,
                nova_task=None):
    """The action failed clearly in Ironic, and Nova shows what it left.

    Ironic: a last_error naming the node (and ``words``), nothing stuck
    (no target_power_state, no reservation). Nova: the server's status is
    ``nova_status`` (GONE: it no longer exists) with task ``nova_task``.
    """
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
    else:
        assert view is not None, 'server %s is gone' % server
        assert (view['status'], view['task_state']) == (
            nova_status, nova_task), (
                'after the failed %s, Nova shows server %s as %s, not '
                '%s/%s' % (asked, server, view, nova_status, nova_task))
    return shown


def next_action_works(ironic, nova, node, server, asked):
    """The next action after the fault works end to end."""
    since = before(nova, server)
    ironic.power(node, asked)
    return settled_as_asked(ironic, nova, node, server, asked, since=since)
