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

"""Where the lab lives, which ports it uses, and its names and secrets.

Everything the lab writes goes below the state dir: ``<repo>/.lab`` by
default, or ``$IOS_LAB_HOME``. Ports are fixed (documented in
lab/README.rst) and every listener binds 127.0.0.1.
"""

import dataclasses
import json
import os
import secrets

LAB_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_DIR = os.path.dirname(LAB_DIR)
LABCTL = os.path.join(LAB_DIR, 'labctl.py')
HOST = '127.0.0.1'
REGION = 'RegionOne'

# Port of every listener. Chosen away from the services' usual ports so a
# lab can run beside a real service on the same machine.
PORTS = {
    'mariadb': 13306,
    'epmd': 14369,
    'rabbitmq': 15673,
    'rabbitmq-dist': 25673,
    'keystone': 15000,
    'glance': 19292,
    'placement': 18778,
    'nova-api': 18774,
    'neutron': 19696,
    'ironic': 16385,
    'nova-serialproxy': 16083,
    'nova-novncproxy': 16080,
    'lab-guest-serial': 16100,
    'lab-guest-vnc': 16101,
}

# Keystone names.
ADMIN_USER = 'admin'
ADMIN_PROJECT = 'admin'
SERVICE_PROJECT = 'service'
DEMO_USER = 'demo'
DEMO_PROJECT = 'demo'
SERVICE_USERS = ('nova', 'neutron', 'glance', 'placement', 'ironic')

# clouds.yaml entry names.
CLOUD = 'lab'                      # the normal user (demo/demo, member)
ADMIN_CLOUD = 'lab-admin'          # admin, system scope (Ironic's admin)
PROJECT_ADMIN_CLOUD = 'lab-project-admin'  # admin, project scope (Nova etc.)

# Base objects the lab provisions.
RESCUE_IMAGE_NAME = 'lab-ipxe-rescue'
DISK_IMAGE_NAME = 'lab-blank-disk'
#: The UEFI twins (hw_firmware_type=uefi, hw_machine_type=q35).
RESCUE_IMAGE_UEFI_NAME = 'lab-ipxe-rescue-uefi'
DISK_IMAGE_UEFI_NAME = 'lab-blank-disk-uefi'
FLAVOR_NAME = 'bm.small'
NOVA_COMPUTE_HOST = 'lab-compute'
#: Host names of the Ironic conductors: the all-in-one ``ironic`` process,
#: and the second ``ironic-conductor`` (``labctl conductor add``).
IRONIC_HOST = 'lab-ironic'
SECOND_IRONIC_HOST = 'lab-ironic-2'
#: The fast mode runs K fake nova-compute hosts (``up --compute-hosts K``):
#: lab-compute, lab-compute-2, ... Each one is a real nova-compute process.
COMPUTE_HOSTS_ENV = 'IOS_LAB_COMPUTE_HOSTS'
MAX_COMPUTE_HOSTS = 16

IPXE_ISO_CANDIDATES = ('/usr/lib/ipxe/ipxe.iso', '/usr/share/ipxe/ipxe.iso')

# -- the real-virtualisation mode (``up --virt qemu``) ---------------------
#: Compute backends: Nova's fake driver, or libvirt running QEMU guests
#: (``qemu``: emulated, TCG; ``kvm`` only where a probe boot shows KVM runs
#: ordinary guests).
VIRT_MODES = ('fake', 'qemu', 'kvm')
VIRT_ENV = 'IOS_LAB_VIRT'
#: Ironic's fast track in the real mode (``up --fast-track``): the agent a
#: cleaning booted serves the deploy right after it.
FAST_TRACK_ENV = 'IOS_LAB_FAST_TRACK'
#: The network namespace that holds the whole real-mode lab: its own
#: loopback (the services' 127.0.0.1), the provisioning bridge, libvirt's
#: guests and taps. Nothing of it exists in the machine's root namespace.
NETNS = 'ioslab'
#: The provisioning bridge inside the namespace. Addresses are from the
#: documentation ranges (RFC 5737 / RFC 3849): they exist only inside the
#: namespace and route nowhere.
BRIDGE = 'iosbr0'
BRIDGE_MAC = '02:10:5e:00:00:01'
BRIDGE_IP = '192.0.2.1'
BRIDGE_PREFIX = 24
BRIDGE_DHCP_RANGE = ('192.0.2.100', '192.0.2.199')
BRIDGE_IP6 = '2001:db8:105::1'
BRIDGE_PREFIX6 = 64
#: Ironic's HTTP boot server (iPXE scripts, kernels, the instance image).
HTTP_BOOT_PORT = 8088
PROVISIONING_NETWORK = 'lab-provisioning'
PROVISIONING_PHYSNET = 'provisioning'
#: The virtual media nodes' network: ordinary (a subnet on the bridge's
#: range, Neutron's addressing, port security on), on the same bridge.
#: dnsmasq ignores MACs starting with VMEDIA_MAC_PREFIX, so nodes whose
#: ports have such a MAC get no DHCP at all: their agent configures itself
#: from the network_data on its ISO.
VMEDIA_NETWORK = 'lab-vmedia'
VMEDIA_PHYSNET = 'vmedia'
VMEDIA_SUBNET = '192.0.2.0/24'
VMEDIA_POOL = ('192.0.2.200', '192.0.2.250')
VMEDIA_MAC_PREFIX = '52:54:01'
#: Networks the e2e of several NICs makes in the fast mode (the first is
#: the nodes' provisioning network), by name in PHYSICAL_NETWORKS.
NIC_NETWORKS = ('lab-nics-prov', 'lab-nics-data')
#: [openstack]physical_networks of the lab's Ironic (a project member
#: cannot read a network's provider:physical_network): the real mode's
#: networks on their physnets, and NIC_NETWORKS.
PHYSICAL_NETWORKS = {PROVISIONING_NETWORK: PROVISIONING_PHYSNET,
                     VMEDIA_NETWORK: VMEDIA_PHYSNET,
                     NIC_NETWORKS[0]: 'physnet-nics-prov',
                     NIC_NETWORKS[1]: 'physnet-nics-data'}
