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

"""The instance image: a small whole-disk image that says it booted.

A raw disk image with an MBR (syslinux's mbr.bin), one bootable FAT
partition holding syslinux, Debian's kernel (from the linux-image .deb) and
a busybox-static initramfs. Its /init prints :data:`MARKER` on ttyS0, then
idles; on the ACPI power button (busybox acpid with the kernel's button and
evdev modules) it powers off at once, so a graceful stop by Nova takes
seconds. Built with sfdisk, mkfs.fat --offset, syslinux --offset and mtools
on the image file: no loop device, no mount, no root needed.
"""

import glob
import os
import shutil

from labkit.images import common
from labkit import procs

MARKER = 'IOS-LAB-INSTANCE booted from disk'
IMAGE = 'instance.img'
FORMAT = 'raw'
#: The same disk as qcow2, for clients that do not name the image's format
#: (Ironic's tempest tests): Ironic 39 inspects a raw MBR disk as ``gpt``
#: and hands that name to the agent, whose ``qemu-img`` has no ``gpt``
#: driver ("Unknown driver 'gpt'"); a qcow2 is inspected as ``qcow2``.
IMAGE_QCOW2 = 'instance.qcow2'
SIZE_MIB = 24
PART_START = 2048                          # sectors (1 MiB)
MBR_BIN = '/usr/lib/syslinux/mbr/mbr.bin'
#: Loaded in this order by /init (each after the modules it needs).
MODULES = ('kernel/drivers/acpi/button.ko', 'kernel/drivers/input/evdev.ko',
           'kernel/drivers/virtio/virtio_ring.ko',
           'kernel/drivers/virtio/virtio.ko',
           'kernel/drivers/virtio/virtio_pci_legacy_dev.ko',
           'kernel/drivers/virtio/virtio_pci_modern_dev.ko',
           'kernel/drivers/virtio/virtio_pci.ko',
           'kernel/net/core/failover.ko',
           'kernel/drivers/net/net_failover.ko',
           'kernel/drivers/net/virtio_net.ko')

INIT = r'''#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
for m in %(modules)s; do insmod "/lib/modules/$m"; done
echo "%(marker)s" > /dev/ttyS0
ip link set lo up
for i in 1 2 3 4 5 6 7 8 9 10; do
  [ -e /sys/class/net/eth0 ] && break; sleep 1
done
udhcpc -b -C -i eth0 -s /etc/udhcpc.script -t 20 -T 3 > /dev/ttyS0 2>&1
echo "IOS-LAB-INSTANCE kernel $(uname -r); idle; ACPI power button powers \
off" > /dev/ttyS0
acpid -d -c /etc/acpi &
while :; do sleep 3600; done
'''
POWER_OFF = '''#!/bin/sh
echo "IOS-LAB-INSTANCE power button: powering off" > /dev/ttyS0
sync
poweroff -f
'''
UDHCPC_SCRIPT = '''#!/bin/sh
case "$1" in
  deconfig) ifconfig "$interface" 0.0.0.0 up ;;
  bound|renew)
    ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up
    echo "IOS-LAB-INSTANCE $interface $ip" > /dev/ttyS0 ;;
esac
'''
SYSLINUX_CFG = '''SERIAL 0 115200
DEFAULT lab
PROMPT 0
TIMEOUT 0
LABEL lab
  KERNEL /vmlinuz
  INITRD /initrd.gz
  APPEND console=ttyS0,115200n8 quiet panic=10
'''


def recipe():
    pkg, version = common.debian_kernel()
    return common.digest(
        'kernel=%s=%s busybox=%s syslinux=%s size=%d marker=%s' % (
            pkg, version, common.installed_version('busybox-static'),
            common.installed_version('syslinux'), SIZE_MIB, MARKER),
        os.path.abspath(__file__))


def _kernel_files(p, work, log):
    """Fetch the kernel .deb (cached); extract vmlinuz and our modules."""
    pkg, version = common.debian_kernel()
    cache = os.path.join(common.images_dir(p), 'cache', 'debs')
    os.makedirs(cache, exist_ok=True)
    debs = glob.glob(os.path.join(cache, '%s_*.deb' % pkg))
    want = '%s_%s_' % (pkg, version.replace(':', '%3a'))
    debs = [d for d in debs if os.path.basename(d).startswith(want)]
    if not debs:
        procs.run(['apt-get', 'download', '%s=%s' % (pkg, version)],
                  'apt-get download ' + pkg, log, cwd=cache)
        debs = glob.glob(os.path.join(cache, want + '*.deb'))
    kver = pkg[len('linux-image-'):]
    members = ['./boot/vmlinuz-' + kver] + [
        './lib/modules/%s/%s' % (kver, m) for m in MODULES]
    extract = os.path.join(work, 'deb')
    os.makedirs(extract)
    procs.run(['sh', '-c', 'dpkg-deb --fsys-tarfile "$0" | tar -x -C "$1" '
               '"$@"'.replace('"$@"', ' '.join(members)), debs[0], extract],
              'extract the kernel from ' + debs[0], log)
    return (os.path.join(extract, members[0]),
            [os.path.join(extract, m) for m in members[1:]], pkg, version)


