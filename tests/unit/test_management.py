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
from ironic.conductor import utils as manager_utils

from ironic_openstack_driver import server_images
from tests.unit import base
from tests.unit import cloud_base
from tests.unit import fake_nova as fn


class BootDeviceTestCase(base.OpenStackDriverTestCase):

    def _set(self, device, persistent=False):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            task.driver.management.set_boot_device(task, device, persistent)

    def _get(self):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            return task.driver.management.get_boot_device(task)

    def test_supported_boot_devices(self):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            self.assertEqual(
                [boot_devices.PXE, boot_devices.CDROM, boot_devices.DISK],
                task.driver.management.get_supported_boot_devices(task))

    def test_default_is_persistent_disk(self):
        self.assertEqual({'boot_device': 'disk', 'persistent': True},
                         self._get())

    def test_one_time_pxe_is_reported_as_not_persistent(self):
        self._set(boot_devices.PXE)
        self.assertEqual({'boot_device': 'pxe', 'persistent': False},
                         self._get())

    def test_persistent_choice_replaces_one_time(self):
        self._set(boot_devices.PXE)
        self._set(boot_devices.DISK, persistent=True)
        self.assertEqual({'boot_device': 'disk', 'persistent': True},
                         self._get())

    def test_setting_is_in_the_database_and_no_nova_action(self):
        self._set(boot_devices.PXE, persistent=True)
        self.assertEqual([], self.nova.actions)
        self.node.refresh()
        self.assertEqual(
            'pxe',
            self.node.driver_internal_info[
                'openstack_persistent_boot_device'])

    def test_unsupported_device_is_refused(self):
        exc = self.assertRaises(exception.InvalidParameterValue, self._set,
                                boot_devices.BIOS)
        self.assertIn(self.node.uuid, str(exc))
        self.assertIn('bios', str(exc))

    def test_cdrom_without_a_virtual_media_iso_is_refused(self):
        exc = self.assertRaises(exception.MissingParameterValue, self._set,
                                boot_devices.CDROM)
        self.assertIn(self.node.uuid, str(exc))
        self.assertIn('openstack-virtual-media', str(exc))
        self.node.refresh()
        self.assertNotIn('openstack_next_boot_device',
                         self.node.driver_internal_info)

    def test_pxe_without_any_rescue_image_is_refused(self):
        self.config(rescue_image=None, uefi_rescue_image=None,
                    group='openstack')
        exc = self.assertRaises(exception.MissingParameterValue, self._set,
                                boot_devices.PXE)
        self.assertIn('openstack_rescue_image', str(exc))
        self.assertEqual({'boot_device': 'disk', 'persistent': True},
                         self._get())


class BootModeTestCase(base.OpenStackDriverTestCase):

    def _call(self, method, *args):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            return getattr(task.driver.management, method)(task, *args)

    def test_bios_image_gives_bios(self):
        self.assertEqual('bios', self._call('get_boot_mode'))
        self.assertEqual(['bios'], self._call('get_supported_boot_modes'))

    def test_uefi_image_gives_uefi(self):
        self.server.image_id = self.nova.add_image(
            'uefi-disk', hw_firmware_type='uefi').id
        self.assertEqual('uefi', self._call('get_boot_mode'))

    def test_boot_mode_is_read_once_per_image_before_2_98(self):
        self.nova.max_microversion = '2.97'
        self._call('get_boot_mode')
        self._call('get_boot_mode')
        self.assertEqual(1, self.nova.image.get_image.call_count)

    def test_boot_mode_from_novas_embedded_properties_at_2_98(self):
        self.server.image_id = self.nova.add_image(
            'uefi-disk', hw_firmware_type='uefi').id
        self.assertEqual('uefi', self._call('get_boot_mode'))
        self.nova.image.get_image.assert_not_called()

    def test_deleted_image_at_2_98_keeps_its_boot_mode(self):
        image = self.nova.add_image('uefi-disk', hw_firmware_type='uefi')
        self.server.image_id = image.id
        self.nova.delete_image(image)
        self.assertEqual('uefi', self._call('get_boot_mode'))
        self.nova.image.get_image.assert_not_called()

    @mock.patch.object(server_images, 'LOG', autospec=True)
    def test_deleted_image_before_2_98_is_the_default_once(self, log):
        self.nova.max_microversion = '2.97'
        image = self.nova.add_image('uefi-disk', hw_firmware_type='uefi')
        self.server.image_id = image.id
        self.nova.delete_image(image)
        for _ in range(3):
            self.assertEqual('bios', self._call('get_boot_mode'))
        self.config(default_boot_mode='uefi', group='openstack')
        self.assertEqual('uefi', self._call('get_boot_mode'))
        # One Glance GET and one warning, not one per read.
        self.assertEqual(1, self.nova.image.get_image.call_count)
        self.assertEqual(1, log.warning.call_count)
        self.assertEqual(image.id, log.warning.call_args.args[1]['image'])

    def test_power_sync_with_deleted_image_reads_glance_once(self):
        # The shared listing (microversion 2.1) embeds no properties.
        image = self.nova.add_image('uefi-disk', hw_firmware_type='uefi')
        self.server.image_id = image.id
        self.nova.delete_image(image)
        for _ in range(3):
            with task_manager.acquire(self.context, self.node.uuid,
                                      shared=True) as task:
                self.assertEqual(
                    'bios', task.driver.management.get_boot_mode(task))
        self.assertEqual(1, self.nova.image.get_image.call_count)

    def test_pxe_boot_works_with_the_image_deleted(self):
        self.nova.max_microversion = '2.97'
        self.nova.delete_image(self.disk_image)
        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        with task_manager.acquire(self.context, self.node.uuid) as task:
            manager_utils.node_set_boot_device(task, boot_devices.PXE)
            manager_utils.node_power_action(task, states.POWER_ON)
        self.assertEqual([(self.server.id, 'rescue')], self.nova.actions)
        self.assertEqual(self.rescue_image.id, self.server.rescue_image)

    def test_volume_backed_server_is_bios(self):
        self.server.image_id = None
        self.assertEqual('bios', self._call('get_boot_mode'))

    def test_set_matching_boot_mode_is_accepted_and_leaves_nova_alone(self):
        before = (self.server.vm_state, self.server.power_state,
                  self.server.image_id)
        with task_manager.acquire(self.context, self.node.uuid) as task:
            self.assertIsNone(manager_utils.node_set_boot_mode(task, 'bios'))
        # Nothing to change: no Nova action, the server as it was, and the
        # mode still the one its image gives.
        self.assertEqual([], self.nova.actions)
        self.assertEqual(before, (self.server.vm_state,
                                  self.server.power_state,
                                  self.server.image_id))
        self.assertEqual('bios', self._call('get_boot_mode'))

    def test_set_other_boot_mode_is_refused_clearly(self):
        exc = self.assertRaises(exception.InvalidParameterValue, self._call,
                                'set_boot_mode', 'uefi')
        self.assertIn('hw_firmware_type', str(exc))
        self.assertIn(self.node.uuid, str(exc))

    def test_refusal_names_the_image_and_both_fixes(self):
        self.node.properties = {'capabilities': 'boot_mode:uefi'}
        self.node.save()
        exc = self.assertRaises(exception.InvalidParameterValue, self._call,
                                'set_boot_mode', 'uefi')
        for part in ('asks for boot mode uefi (properties/capabilities '
                     'boot_mode)', 'bios firmware',
                     'image %s' % self.disk_image.id,
                     'sets no hw_firmware_type', 'set it to bios',
                     'hw_firmware_type=uefi'):
            self.assertIn(part, str(exc))

    def test_aarch64_image_without_firmware_type_is_uefi(self):
        # Nova's libvirt driver boots aarch64 guests with UEFI only.
        self.nova.max_microversion = '2.97'
        self.server.image_id = self.nova.add_image(
            'arm-disk', architecture='aarch64').id
        self.assertEqual('uefi', self._call('get_boot_mode'))