LIBVIRT_COMPUTE_HOST = 'lab-libvirt'
DEPLOY_FLAVOR_NAME = 'bm.deploy'


def _state_dir():
    return os.path.abspath(os.environ.get('IOS_LAB_HOME')
                           or os.path.join(REPO_DIR, '.lab'))


@dataclasses.dataclass(frozen=True)
class Paths:
    """Every path below the state dir, in one place."""

    home: str

    @property
    def venvs(self):
        return os.path.join(self.home, 'venvs')

    @property
    def cloud_venv(self):
        return os.path.join(self.venvs, 'cloud')

    @property
    def ironic_venv(self):
        return os.path.join(self.venvs, 'ironic')

    @property
    def etc(self):
        return os.path.join(self.home, 'etc')

    @property
    def data(self):
        return os.path.join(self.home, 'data')

    @property
    def logs(self):
        return os.path.join(self.home, 'logs')

    @property
    def run(self):
        return os.path.join(self.home, 'run')

    @property
    def clouds_yaml(self):
        return os.path.join(self.home, 'clouds.yaml')

    @property
    def secrets(self):
        return os.path.join(self.home, 'secrets.json')

    @property
    def provisioned(self):
        return os.path.join(self.home, 'provisioned.json')

    @property
    def mysql_socket(self):
        return os.path.join(self.run, 'mariadb.sock')

    def etc_of(self, service):
        return os.path.join(self.etc, service)

    def data_of(self, service):
        return os.path.join(self.data, service)

    def log_of(self, service):
        return os.path.join(self.logs, service + '.log')

    def pid_of(self, service):
        return os.path.join(self.run, service + '.pid')

    def venv_bin(self, venv, command):
        return os.path.join(venv, 'bin', command)

    @property
    def tuning_file(self):
        return os.path.join(self.home, 'tuning.json')

    @property
    def mode_file(self):
        return os.path.join(self.home, 'mode.json')

    @property
    def images(self):
        return os.path.join(self.home, 'images')

    @property
    def libvirt_root(self):
        """The lab's own libvirt: config, sockets, state, guest disks."""
        return os.path.join(self.home, 'libvirt')


def paths():
    """The lab's paths for the current environment."""
    return Paths(_state_dir())


def load_secrets(p):
    """Passwords of this lab, generated once per state dir and kept there."""
    if os.path.exists(p.secrets):
        with open(p.secrets) as f:
            return json.load(f)
    names = ('db', 'admin', 'demo', 'rabbit') + SERVICE_USERS
    values = {name: secrets.token_hex(12) for name in names}
    os.makedirs(p.home, exist_ok=True)
    fd = os.open(p.secrets, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'w') as f:
        json.dump(values, f, indent=2)
    return values


def url(service, path=''):
    """Public URL of an HTTP service of the lab."""
    return 'http://%s:%d%s' % (HOST, PORTS[service], path)


def boot_url(path=''):
    """URL of the HTTP boot server as the guests see it (real mode)."""
    return 'http://%s:%d%s' % (BRIDGE_IP, HTTP_BOOT_PORT, path)


def _load_mode_file(p):
    try:
        with open(p.mode_file) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load_mode(p):
    """The virt mode the state dir was last brought up in ('fake' if none)."""
    return _load_mode_file(p).get('virt', 'fake')


def load_compute_hosts(p):
    """How many compute hosts the state dir was last brought up with (1)."""
    hosts = _load_mode_file(p).get('compute_hosts', 1)
    return hosts if isinstance(hosts, int) and hosts >= 1 else 1


def save_mode(p, virt, compute_hosts=1):
    os.makedirs(p.home, exist_ok=True)
    tmp = p.mode_file + '.tmp'
    with open(tmp, 'w') as f:
        json.dump({'virt': virt, 'compute_hosts': compute_hosts}, f)
    os.replace(tmp, p.mode_file)
