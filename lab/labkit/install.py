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

"""Install what the lab needs: Debian packages and two virtualenvs.

* Debian: mariadb-server, rabbitmq-server, ipxe (the rescue ISO); installed
  only if missing. This machine's policy-rc.d keeps Debian from starting
  them; the lab starts its own instances anyway.
* ``venvs/cloud``: Keystone, Glance, Placement, Nova, Neutron, gunicorn and
  the lab's plugins (lab/plugins), pinned by lab/constraints-cloud.txt.
* ``venvs/ironic``: Ironic pinned by lab/constraints-ironic.txt plus this
  repository's driver, reinstalled (``--no-deps``) on every ``up`` so the
  running Ironic always has the current driver code.

A venv is (re)built when its marker (a hash of the constraints and
requirements) differs, so editing a constraints file is enough to upgrade.
"""

import hashlib
import os
import shutil
import subprocess
import sys

from labkit import procs
from labkit import settings

#: genisoimage and isolinux: Ironic builds the virtual media ISOs of the
#: boot interface openstack-virtual-media (both modes) with mkisofs and
#: isolinux.bin.
APT_PACKAGES = ('mariadb-server', 'rabbitmq-server', 'ipxe', 'genisoimage',
                'isolinux')
#: What the real-virtualisation mode adds: libvirt and QEMU (guests),
#: ovmf (UEFI firmware, and the descriptors libvirt picks it from for
#: servers whose image says hw_firmware_type=uefi), dnsmasq (DHCP on the
#: provisioning bridge), libvirt-dev and pkg-config (libvirt-python builds
#: from source against them), ping (Ironic's scenario tests, tox -e
#: tempest, ping deployed nodes), the OpenSSH client (tests/e2e_real logs
#: in to a rescued node's agent).
REAL_APT_PACKAGES = ('qemu-system-x86', 'qemu-utils', 'ovmf',
                     'libvirt-daemon', 'libvirt-daemon-driver-qemu',
                     'libvirt-clients', 'libvirt-dev', 'pkg-config',
                     'dnsmasq-base', 'iproute2', 'iputils-ping',
                     'openssh-client')

#: What tests/unit runs for real (tox -e unit and tox -e tests install
#: them first, with `labctl test-packages`): mkisofs, isoinfo and
#: isolinux.bin (virtual media ISOs), Debian's iPXE ISO (rescue images) and
#: sfdisk, mkfs.fat, syslinux and mtools (the lab's instance disk).
UNIT_TEST_APT_PACKAGES = ('genisoimage', 'isolinux', 'ipxe', 'fdisk',
                          'dosfstools', 'mtools', 'syslinux',
                          'syslinux-common', 'syslinux-efi')

CLOUD_REQUIREMENTS = (
    'keystone==30.0.0', 'glance==33.0.0', 'openstack-placement==16.0.0',
    'nova==34.0.0', 'neutron==29.0.0', 'gunicorn', 'PyMySQL',
    'oslo.messaging>=18.3.1',
)
IRONIC_REQUIREMENTS = ('ironic==39.0.0',)
#: Installed beside Ironic when missing, without rebuilding the venv:
#: Ironic's database is the lab's MariaDB.
IRONIC_EXTRAS = ('PyMySQL',)
CLOUD_CONSTRAINTS = os.path.join(settings.LAB_DIR, 'constraints-cloud.txt')
IRONIC_CONSTRAINTS = os.path.join(settings.LAB_DIR, 'constraints-ironic.txt')
PLUGINS_DIR = os.path.join(settings.LAB_DIR, 'plugins')
DRIVER_MARKER = os.path.join(settings.REPO_DIR, 'ironic_openstack_driver',
                             'hardware_type.py')


