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

"""The power interface's reads: one server, Nova's states, clear errors."""

from ironic.common import exception
from ironic.common import states
from ironic.conductor import task_manager

from ironic_openstack_driver import driver_info
from tests.unit import base
from tests.unit import fake_nova as fn


class PowerStateTestCase(base.OpenStackDriverTestCase):
    """Reads of single servers (test_server_snapshot tests the listing)."""

    def setUp(self):
        super().setUp()
        self.config(server_list_max_age=0, group='openstack')

    def _power_state(self):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            return task.driver.power.get_power_state(task)

    def test_power_state_follows_nova_power_state(self):
        cases = [
            (fn.ACTIVE, fn.RUNNING, None, states.POWER_ON),
            (fn.STOPPED, fn.SHUTDOWN, None, states.POWER_OFF),
            # The guest shut itself down; Nova's vm_state lags behind.
            (fn.ACTIVE, fn.SHUTDOWN, None, states.POWER_OFF),
            # Rescued (booted from PXE) and running.
            (fn.RESCUED, fn.RUNNING, None, states.POWER_ON),
            (fn.RESCUED, fn.SHUTDOWN, None, states.POWER_OFF),
            (fn.ACTIVE, fn.RUNNING, 'powering-off', states.POWER_ON),
            (fn.STOPPED, fn.SHUTDOWN, 'powering-on', states.POWER_OFF),
            # A paused guest's CPUs do not run (server_state says why).
            (fn.PAUSED, 3, None, states.POWER_OFF),
            (fn.SUSPENDED, 7, None, states.POWER_OFF),
            (fn.SHELVED_OFFLOADED, fn.SHUTDOWN, None, states.POWER_OFF),
            (fn.ERROR, fn.RUNNING, None, states.ERROR),
            (fn.ACTIVE, 6, None, states.POWER_OFF),   # crashed
        ]
        for vm_state, power_state, task_state, expected in cases:
            self.server.vm_state = vm_state
            self.server.power_state = power_state
            self.server.task_state = task_state
            self.assertEqual(expected, self._power_state(),
                             (vm_state, power_state, task_state))

    def test_power_state_is_one_server_read(self):
        self._power_state()
        self.assertEqual(1, self.nova.compute.get_server.call_count)
        self.assertEqual([], self.nova.actions)

    def test_deleted_server_is_a_clear_error(self):
        del self.nova.servers[self.server.id]
        exc = self.assertRaises(exception.DriverOperationError,
                                self._power_state)
        self.assertIn(self.node.uuid, str(exc))
        self.assertIn('not found', str(exc))

    def test_soft_deleted_server_is_a_clear_error(self):
        self.server.vm_state = 'soft-delete'
        exc = self.assertRaises(exception.DriverOperationError,
                                self._power_state)
        self.assertIn('deleted', str(exc))

    def test_server_by_unique_name(self):
        self.node.driver_info = {'openstack_server': 'node-0'}
        self.node.save()
        self.assertEqual(states.POWER_ON, self._power_state())
        self.assertEqual(states.POWER_ON, self._power_state())
        # The name is resolved once, then the UUID is used.
        self.assertEqual(1, self.nova.compute.find_server.call_count)
        self.nova.compute.get_server.assert_called_with(self.server.id)

    def test_server_name_matching_several_is_refused(self):
        self.nova.add_server(name='node-0')
        self.node.driver_info = {'openstack_server': 'node-0'}
        self.node.save()
        exc = self.assertRaises(exception.InvalidParameterValue,
                                self._power_state)
        self.assertIn('several', str(exc))
        self.assertIn(self.node.uuid, str(exc))

    def test_server_name_matching_none_is_refused(self):
        self.node.driver_info = {'openstack_server': 'nope'}
        self.node.save()
        exc = self.assertRaises(exception.InvalidParameterValue,
                                self._power_state)
        self.assertIn('matches no server', str(exc))

    def test_supported_power_states(self):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            self.assertEqual(
                sorted([states.POWER_ON, states.POWER_OFF, states.REBOOT,
                        states.SOFT_REBOOT, states.SOFT_POWER_OFF]),
                sorted(task.driver.power.get_supported_power_states(task)))

    def test_validate_outside_deploy_and_cleaning_does_no_io(self):
        # Available and cleaning check the boot mode (test_boot_mode_check).
        self.node.provision_state = states.MANAGEABLE
        self.node.save()
        with task_manager.acquire(self.context, self.node.uuid) as task:
            task.driver.power.validate(task)
        self.connection_class.assert_not_called()

    def test_properties(self):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            self.assertEqual(driver_info.COMMON_PROPERTIES,
                             task.driver.power.get_properties())
