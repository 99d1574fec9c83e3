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

"""The lab's image builders: mirrors, cache rules, packing, the disk layout.

Fast checks without network. The boots themselves take minutes under
emulation: lab/labkit/images/bootcheck.py runs them.
"""

import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), 'lab'))

from labkit.images import common  # noqa: E402
from labkit.images import instance  # noqa: E402
from labkit.images import instance_uefi  # noqa: E402
from labkit.images import ipa  # noqa: E402
from labkit import procs  # noqa: E402


class TmpDirTestCase(unittest.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp(prefix='ios-images-test-')
        self.addCleanup(shutil.rmtree, self.tmp)

    def write(self, rel, text, mode=0o644):
        path = os.path.join(self.tmp, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)
        os.chmod(path, mode)
        return path


class DebianMirrorsTest(TmpDirTestCase):

    def mirrors(self):
        return common.debian_mirrors(os.path.join(self.tmp, 'sources.d'),
                                     os.path.join(self.tmp, 'sources.list'))

    def test_deb822_sources_name_the_main_and_security_mirrors(self):
        self.write('sources.d/debian.sources',
                   'Types: deb\n# comment\nURIs: http://mirror.example/debian'
                   '\nSuites: bookworm bookworm-updates\nComponents: main\n\n'
                   'Types: deb\nURIs: http://mirror.example/debian-security\n'
                   'Suites: bookworm-security\nComponents: main\n')
        self.write('sources.d/other.sources',
                   'Types: deb\nURIs: https://deb.nodesource.com/node_20.x\n'
                   'Suites: nodistro\nComponents: main\n')
        self.assertEqual(('http://mirror.example/debian',
                          'http://mirror.example/debian-security'),
                         self.mirrors())

    def test_one_line_sources_list_is_read(self):
        self.write('sources.list',
                   '# deb http://old.example/debian bookworm main\n'
                   'deb [arch=amd64] http://m.example/debian bookworm main\n'
                   'deb http://s.example/debian-security bookworm-security '
                   'main\n')
        self.assertEqual(('http://m.example/debian',
                          'http://s.example/debian-security'),
                         self.mirrors())

    def test_no_sources_falls_back_to_debian_org(self):
        self.assertEqual(('http://deb.debian.org/debian',
                          'http://security.debian.org/'), self.mirrors())


class CacheTest(TmpDirTestCase):

    def test_manifest_is_reused_only_for_the_same_recipe_and_files(self):
        self.write('img/a.img', 'x')
        common.write_manifest(os.path.join(self.tmp, 'img'),
                              {'recipe': 'r1', 'build_seconds': 1.0})
        d = os.path.join(self.tmp, 'img')
        self.assertEqual('r1', common.cached(d, 'r1', ('a.img',))['recipe'])
        self.assertIsNone(common.cached(d, 'r2', ('a.img',)))
        self.assertIsNone(common.cached(d, 'r1', ('a.img', 'b.img')))
        self.assertIsNone(common.cached(os.path.join(self.tmp, 'none'),
                                        'r1', ()))

    def test_digest_follows_file_content_and_mode_in_a_tree(self):
        path = self.write('tree/d/hook', 'echo 1\n', 0o755)
        tree = os.path.join(self.tmp, 'tree')
        first = common.digest('v1', tree)
        self.assertEqual(first, common.digest('v1', tree))
        self.assertNotEqual(first, common.digest('v2', tree))
        os.chmod(path, 0o644)
        self.assertNotEqual(first, common.digest('v1', tree))
        os.chmod(path, 0o755)
        self.write('tree/d/hook', 'echo 2\n', 0o755)
        self.assertNotEqual(first, common.digest('v1', tree))


class PackerOverrideTest(TmpDirTestCase):

    def paths(self):
        class P:
            venvs = os.path.join(self.tmp, 'venvs')
        return P()

    def upstream(self, script):
        return self.write(os.path.join(
            'venvs', 'images', 'share', 'ironic-python-agent-builder', 'dib',
            ipa.PACKER_ELEMENT, ipa.PACKER_SCRIPT), script, 0o755)

    def test_override_drops_only_the_bytecode_prune(self):
        self.upstream("find . \\\n        -path './x' -prune -o \\\n"
                      + ipa.PYC_PRUNE + "        -print | cpio\n")
        parent = ipa._packer_override(self.paths(), self.tmp)
        with open(os.path.join(parent, ipa.PACKER_ELEMENT,
                               ipa.PACKER_SCRIPT)) as f:
            text = f.read()
        self.assertEqual("find . \\\n        -path './x' -prune -o \\\n"
                         "        -print | cpio\n", text)

    def test_changed_upstream_script_fails_the_build_loudly(self):
        self.upstream("find . -print | cpio\n")
        self.assertRaisesRegex(procs.LabError, 'pyc prune line',
                               ipa._packer_override, self.paths(), self.tmp)


class ElementHooksTest(unittest.TestCase):

    def test_every_hook_of_the_lab_elements_is_executable(self):
        # dib-run-parts silently skips a hook without the execute bit.
        hooks = []
        for element in sorted(os.listdir(ipa.ELEMENTS_DIR)):
            root = os.path.join(ipa.ELEMENTS_DIR, element)
            for phase in sorted(os.listdir(root)):
                if not phase.endswith('.d') or phase == 'environment.d':
                    continue
                for name in sorted(os.listdir(os.path.join(root, phase))):
                    hooks.append(os.path.join(element, phase, name))
        self.assertIn(os.path.join('ios-lab-lean', 'finalise.d',
                                   '78-ios-lab-boot'), hooks)
        self.assertEqual([], [h for h in hooks if not os.access(
            os.path.join(ipa.ELEMENTS_DIR, h), os.X_OK)])

    def test_sshd_is_installed_and_started_only_by_a_rescue(self):
        # diskimage-builder's openssh-server element installs sshd (and
        # enables it); the lean element's hook takes it off the boot and
        # hangs it on the rescue user's creation.
        self.assertIn('openssh-server', ipa.EXTRA_ELEMENTS)
        hook = os.path.join(ipa.ELEMENTS_DIR, 'ios-lab-lean', 'finalise.d',
                            '77-ios-lab-rescue-ssh')
        with open(hook) as f:
            text = f.read()
        self.assertIn('systemctl disable ssh.service ssh-keygen.service',
                      text)
        self.assertIn('ironic-agent-create-rescue-user.service.d', text)
        self.assertIn('Wants=ssh.service', text)


class RamdiskCompressionTest(TmpDirTestCase):
    """The initramfs is packed in a format the agent's kernel unpacks."""

    def test_packing_command_writes_the_legacy_lz4_frame_the_kernel_reads(
            self):
        payload = b'070701' + os.urandom(4096) + b'\0' * 65536
        packed = subprocess.run(['sh', '-c', ipa.COMPRESS_CMD],
                                input=payload, stdout=subprocess.PIPE,
                                check=True).stdout
        # The kernel's lz4 initramfs support reads only the legacy frame.
        self.assertEqual(b'\x02\x21\x4c\x18', packed[:4])
        path = os.path.join(self.tmp, 'initramfs')
        with open(path, 'wb') as f:
            f.write(packed)
        self.assertEqual(len(payload), ipa._unpacked_size(path))

    def test_each_known_compression_is_recognised_by_its_first_bytes(self):
        cases = {b'\x02\x21\x4c\x18\0\0': 'lz4',
                 b'\x04\x22\x4d\x18\0\0': 'lz4',
                 b'\x28\xb5\x2f\xfd\0\0': 'zstd',
                 b'\x1f\x8b\x08\0\0\0': 'gzip',
                 b'070701': 'cat'}
        for head, tool in cases.items():
            self.assertEqual(tool, ipa.decompressor(head, 'x')[0], head)

    def test_unknown_compression_fails_naming_the_file(self):
        self.assertRaisesRegex(procs.LabError,
                               '/img/initramfs: unknown initramfs '
                               'compression .first bytes 425a68',
                               ipa.decompressor, b'BZh91AY', '/img/initramfs')


TOOLS = ('sfdisk', 'mkfs.fat', 'syslinux', 'mcopy', 'mdir')


class InstanceDiskTest(TmpDirTestCase):
    """Needs fdisk, dosfstools, syslinux, mtools (`labctl test-packages`)."""

    def setUp(self):
        super().setUp()
        missing = [t for t in TOOLS if not shutil.which(t)]
        if not os.path.exists(instance.MBR_BIN):
            missing.append(instance.MBR_BIN)
        self.assertEqual([], missing, 'run `python3 lab/labctl.py '
                         'test-packages` (tox -e unit does)')

    def test_disk_is_bootable_mbr_with_syslinux_kernel_and_initrd(self):
        kernel = self.write('k', 'kernel')
        initrd = self.write('i', 'initrd')
        img = instance._disk(self.tmp, kernel, initrd,
                             os.path.join(self.tmp, 'log'))
        self.assertEqual(instance.SIZE_MIB << 20, os.path.getsize(img))
        with open(img, 'rb') as f:
            mbr = f.read(512)
        with open(instance.MBR_BIN, 'rb') as f:
            self.assertEqual(f.read(440), mbr[:440])
        self.assertEqual(b'\x55\xaa', mbr[510:])
        status, ptype = mbr[446], mbr[450]
        start, = struct.unpack('<I', mbr[454:458])
        self.assertEqual((0x80, 0x0e, instance.PART_START),
                         (status, ptype, start))
        listing = subprocess.run(
            ['mdir', '-a', '-b', '-i', '%s@@%d' % (img, start * 512), '::'],
            stdout=subprocess.PIPE, check=True, text=True).stdout
        for name in ('LDLINUX.SYS', 'LDLINUX.C32', 'VMLINUZ', 'INITRD.GZ',
                     'SYSLINUX.CFG'):
            self.assertIn('::/' + name, listing.upper())


class UefiInstanceDiskTest(TmpDirTestCase):
    """Needs fdisk, dosfstools, mtools, syslinux-efi (test-packages)."""

    def setUp(self):
        super().setUp()
        missing = [t for t in TOOLS if not shutil.which(t)]
        missing += [f for f in (instance_uefi.SYSLINUX_EFI,
                                instance_uefi.LDLINUX_E64)
                    if not os.path.exists(f)]
        self.assertEqual([], missing, 'run `python3 lab/labctl.py '
                         'test-packages` (tox -e unit does)')
        self.img = instance_uefi.disk(
            self.tmp, self.write('k', 'kernel'), self.write('i', 'initrd'),
            os.path.join(self.tmp, 'log'))
        self.target = '%s@@%d' % (self.img, instance_uefi.PART_START * 512)

    def read(self, name, encoding='utf-8'):
        return subprocess.run(['mtype', '-i', self.target, '::' + name],
                              stdout=subprocess.PIPE, check=True
                              ).stdout.decode(encoding)

    def test_disk_is_gpt_with_one_efi_system_partition_that_fits(self):
        self.assertEqual(instance_uefi.SIZE_MIB << 20,
                         os.path.getsize(self.img))
        dump = subprocess.run(['sfdisk', '-d', self.img],
                              stdout=subprocess.PIPE, check=True,
                              text=True).stdout
        self.assertIn('label: gpt', dump)
        parts = [line for line in dump.splitlines() if 'start=' in line]
        self.assertEqual(1, len(parts), dump)
        self.assertIn('start=        2048, size=       %d, type=%s' % (
            instance_uefi.PART_SECTORS, instance_uefi.ESP_TYPE), parts[0])
        verify = subprocess.run(['sfdisk', '-V', self.img],
                                stdout=subprocess.PIPE, text=True)
        self.assertEqual(0, verify.returncode, verify.stdout)

    def test_fallback_path_and_named_loader_hold_syslinux_and_the_system(
            self):
        listing = subprocess.run(
            ['mdir', '-/', '-a', '-b', '-i', self.target, '::'],
            stdout=subprocess.PIPE, check=True, text=True).stdout.upper()
        for name in ('VMLINUZ', 'INITRD.GZ', 'EFI/BOOT/BOOTX64.EFI',
                     'EFI/BOOT/LDLINUX.E64', 'EFI/BOOT/SYSLINUX.CFG',
                     'EFI/IOSLAB/SYSLINUX.EFI', 'EFI/IOSLAB/LDLINUX.E64',
                     'EFI/IOSLAB/SYSLINUX.CFG', 'EFI/IOSLAB/BOOTX64.CSV'):
            self.assertIn('::/' + name, listing)
        with open(instance_uefi.SYSLINUX_EFI, 'rb') as f:
            self.assertEqual(f.read(), subprocess.run(
                ['mtype', '-i', self.target, '::EFI/BOOT/BOOTX64.EFI'],
                stdout=subprocess.PIPE, check=True).stdout)

    def test_each_loader_says_on_the_console_which_it_is(self):
        for path, loader in (('EFI/BOOT/syslinux.cfg', 'fallback'),
                             ('EFI/ioslab/syslinux.cfg', 'nvram')):
            cfg = self.read(path)
            self.assertIn('console=ttyS0', cfg)
            self.assertIn('ioslab.loader=%s' % loader, cfg)
            self.assertNotIn('quiet', cfg)

    def test_the_csv_names_the_loader_as_ironic_python_agent_reads_it(self):
        # ironic-python-agent's efi_utils: UTF-16, file then label.
        raw = subprocess.run(['mtype', '-i', self.target,
                              '::EFI/ioslab/BOOTX64.CSV'],
                             stdout=subprocess.PIPE, check=True).stdout
        self.assertIn(raw[:2], (b'\xff\xfe', b'\xfe\xff'))
        fields = raw.decode('utf-16').split(',', maxsplit=3)
        self.assertEqual(['syslinux.efi', 'ioslab'], fields[:2])

    def test_the_recipe_follows_the_bios_image(self):
        self.assertNotEqual(instance_uefi.recipe('a' * 64),
                            instance_uefi.recipe('b' * 64))


class InitScriptTest(unittest.TestCase):

    def test_init_prints_the_marker_on_ttys0_and_handles_power_button(self):
        init = instance.init_script()
        self.assertIn('echo "%s" > /dev/ttyS0' % instance.MARKER, init)
        self.assertIn('acpid', init)
        self.assertIn('poweroff -f', instance.POWER_OFF)
        self.assertIn('console=ttyS0', instance.SYSLINUX_CFG)

    def test_init_brings_the_nic_up_by_dhcp_without_client_id(self):
        init = instance.init_script()
        # Each module after those it needs (modinfo depends of the
        # Debian 6.1 kernel): virtio_ring < virtio < virtio_pci,
        # failover < net_failover < virtio_net.
        order = init.split('for m in ', 1)[1].split(';', 1)[0].split()
        for first, then in (('virtio_ring.ko', 'virtio.ko'),
                            ('virtio.ko', 'virtio_pci.ko'),
                            ('virtio_pci_modern_dev.ko', 'virtio_pci.ko'),
                            ('failover.ko', 'net_failover.ko'),
                            ('net_failover.ko', 'virtio_net.ko')):
            self.assertLess(order.index(first), order.index(then))
        self.assertIn('udhcpc -b -C -i eth0 -s /etc/udhcpc.script', init)
        self.assertIn('ifconfig "$interface" "$ip" netmask',
                      instance.UDHCPC_SCRIPT)
