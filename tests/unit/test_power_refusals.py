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

"""409s that do not go away: locked servers and other lasting refusals.

A 409 because a Nova task runs or the state changed meanwhile is a race
and is waited out; a 409 whose reason stays (a Nova lock) fails the power
action at once with Nova's reason in the node's last_error.
"""

import fixtures
from ironic.common import boot_devices
from ironic.common import exception
from ironic.common import states
from ironic.conductor import task_manager
from ironic.conductor import utils as manager_utils
from openstack import exceptions as sdk_exc

from ironic_openstack_driver import converge
from tests.unit import base
from tests.unit import fake_nova as fn


class LockedServerTestCase(base.OpenStackDriverTestCase):

    def setUp(self):
        super().setUp()
        self.server.locked = True

    def _power_action(self, state):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            manager_utils.node_power_action(task, state)

    def _check_failed_fast(self, action):
        self.node.refresh()
        self.assertIn('Instance %s is locked' % self.server.id,
                      self.node.last_error)
        self.assertIn(self.node.uuid, self.node.last_error)
        self.assertIsNone(self.node.target_power_state)
        # One refused request, nothing accepted, nothing resent.
        self.assertEqual([(self.server.id, action)], self.nova.refused)
        self.assertEqual([], self.nova.actions)

    def test_power_off_fails_at_once_with_novas_reason(self):
        exc = self.assertRaises(exception.DriverOperationError,
                                self._power_action, states.POWER_OFF)
        self.assertIn('is locked', str(exc))
        self.assertIn('openstack server unlock', str(exc))
        self._check_failed_fast('os-stop')

    def test_power_on_into_pxe_fails_at_once(self):
        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        with task_manager.acquire(self.context, self.node.uuid) as task:
            manager_utils.node_set_boot_device(task, boot_devices.PXE)
        self.assertRaises(exception.DriverOperationError,
                          self._power_action, states.POWER_ON)
        self._check_failed_fast('rescue')

    def test_reboot_fails_at_once(self):
        self.assertRaises(exception.DriverOperationError,
                          self._power_action, states.REBOOT)
        self._check_failed_fast('reboot HARD')

    def test_no_wait_for_the_timeout(self):
        # Ironic's read is reused only while it is fresh (test_node_access
        # proves the age limit): a loaded machine must not age it here.
        self.useFixture(fixtures.MockPatch(
            'ironic_openstack_driver.node_access.LAST_READ_MAX_AGE', 3600.0))
        self.assertRaises(exception.DriverOperationError,
                          self._power_action, states.POWER_OFF)
        # Ironic's own read chose the action; no read after the refusal.
        self.assertEqual(1, self.nova.reads)


class LastingConflictTestCase(base.OpenStackDriverTestCase):

    def test_same_refusal_in_a_settled_state_is_novas_answer(self):
        # Nova's InvalidVolume (a volume in a state Nova will not touch)
        # is a 409 that does not go away by waiting.
        def refuse(server):
            self.nova.refused.append((server.id, 'rescue'))
            sdk_exc.raise_from_response(fn.json_response(409, {
                'conflictingRequest': {
                    'code': 409,
                    'message': 'Invalid volume: volume is in-use'}}))

        self.nova.compute.rescue_server.side_effect = (
            lambda server, *args: refuse(server))
        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        with task_manager.acquire(self.context, self.node.uuid) as task:
            manager_utils.node_set_boot_device(task, boot_devices.PXE)
            exc = self.assertRaises(exception.DriverOperationError,
                                    manager_utils.node_power_action, task,
                                    states.POWER_ON)
        self.assertIn('Invalid volume: volume is in-use', str(exc))
        # The first refusal answered an action chosen from Ironic's own
        # read, which might have been stale: it does not count.
        self.assertEqual(converge.MAX_REFUSALS_PER_STATE + 1,
                         len(self.nova.refused))
