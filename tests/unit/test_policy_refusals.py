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

"""Stricter Novas: a policy that refuses the driver's credentials (403).

The host cloud's policy may deny a project member rescue, stop or the
console. The node's last_error (or the API's answer) names the node and
the Nova policy rule to ask the cloud's operators for, and nothing is
left half-done.
"""

from ironic.common import boot_devices
from ironic.common import exception
from ironic.common import states
from ironic.conductor import task_manager
from ironic.conductor import utils as manager_utils

from ironic_openstack_driver import power
from tests.unit import cloud_base
from tests.unit import fake_nova as fn

HINT = "Nova's policy rule %s refuses these credentials"


class PowerPolicyTestCase(cloud_base.CloudTestCase):

    def _power(self, state):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            manager_utils.node_power_action(task, state)
        self.node.refresh()

    def _failed(self, state, rule, refused):
        self.assertRaises(exception.DriverOperationError, self._power, state)
        self.node.refresh()
        self.assertIn(self.node.uuid, self.node.last_error)
        self.assertIn(HINT % rule, self.node.last_error)
        self.assertIsNone(self.node.target_power_state)
        self.assertNotIn(power.UNFINISHED_ACTION,
                         self.node.driver_internal_info)
        self.assertEqual([], self.nova.actions)
        self.assertEqual(refused, self.server.vm_state)

    def test_refused_rescue_names_os_rescue(self):
        self.nova.denied.add('os_compute_api:os-rescue')
        with task_manager.acquire(self.context, self.node.uuid) as task:
            manager_utils.node_set_boot_device(task, boot_devices.PXE)
        self._failed(states.REBOOT, 'os_compute_api:os-rescue', fn.ACTIVE)
        # What the policy allows still works.
        self._power(states.POWER_OFF)
        self.assertEqual(states.POWER_OFF, self.node.power_state)
        self.assertIsNone(self.node.last_error)

    def test_refused_stop_names_servers_stop(self):
        self.nova.denied.add('os_compute_api:servers:stop')
        self._failed(states.POWER_OFF, 'os_compute_api:servers:stop',
                     fn.ACTIVE)

    def test_refused_start_names_servers_start(self):
        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        self.nova.denied.add('os_compute_api:servers:start')
        self._failed(states.POWER_ON, 'os_compute_api:servers:start',
                     fn.STOPPED)


class ConsolePolicyTestCase(cloud_base.CloudTestCase):

    def test_refused_console_log_names_os_console_output(self):
        self.nova.denied.add('os_compute_api:os-console-output')
        exc = self.assertRaises(
            exception.DriverOperationError, self.conductor.vendor_passthru,
            self.context, self.node.uuid, 'console_output', 'GET', {})
        self.assertIn(self.node.uuid, str(exc))
        self.assertIn(HINT % 'os_compute_api:os-console-output', str(exc))

    def test_refused_remote_console_names_os_remote_consoles(self):
        self.nova.denied.add('os_compute_api:os-remote-consoles')
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            exc = self.assertRaises(exception.DriverOperationError,
                                    task.driver.console.get_console, task)
        self.assertIn(self.node.uuid, str(exc))
        self.assertIn(HINT % 'os_compute_api:os-remote-consoles', str(exc))

    def test_refused_nmi_names_trigger_crash_dump(self):
        self.nova.denied.add('os_compute_api:servers:trigger_crash_dump')
        with task_manager.acquire(self.context, self.node.uuid) as task:
            exc = self.assertRaises(exception.DriverOperationError,
                                    task.driver.management.inject_nmi, task)
        self.assertIn(HINT % 'os_compute_api:servers:trigger_crash_dump',
                      str(exc))
