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

from ironic.common import driver_factory
from ironic.conductor import task_manager
from ironic.drivers.modules import fake
from ironic.drivers.modules import inspector
from ironic.drivers.modules import noop
from ironic.tests.unit.objects import utils as obj_utils

from ironic_openstack_driver import conf
from ironic_openstack_driver import console
from ironic_openstack_driver import hardware_type
from ironic_openstack_driver import inspect
from ironic_openstack_driver import management
from ironic_openstack_driver import power
from ironic_openstack_driver import vendor
from tests.unit import base
from tests.unit import cloud_base


class HardwareTypeTestCase(base.OpenStackDriverTestCase):

    def test_loaded_by_ironic_through_entry_points(self):
        hw_type = driver_factory.get_hardware_type('openstack')
        self.assertIsInstance(hw_type, hardware_type.OpenStackHardware)

    def test_node_gets_openstack_interfaces_by_default(self):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            self.assertIsInstance(task.driver.power, power.OpenStackPower)
            self.assertIsInstance(task.driver.management,
                                  management.OpenStackManagement)

    def test_fake_power_and_management_allowed(self):
        self.node.power_interface = 'fake'
        self.node.management_interface = 'fake'
        self.node.save()
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            self.assertIsInstance(task.driver.power, fake.FakePower)
            self.assertIsInstance(task.driver.management,
                                  fake.FakeManagement)


class ConfTestCase(base.DbTestCase):

    def test_list_opts_for_the_config_generator(self):
        [(group, opts)] = conf.list_opts()
        self.assertEqual('openstack', group)
        names = {opt.name for opt in opts}
        self.assertLessEqual({'clouds_yaml', 'cloud', 'rescue_image',
                              'uefi_rescue_image', 'api_timeout',
                              'state_poll_max_interval'}, names)
        for opt in opts:
            self.assertTrue(opt.help, opt.name)


class ConsoleInspectVendorTestCase(cloud_base.CloudTestCase):

    def test_openstack_interfaces_are_the_defaults(self):
        node = obj_utils.create_test_node(
            self.context, driver='openstack',
            uuid='c8d0f7a4-7d38-4e1b-9d0f-7b7d1a0c2f11',
            driver_info={'openstack_server': self.server.id})
        with task_manager.acquire(self.context, node.uuid,
                                  shared=True) as task:
            self.assertIsInstance(task.driver.console,
                                  console.OpenStackConsole)
            self.assertIsInstance(task.driver.inspect,
                                  inspect.OpenStackInspect)
            self.assertIsInstance(task.driver.vendor, vendor.OpenStackVendor)

    def test_no_console_no_inspect_no_vendor_stay_possible(self):
        self.node.console_interface = 'no-console'
        self.node.inspect_interface = 'no-inspect'
        self.node.vendor_interface = 'no-vendor'
        self.node.save()
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            self.assertIsInstance(task.driver.console, noop.NoConsole)
            self.assertIsInstance(task.driver.inspect, noop.NoInspect)
            self.assertIsInstance(task.driver.vendor, noop.NoVendor)

    def test_agent_inspection_stays_possible(self):
        hw_type = driver_factory.get_hardware_type('openstack')
        self.assertIn(inspector.AgentInspect,
                      hw_type.supported_inspect_interfaces)
