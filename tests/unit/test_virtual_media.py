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

"""Boot interface openstack-virtual-media, through Ironic's conductor code.

Cleaning is prepared and torn down by Ironic's own deploy_utils (which
call prepare_ramdisk / clean_up_ramdisk and node_power_action); the ISO is
built for real (mkisofs, isolinux) from small kernel and ramdisk files and
read back with isoinfo; Glance and Nova are the autospecced FakeNova.
"""

import json
import os
import subprocess
import tempfile
from unittest import mock

from ironic.common import boot_devices
from ironic.common import exception
from ironic.common import images
from ironic.common import states
from ironic.conductor import task_manager
from ironic.conductor import utils as manager_utils
from ironic.drivers.modules import deploy_utils

from ironic_openstack_driver import boot_device
from ironic_openstack_driver import hardware_type
from ironic_openstack_driver import virtual_media
from ironic_openstack_driver import vmedia_images
from tests.unit import base

ISOLINUX_BIN = '/usr/lib/ISOLINUX/isolinux.bin'
NETWORK_DATA = {
    'links': [{'id': 'port-0', 'type': 'phy',
               'ethernet_mac_address': '52:54:00:12:34:56'}],
    'networks': [{'id': 'net-0', 'type': 'ipv4', 'link': 'port-0',
                  'ip_address': '10.0.5.10', 'netmask': '255.255.255.0',
                  'routes': [{'network': '0.0.0.0', 'netmask': '0.0.0.0',
                              'gateway': '10.0.5.1'}]}],
    'services': [{'type': 'dns', 'address': '10.0.5.1'}],
}


class VirtualMediaTestCase(base.OpenStackDriverTestCase):

    # mkisofs builds the ISOs and isoinfo reads them back.
    block_execute = False

    def setUp(self):
        super().setUp()
        self.config(enabled_boot_interfaces=['openstack-virtual-media',
                                             'fake'],
                    enabled_deploy_interfaces=['direct', 'ramdisk', 'fake'],
                    enabled_network_interfaces=['noop'],
                    isolinux_bin=ISOLINUX_BIN)
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(subprocess.run, ['rm', '-rf', self.tmp])
        self.config(file_url_allowed_paths=[self.tmp], group='conductor')
        self.config(auth_strategy='noauth')
        self.config(endpoint_override='http://192.0.2.1:6385',
                    group='service_catalog')
        self.config(vmedia_cache_dir=os.path.join(self.tmp, 'cache'),
                    group='openstack')
        for name in ('kernel', 'ramdisk'):
            with open(os.path.join(self.tmp, name), 'wb') as f:
                f.write(name.encode() * 1000)
        self.node.boot_interface = 'openstack-virtual-media'
        self.node.deploy_interface = 'direct'
        self.node.network_interface = 'noop'
        self.node.driver_info = dict(
            self.node.driver_info,
            deploy_kernel='file://%s/kernel' % self.tmp,
            deploy_ramdisk='file://%s/ramdisk' % self.tmp)
        self.node.network_data = NETWORK_DATA
        self.node.provision_state = states.CLEANING
        self.node.save()
        build = mock.patch.object(
            images, 'create_isolinux_image_for_bios', autospec=True,
            side_effect=images.create_isolinux_image_for_bios)
        self.build = build.start()
        self.addCleanup(build.stop)

    def _task(self):
        return task_manager.acquire(self.context, self.node.uuid)

    def _vmedia_images(self):
        tag = vmedia_images.tag(self.node.uuid)
        return [i for i in self.nova.images.values() if tag in (i.tags or [])]

    def _cached_isos(self):
        cache = os.path.join(self.tmp, 'cache')
        return [os.path.join(cache, n) for n in os.listdir(cache)
                if n.endswith('.iso')]

    def _prepare_cleaning(self):
        with self._task() as task:
            return deploy_utils.prepare_inband_cleaning(task)