class InjectNmiTestCase(base.OpenStackDriverTestCase):

    def _nmi(self):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            task.driver.management.inject_nmi(task)

    def test_nmi_triggers_crash_dump(self):
        self._nmi()
        self.assertEqual([(self.server.id, 'crash-dump')], self.nova.actions)

    def test_nmi_on_rescued_server(self):
        self.server.vm_state = fn.RESCUED
        self._nmi()
        self.assertEqual([(self.server.id, 'crash-dump')], self.nova.actions)

    def test_nmi_needs_microversion_2_17(self):
        self.nova.compute.get_endpoint_data.return_value.max_microversion = (
            2, 16)
        exc = self.assertRaises(exception.DriverOperationError, self._nmi)
        self.assertIn('2.17', str(exc))
        self.assertEqual([], self.nova.actions)

    def test_nmi_on_powered_off_server_is_refused(self):
        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        exc = self.assertRaises(exception.InvalidParameterValue, self._nmi)
        self.assertIn('does not run', str(exc))
        self.assertEqual([], self.nova.actions)


class SensorsTestCase(base.OpenStackDriverTestCase):

    def test_sensors_not_supported(self):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            self.assertRaises(NotImplementedError,
                              task.driver.management.get_sensors_data, task)


class MacAddressesTestCase(cloud_base.CloudTestCase):

    def test_every_neutron_port_of_the_server_with_or_without_ips(self):
        net = self.nova.add_network('net')
        self.nova.add_port(self.server, 'fa:16:3e:00:00:01', net,
                           ips=['10.0.0.5'])
        self.nova.add_port(self.server, 'fa:16:3e:00:00:02', net)
        other = self.nova.add_server(name='node-1')
        self.nova.add_port(other, 'fa:16:3e:00:00:99', net)
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            self.assertEqual(
                ['fa:16:3e:00:00:01', 'fa:16:3e:00:00:02'],
                task.driver.management.get_mac_addresses(task))

    def test_server_without_ports(self):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            self.assertEqual([],
                             task.driver.management.get_mac_addresses(task))


class SecureBootTestCase(cloud_base.CloudTestCase):

    def _call(self, method, *args):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            return getattr(task.driver.management, method)(task, *args)

    def _image(self, **attrs):
        self.server.image_id = self.nova.add_image(
            'sb-disk', hw_firmware_type='uefi', **attrs).id

    def test_required_is_on(self):
        self._image(os_secure_boot='required')
        self.assertTrue(self._call('get_secure_boot_state'))

    def test_optional_disabled_or_unset_is_off(self):
        for value in ('optional', 'disabled', None):
            self._image(**({'os_secure_boot': value} if value else {}))
            self.assertFalse(self._call('get_secure_boot_state'), value)

    def test_volume_backed_server_is_off(self):
        self.server.image_id = None
        self.assertFalse(self._call('get_secure_boot_state'))

    def test_setting_the_current_state_is_accepted(self):
        self._image(os_secure_boot='required')
        self._call('set_secure_boot_state', True)
        self.assertEqual([], self.nova.actions)

    def test_changing_the_state_is_refused_clearly(self):
        self._image(os_secure_boot='disabled')
        exc = self.assertRaises(exception.InvalidParameterValue, self._call,
                                'set_secure_boot_state', True)
        self.assertIn(self.node.uuid, str(exc))
        self.assertIn('os_secure_boot=required', str(exc))
