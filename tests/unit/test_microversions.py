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

"""Older Novas: the compute microversion cap, and what each level loses.

Through Ironic's conductor helpers (node_power_action,
node_set_boot_device, node_cache_boot_mode) on a FakeNova that answers at
the microversion openstacksdk sends: the cap pins the connection, and the
fake refuses what Nova refuses there (a volume-backed rescue below 2.87)
and shows what Nova shows (no image properties below 2.98).
"""

from ironic.common import boot_devices
from ironic.common import exception
from ironic.common import states
from ironic.conductor import task_manager
from ironic.conductor import utils as manager_utils
from ironic.tests.unit.objects import utils as obj_utils
from oslo_utils import uuidutils

from ironic_openstack_driver import boot_device
from ironic_openstack_driver import power
from tests.unit import base
from tests.unit import fake_nova as fn


class CapTestCase(base.OpenStackDriverTestCase):
    """What the cap does to the connection."""

    def _power_on(self, node=None):
        with task_manager.acquire(self.context,
                                  (node or self.node).uuid) as task:
            manager_utils.node_power_action(task, states.POWER_ON)

    def test_cap_below_the_cloud_pins_every_compute_request(self):
        self.config(compute_microversion_cap='2.60', group='openstack')
        self._power_on()
        self.assertEqual('2.60', self.nova.compute.default_microversion)
        self.assertEqual('2.60', self.nova.microversion())

    def test_cap_above_the_cloud_pins_nothing(self):
        self.nova.max_microversion = '2.90'
        self.config(compute_microversion_cap='2.95', group='openstack')
        self._power_on()
        self.assertIsNone(self.nova.compute.default_microversion)

    def test_driver_info_cap_overrides_the_option(self):
        self.config(compute_microversion_cap='2.60', group='openstack')
        self.node.driver_info = dict(
            self.node.driver_info, openstack_compute_microversion_cap='2.87')
        self.node.save()
        self._power_on()
        self.assertEqual('2.87', self.nova.compute.default_microversion)

    def test_nodes_with_other_caps_get_connections_of_their_own(self):
        server = self.nova.add_server(name='node-1',
                                      image_id=self.disk_image.id)
        other = obj_utils.create_test_node(
            self.context, driver='openstack', uuid=uuidutils.generate_uuid(),
            driver_info={'openstack_server': server.id,
                         'openstack_compute_microversion_cap': '2.60'})
        self.mark(server, other)
        self._power_on()
        self._power_on(other)
        # One connection per cap: the pin of one never reaches the other.
        self.assertEqual(2, self.connection_class.call_count)

    def test_malformed_driver_info_cap_is_refused_naming_the_field(self):
        self.node.driver_info = dict(
            self.node.driver_info, openstack_compute_microversion_cap='2.x')
        self.node.save()
        with task_manager.acquire(self.context, self.node.uuid) as task:
            exc = self.assertRaises(exception.InvalidParameterValue,
                                    task.driver.power.validate, task)
        self.assertIn('openstack_compute_microversion_cap', str(exc))
        self.assertIn('"2.N"', str(exc))
        self.assertIn(self.node.uuid, str(exc))
        self.assertEqual([], self.nova.actions)

    def test_number_cap_is_refused_as_ambiguous(self):
        # The baremetal CLI sends --driver-info KEY=2.60 as the number 2.6.
        self.node.driver_info = dict(
            self.node.driver_info, openstack_compute_microversion_cap=2.6)
        self.node.save()
        with task_manager.acquire(self.context, self.node.uuid) as task:
            exc = self.assertRaises(exception.InvalidParameterValue,
                                    task.driver.power.validate, task)
        self.assertIn('not the number 2.6', str(exc))
        self.assertIn('"2.60"', str(exc))
        self.assertIn(self.node.uuid, str(exc))

    def test_malformed_option_is_refused(self):
        self.assertRaises(ValueError, self.config,
                          compute_microversion_cap='3.1', group='openstack')