class InterfaceTestCase(VirtualMediaTestCase):

    def test_hardware_type_offers_it_after_ipxe(self):
        boots = hardware_type.OpenStackHardware().supported_boot_interfaces
        self.assertIn(virtual_media.OpenStackVirtualMediaBoot, boots)
        self.assertLess(
            boots.index(boots[0]),
            boots.index(virtual_media.OpenStackVirtualMediaBoot))
        self.assertNotEqual(virtual_media.OpenStackVirtualMediaBoot, boots[0])
        with self._task() as task:
            self.assertIsInstance(task.driver.boot,
                                  virtual_media.OpenStackVirtualMediaBoot)

    def test_validate_refuses_a_node_without_deploy_kernel(self):
        self.node.driver_info = {'openstack_server': self.server.id}
        self.node.save()
        with self._task() as task:
            exc = self.assertRaises(exception.MissingParameterValue,
                                    task.driver.boot.validate, task)
        self.assertIn(self.node.uuid, str(exc))
        self.assertIn('deploy_kernel', str(exc))

    def test_validate_makes_no_network_request(self):
        with self._task() as task:
            task.driver.boot.validate(task)
        self.connection_class.assert_not_called()
        self.assertEqual([], self.nova.image.method_calls)

    def test_validate_of_a_ramdisk_deploy_needs_its_boot_source(self):
        self.node.deploy_interface = 'ramdisk'
        self.node.provision_state = states.DEPLOYING
        self.node.save()
        with self._task() as task:
            exc = self.assertRaises(exception.MissingParameterValue,
                                    task.driver.boot.validate, task)
        self.assertIn('boot_iso', str(exc))


