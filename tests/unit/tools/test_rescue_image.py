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

import os
import struct
import tempfile

from ironic_openstack_driver.tools import rescue_image
from openstack import exceptions as sdk_exc
from tests.unit.tools import base

SECTOR = rescue_image.ISO_SECTOR


def make_iso(path, platforms):
    """A minimal ISO 9660 image with an El Torito catalog."""
    data = bytearray(SECTOR * 24)
    pvd = 16 * SECTOR
    data[pvd:pvd + 6] = b'\x01CD001'
    br = 17 * SECTOR
    data[br:br + 6] = b'\x00CD001'
    data[br + 7:br + 30] = b'EL TORITO SPECIFICATION'
    data[br + 0x47:br + 0x4B] = struct.pack('<I', 20)
    data[18 * SECTOR:18 * SECTOR + 6] = b'\xffCD001'
    cat = 20 * SECTOR
    ids = {'bios': 0x00, 'uefi': 0xEF}
    data[cat] = 0x01
    data[cat + 1] = ids[platforms[0]]
    data[cat + 32] = 0x88
    for i, platform in enumerate(platforms[1:]):
        offset = cat + 64 + 64 * i
        data[offset] = 0x91
        data[offset + 1] = ids[platform]
        data[offset + 32] = 0x88
    with open(path, 'wb') as f:
        f.write(bytes(data))