class VolumeBackedBelow287TestCase(base.OpenStackDriverTestCase):
    """A volume-backed server on a cloud capped at 2.60: no rescue."""

    def setUp(self):
        super().setUp()
        self.config(compute_microversion_cap='2.60', group='openstack')
        self.server.image_id = ''

    def _set_boot_device(self, device):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            manager_utils.node_set_boot_device(task, device)

    def _power(self, state):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            manager_utils.node_power_action(task, state)
        self.node.refresh()

    def _state(self):
        s = self.server
        return (s.vm_state, s.task_state, s.power_state)

    def test_pxe_is_refused_when_set_naming_feature_and_microversion(self):
        exc = self.assertRaises(exception.InvalidParameterValue,
                                self._set_boot_device, boot_devices.PXE)
        for part in (self.node.uuid, 'volume-backed', '2.87', '2.60',
                     'boot device pxe'):
            self.assertIn(part, str(exc))
        self.node.refresh()
        self.assertEqual({'boot_device': boot_devices.DISK,
                          'persistent': True},
                         boot_device.get(self.node))
        self.assertEqual([], self.nova.actions)

    def test_cdrom_is_refused_when_set(self):
        self.node.set_driver_internal_info(boot_device.VMEDIA_IMAGE_KEY,
                                           self.rescue_image.id)
        self.node.save()
        exc = self.assertRaises(exception.InvalidParameterValue,
                                self._set_boot_device, boot_devices.CDROM)
        self.assertIn('2.87', str(exc))
        self.node.refresh()
        self.assertEqual(boot_devices.DISK, boot_device.next_boot(self.node))

    def test_uncapped_cloud_below_2_87_refuses_too(self):
        self.config(compute_microversion_cap=None, group='openstack')
        self.nova.max_microversion = '2.86'
        exc = self.assertRaises(exception.InvalidParameterValue,
                                self._set_boot_device, boot_devices.PXE)
        self.assertIn('microversion 2.86', str(exc))

    def test_disk_and_every_power_action_still_work(self):
        self._set_boot_device(boot_devices.DISK)
        self._power(states.POWER_OFF)
        self.assertEqual(states.POWER_OFF, self.node.power_state)
        self._power(states.POWER_ON)
        self.assertEqual(states.POWER_ON, self.node.power_state)
        self._power(states.REBOOT)
        self._power(states.SOFT_REBOOT)
        self._power(states.SOFT_POWER_OFF)
        self.assertEqual(states.POWER_OFF, self.node.power_state)
        self.assertIsNone(self.node.last_error)
        self.assertEqual(['os-stop', 'os-start', 'reboot HARD',
                          'reboot SOFT', 'os-stop'],
                         [action for _, action in self.nova.actions])
        self.assertEqual((fn.STOPPED, None, fn.SHUTDOWN), self._state())

    def test_pxe_recorded_earlier_fails_before_any_action(self):
        # PXE was recorded before the cap; the rescued guest is off (the
        # agent powered itself off): an unrescue would boot the disk and
        # only then find that the rescue cannot follow.
        boot_device.set_device(self.node, boot_devices.PXE, persistent=True)
        self.node.power_state = states.POWER_OFF
        self.node.save()
        self.server.vm_state, self.server.power_state = fn.RESCUED, 4
        self.assertRaises(exception.InvalidParameterValue, self._power,
                          states.POWER_ON)
        self.node.refresh()
        for part in (self.node.uuid, 'volume-backed', '2.87', '2.60'):
            self.assertIn(part, self.node.last_error)
        self.assertEqual(states.POWER_OFF, self.node.power_state)
        self.assertIsNone(self.node.target_power_state)
        self.assertNotIn(power.UNFINISHED_ACTION,
                         self.node.driver_internal_info)
        self.assertEqual([], self.nova.actions)
        self.assertEqual((fn.RESCUED, None, fn.SHUTDOWN), self._state())

    def test_power_off_works_with_pxe_recorded(self):
        boot_device.set_device(self.node, boot_devices.PXE, persistent=True)
        self.node.save()
        self._power(states.POWER_OFF)
        self.assertEqual(states.POWER_OFF, self.node.power_state)
        self.assertEqual([(self.server.id, 'os-stop')], self.nova.actions)


class VolumeBackedAt287TestCase(base.OpenStackDriverTestCase):
    """At the cap 2.87 a volume-backed server boots PXE by rescue."""

    def test_pxe_reboot_rescues_the_volume_backed_server(self):
        self.config(compute_microversion_cap='2.87', group='openstack')
        self.server.image_id = ''
        with task_manager.acquire(self.context, self.node.uuid) as task:
            manager_utils.node_set_boot_device(task, boot_devices.PXE)
            manager_utils.node_power_action(task, states.REBOOT)
        self.assertEqual([(self.server.id, 'rescue')], self.nova.actions)
        self.assertEqual(fn.RESCUED, self.server.vm_state)
        self.assertEqual(self.rescue_image.id, self.server.rescue_image)


class ImagePropertiesTestCase(base.OpenStackDriverTestCase):
    """Below 2.98 the server shows no image properties: Glance answers."""

    def setUp(self):
        super().setUp()
        # Nova kept UEFI from the image the server was built from; Glance
        # no longer has that image.
        image = self.nova.add_image('uefi-disk', hw_firmware_type='uefi')
        self.server.image_id = image.id
        self.server.image_properties = {'hw_firmware_type': 'uefi'}
        self.nova.delete_image(image)

    def _boot_mode(self):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=False) as task:
            manager_utils.node_cache_boot_mode(task)
        self.node.refresh()
        return self.node.boot_mode

    def test_capped_at_2_95_the_default_boot_mode_answers(self):
        # Uncapped, the server's own copy would say uefi
        # (test_server_images); at 2.95 Nova shows none, and Glance has
        # no image: [openstack]default_boot_mode.
        self.config(compute_microversion_cap='2.95', group='openstack')
        self.assertEqual('bios', self._boot_mode())
        self.config(default_boot_mode='uefi', group='openstack')
        self.assertEqual('uefi', self._boot_mode())


class CrashDumpTestCase(base.OpenStackDriverTestCase):

    def test_nmi_below_the_cap_2_17_names_the_cap(self):
        self.config(compute_microversion_cap='2.16', group='openstack')
        with task_manager.acquire(self.context, self.node.uuid) as task:
            exc = self.assertRaises(exception.DriverOperationError,
                                    task.driver.management.inject_nmi, task)
        for part in (self.node.uuid, 'os-triggerCrashDump', '2.17',
                     'compute_microversion_cap 2.16'):
            self.assertIn(part, str(exc))
        self.assertEqual([], self.nova.actions)
