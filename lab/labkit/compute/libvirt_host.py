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

"""What the real compute backend needs of the machine.

libvirt-python in the cloud venv and the libvirt-qemu user (installed in
the root namespace, where pip reaches PyPI), and for ``virt`` ``kvm`` a
guest that really boots under KVM here.
"""

import os
import subprocess

from labkit import procs

# Debian bookworm's libvirt is 9.0.
LIBVIRT_PYTHON = 'libvirt-python==9.0.0'


def ensure_installed(p, log):
    """Install libvirt-python into the cloud venv and the libvirt-qemu user.

    Runs in the root namespace (pip reaches PyPI there). Returns True when
    something was installed.
    """
    did = False
    python = p.venv_bin(p.cloud_venv, 'python')
    probe = subprocess.run([python, '-c', 'import libvirt'],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    if probe.returncode != 0:
        procs.run([python, '-m', 'pip', 'install', '-q',
                   '--disable-pip-version-check', LIBVIRT_PYTHON],
                  'pip install %s (cloud venv)' % LIBVIRT_PYTHON, log)
        did = True
    # libvirtd refuses to start when its compiled-in default user does not
    # exist, even with user = "root" in qemu.conf.
    for kind, cmd in (('group', ['groupadd', '--system', 'libvirt-qemu']),
                      ('passwd', ['useradd', '--system', '--no-create-home',
                                  '-g', 'libvirt-qemu', 'libvirt-qemu'])):
        if subprocess.run(['getent', kind, 'libvirt-qemu'],
                          stdout=subprocess.DEVNULL).returncode != 0:
            procs.run(cmd, ' '.join(cmd), log)
            did = True
    return did


def probe_kvm(p, images, log, timeout=90):
    """Boot the instance image under KVM; raise unless it prints its marker.

    ``/dev/kvm`` existing proves nothing here: on these machines it is a
    paravirtual KVM (kvm_pvm, no vmx/svm) that fails every ordinary guest.
    """
    serial = os.path.join(p.run, 'kvm-probe.serial')
    argv = ['qemu-system-x86_64', '-accel', 'kvm', '-m', '256',
            '-nographic', '-monitor', 'none', '-nic', 'none',
            '-serial', 'file:' + serial, '-no-reboot',
            '-drive', 'file=%s,if=virtio,format=raw,readonly=on,snapshot=on'
            % images['instance_image']]
    if os.path.exists(serial):
        os.unlink(serial)
    with open(log, 'ab') as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    try:
        def booted():
            if proc.poll() is not None:
                raise procs.LabError(
                    'KVM cannot run guests here: QEMU -accel kvm exited %s '
                    '(log: %s); use --virt qemu' % (proc.returncode, log))
            try:
                with open(serial, errors='replace') as f:
                    return images['instance_marker'] in f.read()
            except OSError:
                return False
        try:
            procs.wait_for('the KVM probe guest', booted, timeout)
        except procs.LabError:
            raise procs.LabError(
                'KVM cannot run guests here: the instance image booted under '
                'QEMU -accel kvm printed no %r in %ds (QEMU log: %s); use '
                '--virt qemu' % (images['instance_marker'], timeout, log))
    finally:
        proc.kill()
        proc.wait()