class CleaningTestCase(VirtualMediaTestCase):

    def test_cleaning_rescues_the_server_with_the_uploaded_iso(self):
        self.assertEqual(states.CLEANWAIT, self._prepare_cleaning())
        (image,) = self._vmedia_images()
        self.assertEqual('iso', image.disk_format)
        self.assertEqual('private', image.visibility)
        props = self.nova.image_properties[image.id]
        self.assertEqual('cdrom', props['hw_rescue_device'])
        self.assertEqual('sata', props['hw_rescue_bus'])
        self.assertEqual('bios', props['hw_firmware_type'])
        self.assertTrue(image.name.startswith(
            'ironic-vmedia-%s-deploy-' % self.node.uuid))
        self.assertEqual('rescued', self.server.vm_state)
        self.assertEqual(image.id, self.server.rescue_image)
        self.node.refresh()
        self.assertEqual(image.id, boot_device.vmedia_image(self.node))
        # The one-time CDROM was used by that boot.
        self.assertEqual({'boot_device': boot_devices.DISK,
                          'persistent': True},
                         boot_device.get(self.node))

    def test_the_iso_is_a_config_drive_with_network_data(self):
        self._prepare_cleaning()
        (iso,) = self._cached_isos()
        label = subprocess.run(['isoinfo', '-d', '-i', iso],
                               capture_output=True, text=True).stdout
        self.assertIn('Volume id: config-2', label)
        data = subprocess.run(
            ['isoinfo', '-R', '-i', iso, '-x',
             '/openstack/latest/network_data.json'],
            capture_output=True, check=True).stdout
        self.assertEqual(NETWORK_DATA, json.loads(data))
        cfg = subprocess.run(
            ['isoinfo', '-R', '-i', iso, '-x', '/isolinux/isolinux.cfg'],
            capture_output=True, check=True, text=True).stdout
        self.assertIn('ipa-api-url=http://192.0.2.1:6385', cfg)
        # The same address for systemd-network-generator, for ramdisks
        # whose glean cannot apply the config drive.
        self.assertIn('ifname=ironic0:52:54:00:12:34:56 '
                      'ip=10.0.5.10::10.0.5.1:255.255.255.0::ironic0:none '
                      'nameserver=10.0.5.1', cfg)

    def test_each_agent_boot_gets_an_iso_of_its_own_the_old_one_goes(self):
        # Each carries the token Ironic pre-generated for that boot.
        self._prepare_cleaning()
        (first,) = self._vmedia_images()
        self._prepare_cleaning()
        (second,) = self._vmedia_images()
        self.assertNotEqual(first.id, second.id)
        self.assertEqual(2, self.build.call_count)
        self.assertEqual(1, len(self._cached_isos()))
        self.assertEqual(second.id, self.server.rescue_image)

    def test_new_network_data_makes_a_new_iso_and_drops_the_old(self):
        self._prepare_cleaning()
        (old,) = self._vmedia_images()
        self.node.refresh()
        data = json.loads(json.dumps(NETWORK_DATA))
        data['networks'][0]['ip_address'] = '10.0.5.11'
        self.node.network_data = data
        self.node.save()
        self._prepare_cleaning()
        (new,) = self._vmedia_images()
        self.assertNotEqual(old.id, new.id)
        self.assertEqual(2, self.build.call_count)
        self.assertEqual(1, len(self._cached_isos()))
        self.assertEqual(new.id, self.server.rescue_image)

    def test_tear_down_removes_every_iso_of_the_node_and_no_other(self):
        leftover = self.nova.create_image(
            'ironic-vmedia-%s-deploy-0123456789abcdef' % self.node.uuid,
            data=open(os.path.join(self.tmp, 'kernel'), 'rb'),
            disk_format='iso', tags=[vmedia_images.tag(self.node.uuid)])
        other = self.nova.create_image(
            'ironic-vmedia-other', data=open(
                os.path.join(self.tmp, 'kernel'), 'rb'),
            disk_format='iso', tags=[vmedia_images.tag('other-node')])
        self._prepare_cleaning()
        self.assertNotIn(leftover.id, self.nova.images)
        with self._task() as task:
            deploy_utils.tear_down_inband_cleaning(task, manage_boot=True)
        self.assertEqual([], self._vmedia_images())
        self.assertIn(other.id, self.nova.images)
        self.node.refresh()
        self.assertIsNone(boot_device.vmedia_image(self.node))
        self.assertEqual('stopped', self.server.vm_state)

    def test_glance_refusing_iso_fails_clearly_and_sets_nothing(self):
        self.nova.disk_formats.discard('iso')
        with self._task() as task:
            exc = self.assertRaises(
                exception.DriverOperationError,
                task.driver.boot.prepare_ramdisk, task, {})
        self.assertIn(self.node.uuid, str(exc))
        self.assertIn("Invalid disk format 'iso'", str(exc))
        self.node.refresh()
        self.assertIsNone(boot_device.vmedia_image(self.node))
        self.assertEqual(boot_devices.DISK, boot_device.next_boot(self.node))
        self.assertEqual([], self.nova.actions)

    def test_server_not_marked_for_the_node_gets_no_iso(self):
        other = self.nova.add_server(name='node-b')
        other.metadata['ironic_node_uuid'] = 'another-node'
        self.node.driver_info = dict(self.node.driver_info,
                                     openstack_server=other.id)
        self.node.save()
        with self._task() as task:
            exc = self.assertRaises(exception.InvalidParameterValue,
                                    task.driver.boot.prepare_ramdisk, task,
                                    {})
        self.assertIn(self.node.uuid, str(exc))
        self.assertIn('not marked for this node', str(exc))
        self.build.assert_not_called()
        self.assertEqual([], self.nova.uploads)
        self.assertEqual([], self.nova.actions)

    def test_configured_bus_is_on_the_image(self):
        self.config(vmedia_rescue_bus='usb', group='openstack')
        self._prepare_cleaning()
        (image,) = self._vmedia_images()
        self.assertEqual('usb',
                         self.nova.image_properties[image.id]['hw_rescue_bus'])


