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

"""The real-mode network: a bridge in the lab's namespace, DHCP, HTTP boot.

What is real and what is the lab's glue:

* Real: a Neutron flat network (``settings.PROVISIONING_NETWORK``, port
  security off, no subnet, so no Neutron DHCP), Nova's libvirt driver
  plugging each port as a tap, Ironic's own boot files (``boot.ipxe``, the
  per-MAC iPXE scripts, kernels and ramdisks in its ``http_root``), dnsmasq
  configured as Ironic documents for a standalone deployment (DHCP that
  chain-loads iPXE clients to ``boot.ipxe``), and the iPXE rescue image
  booting from a CD-ROM through Nova's stable device rescue.
* Glue: the ML2 driver ``lab_tapbridge`` binds ports as taps, since Nova 34
  has no Linux-bridge VIFs and the lab runs no Open vSwitch; the lab's
  libvirt hook puts each guest's tap into the bridge whenever libvirt
  starts the guest (a cloud's L2 agent does this on a real host); Python's
  ``http.server`` serves Ironic's ``http_root`` (a real deployment uses
  nginx or Apache).

Everything here lives in the namespace: the bridge's addresses are from the
documentation ranges and exist nowhere else.
"""

import os
import shutil
import sys

from labkit import network
from labkit import procs
from labkit import services
from labkit import settings as s
from labkit import writers

MECHANISM_DRIVER = 'lab_tapbridge'
DHCP_PORT_HEX = ':0043 '   # UDP 67 in /proc/net/udp


def libvirt_hook():
    """libvirt's qemu hook: put the guest's taps into the bridge.

    libvirt runs it with the guest's XML on stdin at every start of a
    guest; Nova's tap VIFs appear there as ``<target dev='tap...'/>``.
    """
    ip = shutil.which('ip') or '/usr/sbin/ip'
    return '''#!/bin/sh
# Written by the lab (labkit.network.bridge). $2 is libvirt's operation.
case "$2" in
    started|reconnect) ;;
    *) exit 0 ;;
esac
for dev in $(sed -n \
        "s/.*<target dev=['\\"]\\(tap[^'\\"]*\\)['\\"].*/\\1/p"); do
    %(ip)s link set "$dev" master %(bridge)s && %(ip)s link set "$dev" up
done
exit 0
''' % {'ip': ip, 'bridge': s.BRIDGE}


def dnsmasq_conf(p):
    low, high = s.BRIDGE_DHCP_RANGE
    return '\n'.join([
        '# Written by the lab: DHCP for the provisioning bridge, as Ironic',
        '# documents for standalone use (no DNS, no TFTP: iPXE only).',
        'port=0',
        'no-resolv',
        'no-hosts',
        'interface=%s' % s.BRIDGE,
        'bind-interfaces',
        'dhcp-authoritative',
        'dhcp-range=%s,%s,255.255.255.0,1h' % (low, high),
        # Router advertisements: iPXE otherwise waits ~13 s for IPv6.
        'dhcp-range=::,constructor:%s,ra-only' % s.BRIDGE,
        'enable-ra',
        'dhcp-leasefile=%s' % os.path.join(p.data_of('dnsmasq'),
                                           'leases'),
        # Virtual media nodes get no DHCP: their agent's address comes
        # from the network_data on its ISO.
        'dhcp-mac=set:vmedia,%s:*:*:*' % s.VMEDIA_MAC_PREFIX,
        'dhcp-ignore=tag:vmedia',
        'dhcp-match=set:ipxe,175',
        'dhcp-boot=tag:ipxe,%s' % s.boot_url('/boot.ipxe'),
        'log-dhcp',
        '']) + '\n'


class Dnsmasq(services.Service):
    """DHCP on the bridge, chain-loading iPXE clients to Ironic."""

    name = 'dnsmasq'
    ready_timeout = 30

    @property
    def conf(self):
        return os.path.join(self.p.etc_of('dnsmasq'), 'dnsmasq.conf')

    def argv(self):
        # Logging to the file itself (not stderr) puts the time on each
        # line (to the second), which ``walk_phases`` reads.
        return ['dnsmasq', '--keep-in-foreground',
                '--log-facility=' + self.log,
                '--user=root', '--pid-file', '--conf-file=' + self.conf]

    def config_files(self):
        return [self.conf]

    def bootstrap(self):
        os.makedirs(self.p.data_of('dnsmasq'), exist_ok=True)

    def ready(self):
        with open('/proc/net/udp') as f:
            return any(DHCP_PORT_HEX in line for line in f)


