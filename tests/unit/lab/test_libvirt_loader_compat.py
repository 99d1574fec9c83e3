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

"""The real mode's shim of Nova's libvirt driver for UEFI guests.

Nova 34 writes ``<loader secure='no'/>`` beside ``<os firmware='efi'>``,
which Debian bookworm's libvirt 9.0 refuses; the lab's nova-compute runs
``LoaderSecureCompatLibvirtDriver``, which leaves that attribute out when
the ``secure-boot`` firmware feature says the same thing. Here: the rule
(``firmware_autoselect``, no Nova needed) and that the real mode's
nova-compute runs that driver through its launcher.
"""

import os
import sys
import types
import unittest
from unittest import mock

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(REPO, 'lab'))
sys.path.insert(0, os.path.join(REPO, 'lab', 'plugins'))

from ios_lab_plugins import firmware_autoselect  # noqa: E402
from labkit.compute import libvirt  # noqa: E402
from labkit import context  # noqa: E402
from labkit import settings as s  # noqa: E402
from tests.unit.lab import lab_home  # noqa: E402


def nova_uefi_guest(secure=False, **overrides):
    """The firmware attributes Nova 34 gives a hw_firmware_type=uefi guest.

    As ``LibvirtDriver._configure_guest_by_virt_type`` leaves them on a
    new domain: autoselection, no loader file, ``secure`` on the loader
    and mirrored onto the firmware feature.
    """
    attrs = dict(os_firmware='efi', os_loader=None, os_loader_secure=secure,
                 os_firmware_secure=secure)
    attrs.update(overrides)
    return types.SimpleNamespace(**attrs)


class DropsLoaderSecureTest(unittest.TestCase):

    def test_a_new_uefi_guest_loses_loader_secure_no(self):
        self.assertTrue(firmware_autoselect.drops_loader_secure(
            nova_uefi_guest(secure=False), True))

    def test_a_secure_boot_guest_loses_loader_secure_yes(self):
        self.assertTrue(firmware_autoselect.drops_loader_secure(
            nova_uefi_guest(secure=True), True))

    def test_a_bios_guest_is_left_alone(self):
        guest = nova_uefi_guest(os_firmware=None, os_loader_secure=None,
                                os_firmware_secure=None)
        self.assertFalse(firmware_autoselect.drops_loader_secure(guest, True))

    def test_a_guest_with_its_previous_loader_file_keeps_secure(self):
        # Nova copies the loader of an existing domain (no autoselection):
        # libvirt accepts secure beside a loader path.
        guest = nova_uefi_guest(os_firmware=None,
                                os_loader='/usr/share/OVMF/OVMF_CODE_4M.fd')
        self.assertFalse(firmware_autoselect.drops_loader_secure(guest, True))

    def test_a_loader_file_with_autoselection_keeps_secure(self):
        guest = nova_uefi_guest(os_loader='/usr/share/OVMF/OVMF_CODE_4M.fd')
        self.assertFalse(firmware_autoselect.drops_loader_secure(guest, True))

    def test_a_feature_that_says_otherwise_keeps_secure(self):
        # Nova clears only the loader's secure for firmware without SMM
        # (TDX); never drop an intent the feature does not carry.
        guest = nova_uefi_guest(secure=True, os_firmware_secure=False)
        self.assertFalse(firmware_autoselect.drops_loader_secure(guest, True))
        guest = nova_uefi_guest(secure=False, os_firmware_secure=None)
        self.assertFalse(firmware_autoselect.drops_loader_secure(guest, True))

    def test_a_guest_without_loader_secure_is_left_alone(self):
        guest = nova_uefi_guest(os_loader_secure=None)
        self.assertFalse(firmware_autoselect.drops_loader_secure(guest, True))

    def test_a_libvirt_without_firmware_features_keeps_secure(self):
        # Before 8.6.0 the loader's secure is all libvirt reads.
        self.assertFalse(firmware_autoselect.drops_loader_secure(
            nova_uefi_guest(), False))
        self.assertEqual((8, 6, 0),
                         firmware_autoselect.FEATURE_AUTOSELECT_LIBVIRT)


class RealModeComputeTest(lab_home.LabHomeTestCase):

    def setUp(self):
        super().setUp()
        self.p = s.paths()

    def test_nova_conf_names_the_shim(self):
        conf = libvirt.nova_conf(self.p, 'qemu')
        self.assertEqual('lab_libvirt.LoaderSecureCompatLibvirtDriver',
                         conf['DEFAULT']['compute_driver'])

    def test_nova_compute_runs_through_the_launcher_that_registers_it(self):
        ctx = mock.Mock(spec=context.Context, p=self.p)
        compute = libvirt.LibvirtCompute(ctx)
        argv = compute.argv()
        self.assertEqual([self.p.venv_bin(self.p.cloud_venv, 'python'), '-m',
                          'ios_lab_plugins.libvirt_compute', '--config-file',
                          os.path.join(self.p.etc_of('nova'), 'nova.conf')],
                         argv)
        launcher = os.path.join(REPO, 'lab', 'plugins', 'ios_lab_plugins',
                                'libvirt_compute.py')
        with open(launcher) as f:
            text = f.read()
        self.assertIn("sys.modules['nova.virt.lab_libvirt'] = "
                      "libvirt_loader_compat", text)
        with open(os.path.join(os.path.dirname(launcher),
                               'libvirt_loader_compat.py')) as f:
            self.assertIn('class LoaderSecureCompatLibvirtDriver(', f.read())
