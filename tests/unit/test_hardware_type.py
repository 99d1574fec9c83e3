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

from ironic_openstack_driver import conf
from ironic_openstack_driver import hardware_type
from ironic_openstack_driver import management
from ironic_openstack_driver import power
from tests.unit import base


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
