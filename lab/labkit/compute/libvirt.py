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

"""The real compute backend: the lab's own libvirtd and Nova's libvirt driver.

Every server is a QEMU guest. ``virt`` ``qemu`` emulates the CPU (TCG);
``kvm`` is used only when ``libvirt_host.probe_kvm`` boots a guest under
KVM here (the machines this project runs on expose a /dev/kvm, a
paravirtual KVM without vmx/svm, that ordinary guests cannot use).

The lab's libvirtd is its own: it runs inside the lab's network namespace
(its guests' taps must be there) and in a mount namespace of its own in
which ``/etc/libvirt``, ``/run/libvirt``, ``/var/lib/libvirt``,
``/var/log/libvirt`` and ``/var/cache/libvirt`` are the lab's directories
under ``<state>/libvirt``: nothing of the machine's libvirt configuration
is read or changed, and a libvirtd of the machine (if any) is not touched.
Its qemu.conf runs guests as root without a security driver or cgroups
(there is no systemd here); its hook ``hooks/qemu`` puts every guest's tap
into the provisioning bridge (see ``network.bridge``).
"""

import hashlib
import os
import shutil
import socket
import subprocess

from labkit.compute import libvirt_host
from labkit import nova
from labkit import procs
from labkit import services
from labkit import settings as s
from labkit import writers

HOST = s.LIBVIRT_COMPUTE_HOST
#: The lab's shim of Nova's libvirt driver and the launcher that makes
#: Nova find it (lab/plugins/ios_lab_plugins/libvirt_compute.py).
COMPUTE_DRIVER = 'lab_libvirt.LoaderSecureCompatLibvirtDriver'
COMPUTE_LAUNCHER = 'ios_lab_plugins.libvirt_compute'
LIBVIRT_DIRS = ('etc', 'run', 'lib', 'log', 'cache')
MOUNTS = (('etc', '/etc/libvirt'), ('run', '/run/libvirt'),
          ('lib', '/var/lib/libvirt'), ('log', '/var/log/libvirt'),
          ('cache', '/var/cache/libvirt'))
#: Where Debian's ovmf package puts the firmware descriptors libvirt picks
#: a UEFI guest's firmware from (Nova 34 asks for <os firmware='efi'>).
FIRMWARE_DESCRIPTORS = '/usr/share/qemu/firmware'

QEMU_CONF = '''# Written by the lab: guests run as root, no security driver, no
# cgroups (no systemd here), no per-guest mount namespace.
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
stdio_handler = "file"
cgroup_controllers = [ ]
namespaces = [ ]
remember_owner = 0
'''

LIBVIRTD_CONF = '''# Written by the lab: UNIX socket only, no TCP, no polkit.
listen_tls = 0
listen_tcp = 0
auth_unix_ro = "none"
auth_unix_rw = "none"
unix_sock_rw_perms = "0770"
log_outputs = "3:stderr"
'''


def provider_name():
    """libvirt names its node after the machine's hostname, not ``host``."""
    return socket.gethostname()


def socket_path(p):
    return os.path.join(p.libvirt_root, 'run', 'libvirt-sock')


def uri(p):
    return 'qemu+unix:///system?socket=%s' % socket_path(p)


def nova_conf(p, virt):
    """The libvirt backend's nova.conf sections for ``virt`` (qemu, kvm)."""
    conf = os.path.join(p.etc_of('nova'), 'nova.conf')
    helper = '%s --config-file %s' % (
        p.venv_bin(p.cloud_venv, 'privsep-helper'), conf)
    return {
        'DEFAULT': {
            # Nova's LibvirtDriver, less the <loader secure> that libvirt
            # 9.0 refuses beside firmware autoselection (UEFI guests):
            # lab/plugins/ios_lab_plugins/libvirt_loader_compat.py.
            'compute_driver': COMPUTE_DRIVER,
            'host': HOST,
            # Nova's own default: a guest that ignores ACPI delays stops and
            # rescues this long unless its image says os_shutdown_timeout.
            'shutdown_timeout': 60,
            'force_raw_images': False,
            'use_cow_images': True,
            'resume_guests_state_on_host_boot': False,
        },
        'libvirt': {
            'virt_type': virt,
            'connection_uri': uri(p),
            'cpu_mode': 'none',
            'inject_partition': -2,
            'images_type': 'qcow2',
        },
        # The default helper is sudo + nova-rootwrap; the lab runs as root.
        'nova_sys_admin': {'helper_command': helper},
        'privsep_entrypoint': {'helper_command': helper},
        'vif_plug_ovs_privileged': {'helper_command': helper},
        # With the serial console enabled, libvirt gives a rescued guest no
        # serial device at all, and Nova's console log of an agent boot
        # would be empty ("Guest does not have a console available"):
        # keep the console log.
        'serial_console': {'enabled': False},
        'compute': {'instance_usage_audit': False},
        'image_cache': {'manager_interval': -1},
    }


