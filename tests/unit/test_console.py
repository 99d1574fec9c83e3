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

from unittest import mock

from ironic.common import boot_devices
from ironic.common import exception
from ironic.common import states
from ironic.conductor import task_manager
from ironic.conductor import utils as conductor_utils

from ironic_openstack_driver import client as os_client
from ironic_openstack_driver import console
from tests.unit import cloud_base
from tests.unit import fake_nova as fn


class ConsoleTestCase(cloud_base.CloudTestCase):

    def _enable(self):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            self.conductor._set_console_mode(task, True)
        self.node.refresh()

    def _show(self):
        return self.conductor.get_console_information(self.context,
                                                      self.node.uuid)

    def _get_console(self):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            return task.driver.console.get_console(task)

    def test_interface_is_the_default_for_new_nodes(self):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            self.assertIsInstance(task.driver.console,
                                  console.OpenStackConsole)

    def test_enable_then_show_gives_the_serial_console(self):
        self._enable()
        self.assertTrue(self.node.console_enabled)
        info = self._show()
        self.assertEqual('serial', info['type'])
        self.assertTrue(info['url'].startswith('ws://console.example/'))
        self.assertEqual([(self.server.id, 'serial')], self.nova.consoles)

    def test_each_show_asks_nova_anew_and_nothing_is_stored(self):
        self._enable()
        first, second = self._show(), self._show()
        self.assertNotEqual(first['url'], second['url'])
        self.assertEqual(2, len(self.nova.consoles))
        self.node.refresh()
        stored = repr(self.node.as_dict())
        self.assertNotIn('secret-token', stored)

    def test_url_is_not_logged(self):
        self._enable()
        with mock.patch.object(console, 'LOG', autospec=True) as log1, \
                mock.patch.object(os_client, 'LOG', autospec=True) as log2:
            url = self._show()['url']
        output = repr(log1.mock_calls + log2.mock_calls)
        self.assertIn('Nova gave a', output)
        self.assertNotIn(url, output)
        self.assertNotIn('secret-token', output)

    def test_enable_with_a_missing_server_fails_and_stays_disabled(self):
        del self.nova.servers[self.server.id]
        with task_manager.acquire(self.context, self.node.uuid) as task:
            self.assertRaises(exception.DriverOperationError,
                              self.conductor._set_console_mode, task, True)
        self.node.refresh()
        self.assertFalse(self.node.console_enabled)

    def test_disable_sends_nothing_to_nova(self):
        self._enable()
        with task_manager.acquire(self.context, self.node.uuid) as task:
            self.conductor._set_console_mode(task, False)
        self.node.refresh()
        self.assertFalse(self.node.console_enabled)
        self.assertEqual([], self.nova.consoles)

    def test_rescued_server_falls_back_to_novnc(self):
        # libvirt with [serial_console] enabled: a rescued guest has no
        # serial port, so boot device PXE shows on the graphical console.
        with task_manager.acquire(self.context, self.node.uuid) as task:
            task.driver.management.set_boot_device(task, boot_devices.PXE,
                                                   persistent=True)
            conductor_utils.node_power_action(task, states.REBOOT)
        self.assertEqual(fn.RESCUED, self.server.vm_state)
        info = self._get_console()
        self.assertEqual('novnc', info['type'])
        self.assertTrue(info['url'].startswith('http://console.example/'))

    def test_order_comes_from_the_configuration(self):
        self.config(console_types=['novnc', 'serial'], group='openstack')
        self.assertEqual('novnc', self._get_console()['type'])

    def test_cloud_without_the_types_asked_for_names_what_it_offers(self):
        self.nova.console_types = {'spice-html5'}
        self.config(console_types=['serial', 'novnc'], group='openstack')
        exc = self.assertRaises(exception.DriverOperationError,
                                self._get_console)
        self.assertIn(self.node.uuid, str(exc))
        self.assertIn('serial: Unavailable console type serial', str(exc))
        self.assertIn('novnc: Unavailable console type novnc', str(exc))
        self.assertIn('it offers spice-html5', str(exc))
        self.assertIn('[openstack]console_types', str(exc))

    def test_cloud_without_any_console(self):
        self.nova.console_types = set()
        exc = self.assertRaises(exception.DriverOperationError,
                                self._get_console)
        self.assertIn('it offers no console type', str(exc))

    def test_powered_off_guest_has_no_console(self):
        self.server.vm_state, self.server.power_state = fn.STOPPED, \
            fn.SHUTDOWN
        exc = self.assertRaises(exception.DriverOperationError,
                                self._get_console)
        self.assertIn('does not run', str(exc))
        self.assertEqual([], self.nova.consoles)

    def test_other_nova_errors_are_not_taken_for_a_missing_type(self):
        self.server.task_state = 'rebooting'
        exc = self.assertRaises(exception.DriverOperationError,
                                self._get_console)
        self.assertIn('HTTP 409', str(exc))
        self.assertIn('task_state rebooting', str(exc))
        self.assertEqual(1, self.nova.compute.create_console.call_count)

    def test_unknown_console_type_in_the_configuration_is_refused(self):
        self.assertRaises(ValueError, self.config,
                          console_types=['serial', 'vnc'], group='openstack')
