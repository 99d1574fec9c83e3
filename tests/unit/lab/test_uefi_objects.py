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

"""The lab's UEFI base objects: OVMF, the UEFI rescue and disk images.

The UEFI rescue image is made by the driver's own tool (``rescue-image
--uefi``), run only when Glance lacks it; the blank disk is uploaded by
the lab; ironic.conf names the rescue image as [openstack]
uefi_rescue_image; status shows both.
"""

import os
import sys
import unittest
from unittest import mock

from ironic_openstack_driver.tools import cli
from ironic_openstack_driver.tools import rescue_image

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(REPO, 'lab'))

from labkit.compute import libvirt  # noqa: E402
from labkit import configs  # noqa: E402
from labkit import install  # noqa: E402
from labkit import provision  # noqa: E402
from labkit import settings as s  # noqa: E402
from tests.unit.lab import lab_home  # noqa: E402

SECRETS = {name: 'pw-' + name for name in
           ('db', 'admin', 'demo', 'rabbit') + s.SERVICE_USERS}
ISO = '/usr/lib/ipxe/ipxe.iso'


class FakeGlance:
    """The few Glance calls provision makes, over a dict of images."""

    def __init__(self):
        self.images = {}
        self.patches = []
        self.uploads = []

    def get(self, url):
        name = url.split('name=')[1]
        return {'images': [i for i in self.images.values()
                           if i['name'] == name]}

    def post(self, url, body):
        image = dict(body, id='img-%d' % len(self.images), status='queued')
        self.images[image['id']] = image
        return image

    def call(self, method, url, raw=None, content_type=None, timeout=None):
        image_id = url.split('/v2/images/')[1].split('/')[0]
        if method == 'PATCH':
            self.patches.append(image_id)
        elif method == 'PUT':
            self.uploads.append(image_id)
            self.images[image_id]['status'] = 'active'


class UefiImagesTestCase(lab_home.LabHomeTestCase):

    def setUp(self):
        super().setUp()
        self.p = s.paths()
        self.glance = FakeGlance()
        # Glance answers a GET of one image as the upload left it.
        self.glance_get = self.glance.get
        self.glance.get = self._get
        run = mock.patch.object(provision.procs, 'run', autospec=True,
                                side_effect=self._tool)
        self.run = run.start()
        self.addCleanup(run.stop)

    def _get(self, url):
        if '?name=' in url:
            return self.glance_get(url)
        return self.glance.images[url.rsplit('/', 1)[1]]

    def _tool(self, argv, what, log):
        """What rescue-image --uefi leaves in Glance."""
        args = cli.build_parser().parse_args(argv[1:])
        kind = rescue_image.inspect_file(args.file)[0]
        props = rescue_image.image_properties(kind, args.uefi,
                                              args.shutdown_timeout)
        image = dict(props, id='tool-image', name=args.name,
                     status='active', visibility=args.visibility)
        self.glance.images[image['id']] = image

    def _uefi_images(self):
        return provision.uefi_images(self.p, SECRETS, ISO, '/dev/null',
                                     sess=self.glance)

    def test_the_tool_makes_the_uefi_rescue_image_once(self):
        rescue, disk = self._uefi_images()
        self.assertEqual('tool-image', rescue)
        self.assertEqual(1, self.run.call_count)
        argv = self.run.call_args.args[0]
        self.assertEqual(self.p.venv_bin(self.p.ironic_venv,
                                         'ironic-openstack-nodes'), argv[0])
        image = self.glance.images[rescue]
        for key, value in provision.UEFI_RESCUE_IMAGE_PROPERTIES.items():
            self.assertEqual(value, image[key], key)
        self.assertEqual('uefi', image['hw_firmware_type'])
        self.assertEqual('q35', image['hw_machine_type'])
        # The next up finds both and changes nothing.
        self.assertEqual((rescue, disk), self._uefi_images())
        self.assertEqual(1, self.run.call_count)
        self.assertEqual([disk], self.glance.uploads)
        self.assertEqual([], self.glance.patches)

    def test_the_blank_uefi_disk_says_uefi_q35_and_a_short_stop(self):
        disk = self.glance.images[self._uefi_images()[1]]
        self.assertEqual(s.DISK_IMAGE_UEFI_NAME, disk['name'])
        self.assertEqual('uefi', disk['hw_firmware_type'])
        self.assertEqual('q35', disk['hw_machine_type'])
        self.assertEqual('5', disk['os_shutdown_timeout'])
        self.assertEqual('public', disk['visibility'])

    def test_a_rescue_image_with_other_properties_runs_the_tool_again(self):
        self._uefi_images()
        self.glance.images['tool-image']['hw_machine_type'] = 'pc'
        self._uefi_images()
        self.assertEqual(2, self.run.call_count)

    def test_a_tool_that_leaves_no_image_is_an_error(self):
        self.run.side_effect = None
        self.assertRaises(provision.procs.LabError, self._uefi_images)

    def test_ironic_conf_names_the_uefi_rescue_image(self):
        text = configs.ironic(self.p, SECRETS, rescue_image='bios-id',
                              uefi_rescue_image='uefi-id')['ironic.conf']
        section = text.split('[openstack]')[1].split('\n[')[0]
        self.assertIn('rescue_image = bios-id', section)
        self.assertIn('uefi_rescue_image = uefi-id', section)

    def test_the_provisioned_record_keeps_the_uefi_images(self):
        provision.save(self.p, 'r', 'd', 'f', uefi=('ru', 'du'))
        data = provision.load(self.p)
        self.assertEqual('ru', data['rescue_image_uefi'])
        self.assertEqual('du', data['disk_image_uefi'])


class OvmfTestCase(unittest.TestCase):

    def test_the_real_mode_installs_debians_ovmf(self):
        self.assertIn('ovmf', install.REAL_APT_PACKAGES)

    def test_new_firmware_restarts_libvirtd_and_nova_compute(self):
        with mock.patch.object(libvirt.os, 'listdir', autospec=True,
                               side_effect=OSError):
            before = libvirt.firmware_fingerprint()
        with mock.patch.object(libvirt.os, 'listdir', autospec=True,
                               return_value=['60-edk2-x86_64.json']):
            after = libvirt.firmware_fingerprint()
        self.assertNotEqual(before, after)
        self.assertIn('60-edk2-x86_64.json', after)