def missing_apt_packages(packages=APT_PACKAGES):
    missing = []
    for pkg in packages:
        out = subprocess.run(
            ['dpkg-query', '-W', '-f=${Status}', pkg],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if 'install ok installed' not in out.stdout:
            missing.append(pkg)
    return missing


def ensure_apt(p, log, packages=APT_PACKAGES):
    """apt-get install the missing Debian packages (update first).

    Returns the packages installed (empty when none was missing).
    """
    missing = missing_apt_packages(packages)
    if not missing:
        return []
    if os.geteuid() != 0:
        raise procs.LabError('Debian packages missing: %s; run as root or '
                             'install them first' % ' '.join(missing))
    env = {'DEBIAN_FRONTEND': 'noninteractive'}
    procs.run(['apt-get', 'update', '-q'], 'apt-get update', log, env=env)
    procs.run(['apt-get', 'install', '-y', '-q', '--no-install-recommends']
              + missing, 'apt-get install ' + ' '.join(missing), log, env=env)
    return missing


def _digest(*parts):
    h = hashlib.sha256()
    for part in parts:
        if os.path.isfile(part):
            with open(part, 'rb') as f:
                h.update(f.read())
        else:
            h.update(part.encode())
    return h.hexdigest()


def tree_digest(root, suffixes=('.py', '.toml', '.cfg')):
    """Hash of the files under ``root`` (for 'did this code change')."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames
                             if d not in ('__pycache__', 'build')
                             and not d.endswith('.egg-info'))
        for name in sorted(filenames):
            if name.endswith(suffixes):
                path = os.path.join(dirpath, name)
                h.update(os.path.relpath(path, root).encode())
                with open(path, 'rb') as f:
                    h.update(f.read())
    return h.hexdigest()


def _pip(venv, args, what, log):
    procs.run([os.path.join(venv, 'bin', 'python'), '-m', 'pip', 'install',
               '-q', '--disable-pip-version-check'] + list(args), what, log)


def _ensure_venv(venv, marker_value, install, log):
    marker = os.path.join(venv, '.lab-installed')
    try:
        with open(marker) as f:
            if f.read() == marker_value:
                return False
    except OSError:
        pass
    if os.path.exists(venv):
        shutil.rmtree(venv)
    procs.run([sys.executable, '-m', 'venv', venv],
              'create venv ' + venv, log)
    install()
    with open(marker, 'w') as f:
        f.write(marker_value)
    return True


def ensure_cloud_venv(p, log):
    """Build venvs/cloud if missing or out of date; (re)install the plugins."""
    venv = p.cloud_venv
    value = _digest(CLOUD_CONSTRAINTS, '\n'.join(CLOUD_REQUIREMENTS))
    built = _ensure_venv(venv, value, lambda: _pip(
        venv, ['-c', CLOUD_CONSTRAINTS] + list(CLOUD_REQUIREMENTS),
        'pip install (cloud venv)', log), log)
    plugins_marker = os.path.join(venv, '.lab-plugins')
    digest = tree_digest(PLUGINS_DIR)
    try:
        with open(plugins_marker) as f:
            current = f.read() == digest
    except OSError:
        current = False
    if built or not current:
        _pip(venv, ['--no-deps', '--force-reinstall',
                    PLUGINS_DIR], 'pip install lab/plugins (cloud venv)', log)
        with open(plugins_marker, 'w') as f:
            f.write(digest)
    return built


def driver_present():
    """True once the driver's hardware type module exists in the tree."""
    return os.path.exists(DRIVER_MARKER)


def driver_digest():
    """The driver's source digest, or '' when it is not in the tree yet.

    Part of Ironic's fingerprint: a running Ironic restarts when the driver
    code changed.
    """
    if not driver_present():
        return ''
    return tree_digest(os.path.join(settings.REPO_DIR,
                                    'ironic_openstack_driver'))


def ensure_ironic_venv(p, log):
    """Build venvs/ironic if needed; reinstall this repo's driver every time.

    Returns the driver's source digest (part of Ironic's fingerprint, so a
    running Ironic restarts when the driver code changed), or '' when the
    driver is not in the tree yet.
    """
    venv = p.ironic_venv
    value = _digest(IRONIC_CONSTRAINTS, '\n'.join(IRONIC_REQUIREMENTS))
    _ensure_venv(venv, value, lambda: _pip(
        venv, ['-c', IRONIC_CONSTRAINTS] + list(IRONIC_REQUIREMENTS),
        'pip install (ironic venv)', log), log)
    _ensure_extras(venv, log)
    if not driver_present():
        return ''
    # pbr builds the package from the git checkout; --no-deps because every
    # requirement of the driver is already a requirement of Ironic.
    _pip(venv, ['--no-deps', '--force-reinstall', settings.REPO_DIR],
         'pip install driver (%s) into the ironic venv' % settings.REPO_DIR,
         log)
    return driver_digest()


def _ensure_extras(venv, log):
    python = settings.paths().venv_bin(venv, 'python')
    found = subprocess.run([python, '-c', 'import pymysql'],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL).returncode == 0
    if not found:
        _pip(venv, ['-c', IRONIC_CONSTRAINTS] + list(IRONIC_EXTRAS),
             'pip install %s (ironic venv)' % ' '.join(IRONIC_EXTRAS), log)


def ipxe_iso():
    for candidate in settings.IPXE_ISO_CANDIDATES:
        if os.path.exists(candidate):
            return candidate
    raise procs.LabError('no iPXE ISO found at %s (Debian package ipxe)'
                         % ', '.join(settings.IPXE_ISO_CANDIDATES))
