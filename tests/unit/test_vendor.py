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

import oslo_messaging as messaging

from ironic.common import boot_devices
from ironic.common import exception
from ironic.common import states
from ironic.conductor import task_manager
from ironic.conductor import utils as conductor_utils

from tests.unit import cloud_base
from tests.unit import fake_nova as fn


class ConsoleOutputTestCase(cloud_base.CloudTestCase):

    def _call(self, **info):
        return self.conductor.vendor_passthru(
            self.context, self.node.uuid, 'console_output', 'GET', info)

    def test_get_returns_the_tail_of_the_console_log(self):
        result = self._call()
        self.assertFalse(result['async'])
        self.assertFalse(result['attach'])
        self.assertEqual({'server': self.server.id, 'lines': 100,
                          'output': 'SeaBIOS (version 1.16)\niPXE 1.21.1\n'
                                    'Booting from ROM...\n'
                                    'lab guest: ready\n'},
                         result['return'])

    def test_lines_argument_asks_nova_for_that_many(self):
        result = self._call(lines='2')
        self.assertEqual('Booting from ROM...\nlab guest: ready\n',
                         result['return']['output'])
        self.nova.compute.get_server_console_output.assert_called_once_with(
            self.nova.compute.get_server_console_output.call_args[0][0],
            length=2)

    def test_default_lines_come_from_the_configuration(self):
        self.config(console_output_lines=1, group='openstack')
        self.assertEqual('lab guest: ready\n',
                         self._call()['return']['output'])

    def test_works_while_the_server_is_rescued(self):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            task.driver.management.set_boot_device(task, boot_devices.PXE)
            conductor_utils.node_power_action(task, states.REBOOT)
        self.assertEqual(fn.RESCUED, self.server.vm_state)
        self.server.console_log.append('iPXE: chainloading boot.ipxe')
        self.assertIn('iPXE: chainloading boot.ipxe',
                      self._call()['return']['output'])

    def test_an_agent_token_on_the_kernel_command_line_is_masked(self):
        self.server.console_log.append(
            '[    0.000000] Kernel command line: ipa-agent-token=Tk-9_x2 '
            'ipa-api-url=http://192.0.2.1:6385')
        output = self._call()['return']['output']
        self.assertNotIn('Tk-9_x2', output)
        self.assertIn('ipa-agent-token=*** ipa-api-url=http://192.0.2.1:6385',
                      output)

    def test_bad_lines_are_refused_before_nova_is_asked(self):
        for bad in ('ten', '0', '-5', '10001', True, ''):
            exc = self.assertRaises(messaging.ExpectedException, self._call,
                                    lines=bad)
            self.assertIsInstance(exc.exc_info[1],
                                  exception.InvalidParameterValue, bad)
            self.assertIn('"lines"', str(exc.exc_info[1]))
            self.assertIn(self.node.uuid, str(exc.exc_info[1]))
        self.nova.compute.get_server_console_output.assert_not_called()

    def test_post_is_not_allowed(self):
        exc = self.assertRaises(
            messaging.ExpectedException, self.conductor.vendor_passthru,
            self.context, self.node.uuid, 'console_output', 'POST', {})
        self.assertIn('does not support HTTP POST', str(exc.exc_info[1]))

    def test_guest_without_console_log_gives_novas_reason(self):
        self.server.console_log = None
        exc = self.assertRaises(exception.DriverOperationError, self._call)
        self.assertIn(self.node.uuid, str(exc))
        self.assertIn('HTTP 404', str(exc))
        self.assertIn('Guest does not have a console available', str(exc))

    def test_a_stopped_server_without_a_console_reads_as_empty(self):
        # Nova's libvirt driver (serial console enabled) answers 404 for a
        # guest that is off; Ironic's power off went through Nova's stop.
        with task_manager.acquire(self.context, self.node.uuid) as task:
            conductor_utils.node_power_action(task, states.POWER_OFF)
        self.assertEqual(fn.SHUTDOWN, self.server.power_state)
        result = self._call()
        self.assertEqual({'server': self.server.id, 'lines': 100,
                          'output': ''}, result['return'])
        self.nova.compute.get_server_console_output.assert_called_once()

    def test_a_stopped_server_whose_cloud_keeps_its_log_shows_it(self):
        self.nova.console_when_off = True
        with task_manager.acquire(self.context, self.node.uuid) as task:
            conductor_utils.node_power_action(task, states.POWER_OFF)
        self.assertIn('lab guest: ready', self._call()['return']['output'])

    def test_a_running_server_without_a_console_is_an_error(self):
        # Only "off" explains a missing console; a running guest's 404
        # (no serial port at all) is Nova's reason, said.
        self.server.console_log = None
        self.assertEqual(fn.RUNNING, self.server.power_state)
        exc = self.assertRaises(exception.DriverOperationError, self._call)
        self.assertIn('Guest does not have a console available', str(exc))

    def test_missing_server_is_named(self):
        del self.nova.servers[self.server.id]
        exc = self.assertRaises(exception.DriverOperationError, self._call)
        self.assertIn('was not found', str(exc))

    def test_method_is_listed_for_get(self):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            route = task.driver.vendor.vendor_routes['console_output']
        self.assertEqual(['GET'], route['http_methods'])
        self.assertFalse(route['require_exclusive_lock'])