class InspectFileTests(base.unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def test_hybrid_iso_boots_bios_and_uefi(self):
        make_iso(self.path('a.iso'), ['bios', 'uefi'])
        self.assertEqual(('iso', {'bios', 'uefi'}),
                         rescue_image.inspect_file(self.path('a.iso')))

    def test_bios_only_iso(self):
        make_iso(self.path('a.iso'), ['bios'])
        self.assertEqual(('iso', {'bios'}),
                         rescue_image.inspect_file(self.path('a.iso')))

    def test_pe_file_is_an_efi_application(self):
        with open(self.path('x.efi'), 'wb') as f:
            f.write(b'MZ' + b'\0' * 100)
        self.assertEqual('efi',
                         rescue_image.inspect_file(self.path('x.efi'))[0])

    def test_anything_else_is_a_raw_disk(self):
        with open(self.path('d.img'), 'wb') as f:
            f.write(b'\0' * 4096)
        self.assertEqual(('raw', set()),
                         rescue_image.inspect_file(self.path('d.img')))

    def test_debian_ipxe_iso_boots_bios_and_uefi(self):
        # Debian's ipxe package: `labctl test-packages` installs it.
        self.assertEqual(('iso', {'bios', 'uefi'}), rescue_image.inspect_file(
            rescue_image.DEBIAN_IPXE_ISO))


class PropertiesTests(base.unittest.TestCase):

    def test_bios_iso_uses_cdrom_on_sata_and_short_shutdown(self):
        self.assertEqual({'hw_rescue_device': 'cdrom',
                          'hw_rescue_bus': 'sata',
                          'os_shutdown_timeout': '5',
                          'hw_firmware_type': 'bios'},
                         rescue_image.image_properties('iso', False, 5))

    def test_uefi_adds_firmware_and_q35(self):
        props = rescue_image.image_properties('iso', True, 5)
        self.assertEqual('uefi', props['hw_firmware_type'])
        self.assertEqual('q35', props['hw_machine_type'])

    def test_raw_disk_is_a_virtio_disk(self):
        props = rescue_image.image_properties('raw', False, 5)
        self.assertEqual(('disk', 'virtio'), (props['hw_rescue_device'],
                                              props['hw_rescue_bus']))


class RescueImageCommandTests(base.ToolTestCase):

    def setUp(self):
        super().setUp()
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.iso = os.path.join(self.dir.name, 'ipxe.iso')
        make_iso(self.iso, ['bios', 'uefi'])
        self.md5, self.sha512 = rescue_image.file_hashes(self.iso)
        self.cloud.image.create_image.side_effect = self._create_image

    def _create_image(self, name, **kwargs):
        if kwargs.get('visibility') == 'public':
            # Glance's default policy: publicize_image is admin only; the
            # tests' user is a member (POST /v2/images refused, nothing
            # made).
            raise sdk_exc.ForbiddenException(
                message='ForbiddenException: 403',
                details='You are not authorized to complete '
                        'publicize_image action.', http_status=403)
        props = {k: v for k, v in kwargs.items()
                 if k.startswith(('hw_', 'os_'))}
        return self.cloud.add_image(name, properties=props,
                                    checksum=self.md5, hash_algo='sha512',
                                    hash_value=self.sha512)

    def test_first_run_uploads_iso_with_rescue_properties_and_prints_id(self):
        rc, out, err = self.run_tool('rescue-image', '--file', self.iso)
        self.assertEqual(0, rc, err)
        (image,) = self.cloud.images.values()
        self.assertEqual(image.id + '\n', out)
        self.cloud.image.create_image.assert_called_once_with(
            'ipxe-rescue', filename=self.iso, disk_format='iso',
            container_format='bare', disable_vendor_agent=False,
            allow_duplicates=True, wait=True,
            timeout=rescue_image.UPLOAD_TIMEOUT, validate_checksum=True,
            hw_rescue_device='cdrom', hw_rescue_bus='sata',
            os_shutdown_timeout='5', hw_firmware_type='bios')
        self.assertIn('created', err)

    def test_uefi_variant_gets_its_own_name_and_properties(self):
        rc, out, err = self.run_tool('rescue-image', '--file', self.iso,
                                     '--uefi')
        self.assertEqual(0, rc, err)
        kwargs = self.cloud.image.create_image.call_args.kwargs
        self.assertEqual('ipxe-rescue-uefi',
                         self.cloud.image.create_image.call_args.args[0])
        self.assertEqual(('uefi', 'q35'), (kwargs['hw_firmware_type'],
                                           kwargs['hw_machine_type']))

    def test_second_run_finds_the_image_and_changes_nothing(self):
        rc1, out1, _ = self.run_tool('rescue-image', '--file', self.iso)
        rc2, out2, err2 = self.run_tool('rescue-image', '--file', self.iso)
        self.assertEqual((0, 0), (rc1, rc2))
        self.assertEqual(out1, out2)
        self.assertEqual(1, self.cloud.image.create_image.call_count)
        self.cloud.image.update_image.assert_not_called()
        self.assertIn('exists', err2)

    def test_existing_image_with_wrong_property_is_fixed_by_id(self):
        image = self.cloud.add_image(
            'ipxe-rescue', checksum=self.md5, hash_algo='sha512',
            hash_value=self.sha512, properties={
                'hw_rescue_device': 'cdrom', 'hw_rescue_bus': 'ide',
                'hw_firmware_type': 'bios'}, os_shutdown_timeout=5)
        rc, out, err = self.run_tool('rescue-image', '--file', self.iso)
        self.assertEqual(0, rc, err)
        self.cloud.image.update_image.assert_called_once_with(
            image.id, hw_rescue_bus='sata')
        self.cloud.image.create_image.assert_not_called()
        self.assertEqual(image.id + '\n', out)

    def test_leftover_queued_image_is_deleted_before_upload(self):
        leftover = self.cloud.add_image('ipxe-rescue', status='queued')
        rc, out, err = self.run_tool('rescue-image', '--file', self.iso)
        self.assertEqual(0, rc, err)
        self.cloud.image.delete_image.assert_called_once_with(
            leftover, ignore_missing=True)
        self.assertIn('earlier upload that failed', err)

    def test_same_name_other_content_fails_naming_the_image(self):
        other = self.cloud.add_image('ipxe-rescue', checksum='x',
                                     hash_algo='sha512', hash_value='y')
        rc, out, err = self.run_tool('rescue-image', '--file', self.iso)
        self.assertEqual(1, rc)
        self.assertEqual('', out)
        self.assertIn(other.id, err)
        self.assertIn('other content', err)
        self.cloud.image.create_image.assert_not_called()

    def test_failed_upload_reports_what_was_left_behind(self):
        def fail(name, **kwargs):
            self.cloud.add_image(name, status='queued')
            raise sdk_exc.HttpException(message='store full',
                                        http_status=413)
        self.cloud.image.create_image.side_effect = fail
        rc, out, err = self.run_tool('rescue-image', '--file', self.iso)
        self.assertEqual(1, rc)
        self.assertIn('HTTP 413', err)
        self.assertIn('status queued', err)
        self.assertIn('next run deletes', err)

    def test_public_image_refused_to_a_member_says_what_to_do(self):
        rc, out, err = self.run_tool('rescue-image', '--file', self.iso,
                                     '--visibility', 'public')
        self.assertEqual(1, rc)
        self.assertEqual('', out)
        self.assertIn('publicize_image action', err)
        self.assertIn('only an admin may make an image public (rule '
                      'publicize_image)', err)
        self.assertIn('--visibility community', err)
        self.assertIn('openstack image set --public', err)
        self.assertEqual({}, self.cloud.images)

    def test_member_uploads_a_private_or_community_image(self):
        for visibility in (None, 'community'):
            name = 'rescue-%s' % visibility
            rc, out, err = self.run_tool(
                'rescue-image', '--file', self.iso, '--name', name,
                *(('--visibility', visibility) if visibility else ()))
            self.assertEqual(0, rc, err)
            kwargs = self.cloud.image.create_image.call_args.kwargs
            self.assertEqual(visibility, kwargs.get('visibility'))

    def test_efi_application_is_refused_with_the_iso_suggested(self):
        efi = os.path.join(self.dir.name, 'ipxe.efi')
        with open(efi, 'wb') as f:
            f.write(b'MZ' + b'\0' * 64)
        rc, out, err = self.run_tool('rescue-image', '--file', efi, '--uefi')
        self.assertEqual(1, rc)
        self.assertIn('EFI application', err)
        self.assertIn(rescue_image.DEBIAN_IPXE_ISO, err)
        self.cloud.image.images.assert_not_called()

    def test_uefi_from_bios_only_iso_is_refused(self):
        make_iso(self.iso, ['bios'])
        rc, out, err = self.run_tool('rescue-image', '--file', self.iso,
                                     '--uefi')
        self.assertEqual(1, rc)
        self.assertIn('no UEFI boot entry', err)

    def test_missing_file_is_named(self):
        rc, out, err = self.run_tool('rescue-image', '--file', '/nope.iso')
        self.assertEqual(1, rc)
        self.assertIn('--file /nope.iso: no such file', err)
