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

"""The UEFI instance image: the instance image's system on a GPT disk.

A raw GPT disk with one EFI system partition (FAT) holding the same
kernel and busybox initramfs as the BIOS instance image (instance.py),
which print the same :data:`instance.MARKER` on ttyS0, and Debian's
syslinux EFI build twice:

* ``EFI/ioslab/syslinux.efi``, named by ``EFI/ioslab/BOOTX64.CSV`` (as
  shim-based distributions name their loader): ironic-python-agent's
  install_bootloader turns that file into an NVRAM boot entry labelled
  ``ioslab`` (efibootmgr);
* ``EFI/BOOT/BOOTX64.EFI``, the removable-media fallback path that the
  firmware boots when no NVRAM entry does.

Each directory's syslinux.cfg puts ``ioslab.loader=nvram`` or
``ioslab.loader=fallback`` on the kernel command line and leaves
``quiet`` out, so the kernel's ``Command line:`` on ttyS0 says which
loader booted. Built with sfdisk, mkfs.fat --offset and mtools on the
image file, as the BIOS image: no loop device, no mount, no root.
"""

import os
import shutil

from labkit.images import common
from labkit.images import instance
from labkit import procs

IMAGE = 'instance-uefi.img'
FORMAT = 'raw'
SIZE_MIB = 32
PART_START = 2048                          # sectors (1 MiB)
#: The partition ends 1 MiB before the disk: GPT's backup header is there.
PART_SECTORS = (SIZE_MIB - 2) * 2048
#: The GPT partition type of an EFI system partition.
ESP_TYPE = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B'
SYSLINUX_EFI = '/usr/lib/SYSLINUX.EFI/efi64/syslinux.efi'
LDLINUX_E64 = '/usr/lib/syslinux/modules/efi64/ldlinux.e64'
#: The directory and label of the loader the NVRAM entry names.
LOADER_DIR = 'ioslab'
#: What shim's BOOTX64.CSV says (file, label, options, description),
#: UTF-16 with a byte order mark as ironic-python-agent reads it.
BOOT_CSV = '%s,%s,,The lab instance image\n' % ('syslinux.efi', LOADER_DIR)
#: The kernel command line word that says which loader booted.
LOADER_WORD = 'ioslab.loader'
SYSLINUX_CFG = '''SERIAL 0 115200
DEFAULT lab
PROMPT 0
TIMEOUT 0
LABEL lab
  KERNEL /vmlinuz
  INITRD /initrd.gz
  APPEND console=ttyS0,115200n8 panic=10 %(word)s=%(loader)s
'''


def syslinux_cfg(loader):
    """syslinux.cfg of one loader directory (``nvram`` or ``fallback``)."""
    return SYSLINUX_CFG % {'word': LOADER_WORD, 'loader': loader}


def recipe(bios_sha256):
    return common.digest(
        'bios=%s syslinux-efi=%s size=%d' % (
            bios_sha256, common.installed_version('syslinux-efi'), SIZE_MIB),
        os.path.abspath(__file__))


def _system_files(bios_image, work, log):
    """The kernel and initramfs of the BIOS instance image (mtools)."""
    source = '%s@@%d' % (bios_image, instance.PART_START * 512)
    out = []
    for name in ('vmlinuz', 'initrd.gz'):
        path = os.path.join(work, name)
        procs.run(['mcopy', '-n', '-i', source, '::' + name, path],
                  'mcopy %s out of the instance image' % name, log)
        out.append(path)
    return out


def disk(work, kernel, initrd, log):
    """Write the GPT disk with its EFI system partition; return its path."""
    img = os.path.join(work, IMAGE)
    offset = PART_START * 512
    with open(img, 'wb') as f:
        f.truncate(SIZE_MIB << 20)
    procs.run(['sfdisk', '--no-reread', '--no-tell-kernel', '-q', img],
              'partition the UEFI instance image', log,
              input_text='label: gpt\nstart=%d, size=%d, type=%s, '
              'name="EFI system partition"\n' % (
                  PART_START, PART_SECTORS, ESP_TYPE))
    fs_kib = PART_SECTORS // 2
    procs.run(['mkfs.fat', '-n', 'IOSLABEFI', '--offset', str(PART_START),
               '-h', str(PART_START), img, str(fs_kib)],
              'mkfs.fat on the UEFI instance image', log)
    target = '%s@@%d' % (img, offset)
    procs.run(['mmd', '-i', target, '::EFI', '::EFI/BOOT',
               '::EFI/' + LOADER_DIR], 'mmd EFI on the UEFI image', log)
    files = [(kernel, 'vmlinuz'), (initrd, 'initrd.gz')]
    for loader, directory, efi in (
            ('fallback', 'EFI/BOOT', 'BOOTX64.EFI'),
            ('nvram', 'EFI/' + LOADER_DIR, 'syslinux.efi')):
        cfg = os.path.join(work, 'syslinux-%s.cfg' % loader)
        with open(cfg, 'w') as f:
            f.write(syslinux_cfg(loader))
        files += [(SYSLINUX_EFI, '%s/%s' % (directory, efi)),
                  (LDLINUX_E64, directory + '/ldlinux.e64'),
                  (cfg, directory + '/syslinux.cfg')]
    csv = os.path.join(work, 'BOOTX64.CSV')
    with open(csv, 'w', encoding='utf-16') as f:
        f.write(BOOT_CSV)
    files.append((csv, 'EFI/%s/BOOTX64.CSV' % LOADER_DIR))
    for src, name in files:
        procs.run(['mcopy', '-o', '-i', target, src, '::' + name],
                  'mcopy %s into the UEFI instance image' % name, log)
    return img


def build(p, log, say, bios_image, bios_sha256):
    """Build the UEFI image from the BIOS image's kernel and initramfs.

    :param bios_image: path of the BIOS instance image (instance.IMAGE).
    :param bios_sha256: its sha256 (the BIOS build's manifest).
    :returns: its manifest (``built`` says whether this call built it).
    """
    out_dir = os.path.join(common.images_dir(p), 'instance-uefi')
    want = recipe(bios_sha256)
    manifest = common.cached(out_dir, want, (IMAGE,))
    if manifest:
        return dict(manifest, built=False)
    say('building the UEFI instance image (log: %s)' % log)
    timer = common.Timer()
    work = os.path.join(common.images_dir(p), 'work', 'instance-uefi')
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    kernel, initrd = _system_files(bios_image, work, log)
    img = disk(work, kernel, initrd, log)
    os.makedirs(out_dir, exist_ok=True)
    final = os.path.join(out_dir, IMAGE)
    os.replace(img, final)
    manifest = {
        'recipe': want, 'build_seconds': timer.seconds(),
        'marker': instance.MARKER, 'format': FORMAT,
        'bytes': os.path.getsize(final),
        'sha256': common.file_sha256(final),
    }
    common.write_manifest(out_dir, manifest)
    shutil.rmtree(work, ignore_errors=True)
    say('UEFI instance image built in %.1f s: %s (%d MiB)' % (
        manifest['build_seconds'], final, SIZE_MIB))
    return dict(manifest, built=True)
