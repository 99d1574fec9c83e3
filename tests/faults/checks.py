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

"""The four checks every fault ends with, and one line of what was seen."""

import time

from tests.faults import ironic as ironic_api


def seen(ironic, nova, node, server):
    """Ironic's and Nova's view of a node, in one line for the table."""
    shown = ironic.node(node)
    view = ironic_api.server_view(nova, server)
    return shown, ('node %s target=%s resv=%s err=%s | nova %s' % (
        shown['power_state'], shown['target_power_state'],
        shown['reservation'], shown['last_error'],
        '%s/%s' % (view['status'], view['task_state']) if view
        else 'gone'))


def settled_as_asked(ironic, nova, node, server, asked, timeout=None):
    """The action ended right: Ironic and Nova both say ``asked``."""
    shown = ironic.settled(node, asked, **(
        {'timeout': timeout} if timeout else {}))
    assert shown['last_error'] is None, shown['last_error']
    want = 'power on' if asked == 'rebooting' else asked
    assert shown['power_state'] == want, shown
    ironic_api.wait_server(nova, server, ironic_api.NOVA_STATUS[asked])
    return shown


def clear_error(ironic, node, asked, *words):
    """The action failed with a last_error naming the node (and ``words``).

    Nothing is left stuck: no target_power_state, no reservation.
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
    return shown


def next_action_works(ironic, nova, node, server, asked):
    """The next action after the fault works end to end."""
    ironic.power(node, asked)
    return settled_as_asked(ironic, nova, node, server, asked)


def wait_for(what, check, timeout, interval=0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError('%s: not within %ds' % (what, timeout))
        time.sleep(interval)