def firmware_fingerprint():
    """The firmware descriptors installed, as one string.

    nova-compute reads libvirt's domain capabilities (is UEFI supported?)
    once, when it starts: libvirtd and nova-compute restart when this
    changes (ovmf installed on a lab that ran without it).
    """
    try:
        names = sorted(os.listdir(FIRMWARE_DESCRIPTORS))
    except OSError:
        names = []
    return 'firmware:' + ','.join(names)


def write_config(p, hook_text):
    """The lab's /etc/libvirt: the package's files plus the lab's own."""
    root = p.libvirt_root
    for sub in LIBVIRT_DIRS:
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    etc = os.path.join(root, 'etc')
    if not os.path.exists(os.path.join(etc, '.lab-seeded')) and \
            os.path.isdir('/etc/libvirt'):
        shutil.copytree('/etc/libvirt', etc, dirs_exist_ok=True,
                        symlinks=True)
        open(os.path.join(etc, '.lab-seeded'), 'w').close()
    writers.write(os.path.join(etc, 'qemu.conf'), QEMU_CONF)
    writers.write(os.path.join(etc, 'libvirtd.conf'), LIBVIRTD_CONF)
    writers.write(os.path.join(etc, 'hooks', 'qemu'), hook_text, mode=0o755)


def virsh(p, *args, check=True):
    out = subprocess.run(['virsh', '-c', uri(p)] + list(args),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, timeout=120)
    if check and out.returncode != 0:
        raise procs.LabError('virsh %s: %s' % (' '.join(args),
                                               out.stderr.strip()))
    return out.stdout


def remove_domains(p):
    """Destroy and undefine every guest of the lab's libvirt.

    Nova's databases start fresh with Nova (lab/README.rst); libvirt's
    domains outlive nova-compute and must go with them.
    """
    names = virsh(p, 'list', '--all', '--name', check=False).split()
    for name in names:
        virsh(p, 'destroy', name, check=False)
        virsh(p, 'undefine', '--nvram', name, check=False)
    return names


def remove_domain_files(p):
    """Delete the guests' definitions libvirtd would load when it starts.

    For a libvirtd that does not run (one killed with its namespace, or a
    ``down`` whose virsh found nothing): the next nova-compute on fresh
    databases refuses to start beside guests it does not know ("My
    hypervisor has existing instances, but I appear to be a new service").

    :param p: the lab's paths.
    :returns: the names of the guests removed.
    """
    root = p.libvirt_root
    removed = []
    for sub in ('etc/qemu', 'etc/qemu/autostart', 'lib/qemu/nvram'):
        where = os.path.join(root, sub)
        if not os.path.isdir(where):
            continue
        for name in sorted(os.listdir(where)):
            path = os.path.join(where, name)
            if os.path.isfile(path) or os.path.islink(path):
                os.unlink(path)
                if sub == 'etc/qemu' and name.endswith('.xml'):
                    removed.append(name[:-len('.xml')])
    return removed


