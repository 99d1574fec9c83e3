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

"""The fault suite's checks (tests/faults/checks.py), against a Nova and
an Ironic that answer what a test sets: an action claimed done passes only
with exactly the Nova actions its starting state needs, and one claimed
failed only with the Nova state and action log given."""

import types
import unittest

from tests.faults import checks

SERVER = 'c0ffee00-0000-4000-8000-000000000001'
NODE = '1d0e0000-0000-4000-8000-000000000002'
#: Nova's power_state of a guest that is shut down.
SHUTDOWN = 4
#: (status, vm_state, power_state) of the starting states the rows use.
RUNNING = ('ACTIVE', 'active', checks.RUNNING)
GUEST_OFF = ('ACTIVE', 'active', SHUTDOWN)
STOPPED = ('SHUTOFF', 'stopped', SHUTDOWN)
IN_ERROR = ('ERROR', 'error', SHUTDOWN)
#: Where each power state asked for leaves the server.
ENDS = {'power off': STOPPED, 'power on': RUNNING, 'rebooting': RUNNING}


class FakeNova:
    """One server and its action log (newest first, as Nova lists it)."""

    def __init__(self, state):
        self.compute = self
        self.gone = False
        self.logged = []
        self.set(state)

    def set(self, state, task_state=None):
        status, vm_state, power_state = state
        self.server = types.SimpleNamespace(
            id=SERVER, status=status, vm_state=vm_state,
            power_state=power_state, task_state=task_state,
            updated_at='2026-12-07T22:00:00Z', is_locked=False)

    def log(self, *actions):
        for action in actions:
            self.logged.insert(0, types.SimpleNamespace(
                action=action, request_id='req-%d' % len(self.logged)))

    def find_server(self, server_id, ignore_missing=True):
        assert server_id == SERVER
        return None if self.gone else self.server

    def get_server(self, server_id):
        assert server_id == SERVER and not self.gone
        return self.server

    def server_actions(self, server_id):
        assert server_id == SERVER
        return list(self.logged)


class FakeIronic:
    """The node as Ironic shows it once the action settled."""

    def __init__(self, power_state, last_error=None):
        self.shown = {'power_state': power_state, 'last_error': last_error,
                      'target_power_state': None, 'reservation': None}

    def settled(self, node, expected, timeout=None):
        # The real one waits for a power state (or an error): a power
        # state it never shows would time out.
        assert node == NODE
        assert expected in ('power on', 'power off'), expected
        return dict(self.shown)


def done(start, asked, *logged):
    """settled_as_asked for ``asked`` from ``start``; Nova logged ``logged``.

    Ironic and Nova both show the state asked for.
    """
    nova = FakeNova(start)
    since = checks.before(nova, SERVER)
    nova.log(*logged)
    nova.set(ENDS[asked])
    ironic = FakeIronic('power on' if asked == 'rebooting' else asked)
    return checks.settled_as_asked(ironic, nova, NODE, SERVER, asked,
                                   since=since)