class BootHttp(services.Service):
    """Serves Ironic's http_root (and the lab's images) to the guests."""

    name = 'http-boot'
    port = s.HTTP_BOOT_PORT
    ready_timeout = 30

    @property
    def root(self):
        return os.path.join(self.p.data_of('ironic'), 'httpboot')

    def argv(self):
        return [sys.executable, '-m', 'http.server', str(self.port),
                '--bind', s.BRIDGE_IP, '--directory', self.root]

    def bootstrap(self):
        os.makedirs(self.root, exist_ok=True)

    def url(self):
        return s.boot_url('/')

    def ready(self):
        status = procs.http_status(s.boot_url('/'))
        return status is not None and status < 500


def write_config(p):
    writers.write(os.path.join(p.etc_of('dnsmasq'), 'dnsmasq.conf'),
                  dnsmasq_conf(p))


def ensure_provisioning_network(sess):
    """The flat provisioning network (port security off, no subnet).

    A flat provider network needs an admin to make it; it belongs to the
    lab's normal project, whose members (as on a cloud where the pool's
    project owns its provisioning network) may then make ports with no IP
    and no port security on it, as ``create-nodes`` does. Returns its ID.
    """
    neutron = s.url('neutron', '/v2.0/networks')
    found = sess.get('%s?name=%s' % (neutron, s.PROVISIONING_NETWORK))
    if found['networks']:
        return found['networks'][0]['id']
    project = sess.get(s.url('keystone', '/v3/projects?name=%s'
                             % s.DEMO_PROJECT))['projects'][0]['id']
    return sess.post(neutron, {'network': {
        'name': s.PROVISIONING_NETWORK, 'project_id': project,
        'provider:network_type': 'flat',
        'provider:physical_network': s.PROVISIONING_PHYSNET,
        'port_security_enabled': False}})['network']['id']


def ensure_vmedia_network(sess):
    """The virtual media network: port security on, a subnet, no DHCP.

    Flat on a physnet of its own (a flat physnet holds one network), owned
    by the lab's normal project; its subnet is on the bridge's range with
    an allocation pool outside dnsmasq's, the bridge as gateway, and DHCP
    disabled (Neutron runs no DHCP agent here anyway). Port security is an
    attribute only: the lab's ML2 driver binds ports without a firewall.
    Returns its ID.
    """
    neutron = s.url('neutron', '/v2.0')
    found = sess.get('%s/networks?name=%s' % (neutron, s.VMEDIA_NETWORK))
    if found['networks']:
        network = found['networks'][0]['id']
    else:
        project = sess.get(s.url('keystone', '/v3/projects?name=%s'
                                 % s.DEMO_PROJECT))['projects'][0]['id']
        network = sess.post(neutron + '/networks', {'network': {
            'name': s.VMEDIA_NETWORK, 'project_id': project,
            'provider:network_type': 'flat',
            'provider:physical_network': s.VMEDIA_PHYSNET,
            'port_security_enabled': True}})['network']['id']
    subnets = sess.get('%s/subnets?network_id=%s' % (neutron, network))
    if not subnets['subnets']:
        net = sess.get('%s/networks/%s' % (neutron, network))['network']
        low, high = s.VMEDIA_POOL
        sess.post(neutron + '/subnets', {'subnet': {
            'name': s.VMEDIA_NETWORK, 'network_id': network,
            'project_id': net['project_id'], 'ip_version': 4,
            'cidr': s.VMEDIA_SUBNET, 'gateway_ip': s.BRIDGE_IP,
            'allocation_pools': [{'start': low, 'end': high}],
            'enable_dhcp': False}})
    return network


class Bridge:
    """The real network backend: the bridge, DHCP, HTTP boot, networks."""

    def services(self, ctx):
        return [Dnsmasq(ctx), BootHttp(ctx)]

    def ml2_conf(self):
        return network.ml2_conf(MECHANISM_DRIVER)

    def write_configs(self, p):
        write_config(p)

    def libvirt_hook(self):
        """libvirt's qemu hook that puts the guests' taps into the bridge."""
        return libvirt_hook()

    def provision(self, sess):
        """The provisioning network and the virtual media network."""
        ensure_provisioning_network(sess)
        ensure_vmedia_network(sess)