class Libvirtd(services.Service):
    """The lab's own libvirtd, in a mount namespace of its own."""

    name = 'libvirtd'
    ready_timeout = 60

    def argv(self):
        root = self.p.libvirt_root
        binds = ' && '.join('mount --bind %s %s' % (
            os.path.join(root, sub), target) for sub, target in MOUNTS)
        return ['unshare', '--mount', '--propagation', 'private', 'sh',
                '-c', 'mkdir -p %s && %s && exec libvirtd --config %s' % (
                    ' '.join(t for _, t in MOUNTS), binds,
                    os.path.join(root, 'etc', 'libvirtd.conf'))]

    def extra_fingerprint(self):
        return firmware_fingerprint()

    def config_files(self):
        etc = os.path.join(self.p.libvirt_root, 'etc')
        return [os.path.join(etc, name) for name in
                ('qemu.conf', 'libvirtd.conf', 'hooks/qemu')]

    def ready(self):
        if not os.path.exists(socket_path(self.p)):
            return False
        virsh(self.p, 'version')
        return True

    def stop(self):
        if self.record():
            remove_domains(self.p)
        return super().stop()


def instances_dir(p):
    """Where Nova's libvirt driver keeps each guest's files."""
    return os.path.join(p.data_of('nova'), 'instances')


def consoles_dir(p):
    """The timestamped copies of the guests' serial console logs."""
    return os.path.join(p.logs, 'consoles')


class ConsoleRecorder(services.Service):
    """Keeps a timestamped copy of every guest's console log.

    ``console_recorder.py`` follows ``<instances>/<server>/console.log``
    (truncated by libvirt at each QEMU start, deleted with the server)
    into ``<logs>/consoles/<server>.log``; it reads files only.
    """

    name = 'console-recorder'
    ready_timeout = 30

    def argv(self):
        # The cloud venv's interpreter: the same whoever runs ``up``.
        return [self.cloud_bin('python'), os.path.join(
            os.path.dirname(os.path.abspath(__file__)),
            'console_recorder.py'), instances_dir(self.p),
            consoles_dir(self.p)]

    def extra_fingerprint(self):
        """The recorder's code: a changed recorder restarts on ``up``."""
        with open(self.argv()[1], 'rb') as f:
            return hashlib.sha256(f.read()).hexdigest()

    def ready(self):
        return os.path.isdir(consoles_dir(self.p))


class LibvirtCompute(nova.NovaCompute):
    """nova-compute with Nova's libvirt driver (host lab-libvirt)."""

    name = 'nova-compute'
    host = HOST

    def heartbeat_host(self):
        """Its heartbeat is asked for without a host: it is the only one."""
        return None

    def argv(self):
        # The lab's launcher: Nova loads drivers only from nova.virt.
        return [self.cloud_bin('python'), '-m', COMPUTE_LAUNCHER,
                '--config-file',
                os.path.join(self.p.etc_of('nova'), 'nova.conf')]

    def extra_fingerprint(self):
        return super().extra_fingerprint() + firmware_fingerprint()

    def provider_name(self):
        return provider_name()


class Libvirt:
    """The real compute backend: libvirtd and Nova's libvirt driver.

    :param virt: ``qemu`` (emulated guests) or ``kvm``.
    :param hook: the text of libvirt's qemu hook (the network backend's:
        it puts the guests' taps where the network expects them).
    """

    def __init__(self, virt, hook):
        self.virt = virt
        self.hook = hook

    def services(self, ctx):
        return [Libvirtd(ctx), LibvirtCompute(ctx)]

    def console_services(self, ctx):
        """QEMU serves the guests' consoles; the lab keeps their logs."""
        return [ConsoleRecorder(ctx)]

    def nova_conf(self, p, sec):
        return nova_conf(p, self.virt)

    def write_configs(self, p):
        write_config(p, self.hook)

    def install(self, ctx, log):
        """libvirt-python and the libvirt-qemu user (root namespace)."""
        if libvirt_host.ensure_installed(ctx.p, log):
            ctx.say('installed libvirt-python and the libvirt-qemu user')

    def check(self, ctx, images, log):
        """With ``kvm``: a guest must boot under KVM here."""
        if self.virt == 'kvm':
            libvirt_host.probe_kvm(ctx.p, images, log)
            ctx.say('KVM probe: a guest booted under KVM')

    def before_fresh_start(self, ctx):
        """Nova starts afresh: its guests go with it.

        Through virsh if libvirtd runs, else by deleting their definitions.
        """
        if Libvirtd(ctx).record():
            removed = remove_domains(ctx.p)
        else:
            removed = remove_domain_files(ctx.p)
        if removed:
            ctx.say('removed %d libvirt guests of the old Nova'
                    % len(removed))