class SettledAsAskedTest(unittest.TestCase):

    def assert_fails(self, start, asked, *logged):
        with self.assertRaises(AssertionError) as ctx:
            done(start, asked, *logged)
        self.assertIn('Nova must have logged', str(ctx.exception))
        return str(ctx.exception)

    def test_reboot_that_never_reached_nova_fails(self):
        # Ironic "power on" and Nova ACTIVE: the state before the reboot.
        message = self.assert_fails(RUNNING, 'rebooting')
        self.assertIn("['reboot']", message)
        self.assertIn('it logged []', message)

    def test_reboot_that_nova_logged_passes(self):
        self.assertEqual('power on',
                         done(RUNNING, 'rebooting', 'reboot')['power_state'])

    def test_power_on_from_shutoff_is_a_start_not_a_reboot(self):
        done(STOPPED, 'power on', 'start')
        self.assert_fails(STOPPED, 'power on', 'reboot')

    def test_power_on_of_active_server_with_guest_off_is_a_hard_reboot(self):
        done(GUEST_OFF, 'power on', 'reboot')
        self.assert_fails(GUEST_OFF, 'power on', 'start')

    def test_power_on_from_error_is_a_hard_reboot(self):
        done(IN_ERROR, 'power on', 'reboot')
        self.assert_fails(IN_ERROR, 'power on', 'start')

    def test_power_off_from_active_or_error_is_one_stop(self):
        done(RUNNING, 'power off', 'stop')
        done(IN_ERROR, 'power off', 'stop')
        self.assert_fails(RUNNING, 'power off')
        self.assert_fails(IN_ERROR, 'power off', 'stop', 'stop')

    def test_action_on_a_server_already_there_logs_nothing(self):
        done(STOPPED, 'power off')
        done(RUNNING, 'power on')
        self.assert_fails(STOPPED, 'power off', 'stop')
        self.assert_fails(RUNNING, 'power on', 'reboot')

    def test_more_actions_than_needed_fail(self):
        # A power on that stopped and started again ends as asked too.
        self.assert_fails(STOPPED, 'power on', 'stop', 'start')
        self.assert_fails(RUNNING, 'rebooting', 'stop', 'start')

    def test_ironic_error_fails_before_nova_is_read(self):
        nova = FakeNova(RUNNING)
        since = checks.before(nova, SERVER)
        ironic = FakeIronic('power on', last_error='boom')
        with self.assertRaises(AssertionError) as ctx:
            checks.settled_as_asked(ironic, nova, NODE, SERVER, 'power off',
                                    since=since)
        self.assertIn('boom', str(ctx.exception))

    def test_starting_state_no_row_decided_fails_loudly(self):
        for view in ({'vm_state': 'rescued', 'power_state': 1},
                     {'vm_state': 'shelved_offloaded', 'power_state': 0}):
            with self.assertRaises(AssertionError) as ctx:
                checks.expected_actions(view, 'power off')
            self.assertIn('no decided Nova action', str(ctx.exception))


class ClearErrorTest(unittest.TestCase):

    ERROR = 'Cannot power off node %s: the server is locked' % NODE

    def failed(self, nova, since, nova_status='ACTIVE', nova_actions=(),
               error=ERROR, **kwargs):
        return checks.clear_error(
            FakeIronic('power on', last_error=error), NODE, 'power off',
            'locked', nova=nova, server=SERVER, nova_status=nova_status,
            since=since, nova_actions=nova_actions, **kwargs)

    def test_refusal_nova_never_logged_passes(self):
        nova = FakeNova(RUNNING)
        since = checks.before(nova, SERVER)
        self.assertEqual(self.ERROR, self.failed(nova, since)['last_error'])

    def test_refusal_with_an_action_in_nova_log_fails(self):
        nova = FakeNova(RUNNING)
        since = checks.before(nova, SERVER)
        nova.log('stop')
        with self.assertRaises(AssertionError) as ctx:
            self.failed(nova, since)
        self.assertIn("Nova logged ['stop']", str(ctx.exception))

    def test_accepted_stop_must_be_in_nova_log(self):
        nova = FakeNova(RUNNING)
        since = checks.before(nova, SERVER)
        nova.set(RUNNING, task_state='powering-off')
        with self.assertRaises(AssertionError):
            self.failed(nova, since, nova_task='powering-off',
                        nova_actions=['stop'])
        nova.log('stop')
        self.failed(nova, since, nova_task='powering-off',
                    nova_actions=['stop'])

    def test_other_nova_state_fails(self):
        nova = FakeNova(STOPPED)
        since = checks.before(nova, SERVER)
        with self.assertRaises(AssertionError) as ctx:
            self.failed(nova, since)
        self.assertIn('SHUTOFF', str(ctx.exception))

    def test_no_error_in_ironic_fails(self):
        nova = FakeNova(RUNNING)
        since = checks.before(nova, SERVER)
        with self.assertRaises(AssertionError):
            self.failed(nova, since, error=None)

    def test_existing_server_needs_since_and_actions(self):
        nova = FakeNova(RUNNING)
        with self.assertRaises(TypeError):
            self.failed(nova, None)
        with self.assertRaises(TypeError):
            self.failed(nova, checks.before(nova, SERVER), nova_actions=None)

    def test_gone_server_must_be_gone(self):
        nova = FakeNova(RUNNING)
        with self.assertRaises(AssertionError) as ctx:
            self.failed(nova, None, nova_status=checks.GONE,
                        nova_actions=None)
        self.assertIn('exists', str(ctx.exception))
        nova.gone = True
        self.failed(nova, None, nova_status=checks.GONE, nova_actions=None)