def init_script():
    """/init of the instance initramfs (the modules in MODULES' order)."""
    return INIT % {'marker': MARKER, 'modules': ' '.join(
        os.path.basename(m) for m in MODULES)}


def _initramfs(work, modules, log):
    root = os.path.join(work, 'initramfs')
    for d in ('bin', 'dev', 'proc', 'sys', 'etc/acpi/PWRF', 'lib/modules'):
        os.makedirs(os.path.join(root, d))
    shutil.copy('/bin/busybox', os.path.join(root, 'bin', 'busybox'))
    for m in modules:
        shutil.copy(m, os.path.join(root, 'lib', 'modules'))
    for path, text in (('init', init_script()),
                       ('etc/udhcpc.script', UDHCPC_SCRIPT),
                       ('etc/acpi/PWRF/00000080', POWER_OFF)):
        with open(os.path.join(root, path), 'w') as f:
            f.write(text)
        os.chmod(os.path.join(root, path), 0o755)
    out = os.path.join(work, 'initrd.gz')
    procs.run(['sh', '-c', 'find . | LC_ALL=C sort | cpio -o -H newc '
               '--reproducible -R 0:0 --quiet | gzip -9 -n > "$0"', out],
              'pack the instance initramfs', log, cwd=root)
    return out


def _disk(work, kernel, initrd, log):
    img = os.path.join(work, IMAGE)
    offset = PART_START * 512
    with open(img, 'wb') as f:
        f.truncate(SIZE_MIB << 20)
    procs.run(['sfdisk', '--no-reread', '--no-tell-kernel', '-q', img],
              'partition the instance image', log,
              input_text='label: dos\nstart=%d, type=e, bootable\n'
              % PART_START)
    fs_kib = ((SIZE_MIB << 20) - offset) // 1024
    procs.run(['mkfs.fat', '-n', 'IOSLAB', '--offset', str(PART_START),
               '-h', str(PART_START), img, str(fs_kib)],
              'mkfs.fat on the instance image', log)
    procs.run(['syslinux', '--offset', str(offset), '--install', img],
              'syslinux --install on the instance image', log)
    cfg = os.path.join(work, 'syslinux.cfg')
    with open(cfg, 'w') as f:
        f.write(SYSLINUX_CFG)
    target = '%s@@%d' % (img, offset)
    for src, name in ((kernel, 'vmlinuz'), (initrd, 'initrd.gz'),
                      (cfg, 'syslinux.cfg')):
        procs.run(['mcopy', '-o', '-i', target, src, '::' + name],
                  'mcopy %s into the instance image' % name, log)
    procs.run(['dd', 'if=' + MBR_BIN, 'of=' + img, 'bs=440', 'count=1',
               'conv=notrunc', 'status=none'], 'write the MBR', log)
    return img


def build(p, log, say):
    """Build the instance image unless current; return its manifest."""
    out_dir = os.path.join(common.images_dir(p), 'instance')
    want = recipe()
    manifest = common.cached(out_dir, want, (IMAGE, IMAGE_QCOW2))
    if manifest:
        return dict(manifest, built=False)
    say('building the instance image (log: %s)' % log)
    timer = common.Timer()
    work = os.path.join(common.images_dir(p), 'work', 'instance')
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    kernel, modules, pkg, version = _kernel_files(p, work, log)
    initrd = _initramfs(work, modules, log)
    img = _disk(work, kernel, initrd, log)
    os.makedirs(out_dir, exist_ok=True)
    final = os.path.join(out_dir, IMAGE)
    os.replace(img, final)
    qcow2 = os.path.join(out_dir, IMAGE_QCOW2)
    procs.run(['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', final,
               qcow2 + '.tmp'], 'qemu-img convert the instance image', log)
    os.replace(qcow2 + '.tmp', qcow2)
    manifest = {
        'recipe': want, 'build_seconds': timer.seconds(),
        'kernel': '%s %s' % (pkg, version), 'marker': MARKER,
        'format': FORMAT, 'bytes': os.path.getsize(final),
        'sha256': common.file_sha256(final),
        'qcow2_sha256': common.file_sha256(qcow2),
        'qcow2_bytes': os.path.getsize(qcow2),
    }
    common.write_manifest(out_dir, manifest)
    shutil.rmtree(work, ignore_errors=True)
    say('instance image built in %.1f s: %s (%d MiB)' % (
        manifest['build_seconds'], final, SIZE_MIB))
    return dict(manifest, built=True)