class BootDeviceTestCase(VirtualMediaTestCase):

    def test_reboot_from_the_ipxe_rescue_into_cdrom_rescues_again(self):
        self._prepare_cleaning()
        (image,) = self._vmedia_images()
        self.server.rescue_image = self.rescue_image.id
        self.nova.actions.clear()
        with self._task() as task:
            manager_utils.node_set_boot_device(task, boot_devices.CDROM)
            self.assertEqual(
                {'boot_device': boot_devices.CDROM, 'persistent': False},
                task.driver.management.get_boot_device(task))
            manager_utils.node_power_action(task, states.REBOOT)
        self.assertEqual([(self.server.id, 'unrescue'),
                          (self.server.id, 'rescue')], self.nova.actions)
        self.assertEqual(image.id, self.server.rescue_image)

    def test_whole_disk_instance_boots_from_disk_and_isos_go(self):
        self._prepare_cleaning()
        self.node.provision_state = states.DEPLOYING
        self.node.save()
        with self._task() as task:
            task.driver.boot.prepare_instance(task)
            manager_utils.node_power_action(task, states.REBOOT)
        self.assertEqual([], self._vmedia_images())
        self.assertEqual('active', self.server.vm_state)
        self.node.refresh()
        self.assertEqual({'boot_device': boot_devices.DISK,
                          'persistent': True}, boot_device.get(self.node))

    def _ramdisk_deploy(self):
        self.node.deploy_interface = 'ramdisk'
        self.node.provision_state = states.DEPLOYING
        self.node.instance_info = {
            'kernel': 'file://%s/kernel' % self.tmp,
            'ramdisk': 'file://%s/ramdisk' % self.tmp}
        self.node.save()

    def test_ramdisk_deploy_boots_its_iso_persistently(self):
        self._ramdisk_deploy()
        with self._task() as task:
            task.driver.boot.prepare_instance(task)
            manager_utils.node_power_action(task, states.REBOOT)
        (image,) = self._vmedia_images()
        self.assertIn('-instance-', image.name)
        self.assertEqual(image.id, self.server.rescue_image)
        self.node.refresh()
        self.assertEqual({'boot_device': boot_devices.CDROM,
                          'persistent': True}, boot_device.get(self.node))
        with self._task() as task:
            task.driver.boot.clean_up_instance(task)
        self.assertEqual([], self._vmedia_images())

    def test_nothing_changed_nothing_rebuilt_or_uploaded(self):
        # A ramdisk deploy's ISO carries no agent token.
        self._ramdisk_deploy()
        for _ in range(2):
            with self._task() as task:
                task.driver.boot.prepare_instance(task)
        self.assertEqual(1, self.build.call_count)
        self.assertEqual(1, len(self.nova.uploads))
        self.assertEqual(1, len(self._vmedia_images()))

    def test_a_deleted_glance_image_is_uploaded_again_not_rebuilt(self):
        self._ramdisk_deploy()
        with self._task() as task:
            task.driver.boot.prepare_instance(task)
        for image in self._vmedia_images():
            del self.nova.images[image.id]
        with self._task() as task:
            task.driver.boot.prepare_instance(task)
        self.assertEqual(1, self.build.call_count)
        self.assertEqual(2, len(self.nova.uploads))

    def test_an_iso_made_visible_to_others_is_replaced_not_reused(self):
        self._ramdisk_deploy()
        with self._task() as task:
            task.driver.boot.prepare_instance(task)
        (shown,) = self._vmedia_images()
        shown.visibility = 'public'
        with self._task() as task:
            task.driver.boot.prepare_instance(task)
        (image,) = self._vmedia_images()
        self.assertNotEqual(shown.id, image.id)
        self.assertEqual('private', image.visibility)
        self.assertNotIn(shown.id, self.nova.images)
        self.node.refresh()
        self.assertEqual(image.id, boot_device.vmedia_image(self.node))
