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

"""The provisioning network and the servers' ports on it (create-nodes).

Each server gets a port on the provisioning network created beforehand,
with port security disabled (Ironic's DHCP and PXE traffic must pass) and,
where Neutron allows it, no fixed IP: Nova accepts a port without IP only
when its ip_allocation is 'none' or 'deferred' (Neutron's segments plugin,
port created with fixed_ips=[]); on a network without a subnet the network
itself must have port security disabled. With virtual media the network is
used as it is.
"""

from ironic_openstack_driver.tools.common import call as _call
from ironic_openstack_driver.tools.common import ToolError
from ironic_openstack_driver.tools import port_policy

NO_IP_ALLOCATIONS = ('none', 'deferred')
#: Ironic Python Agent 13.0.0 and later ignore every interface whose MAC
#: starts with fa: (taken for a vendor's internal interface with a
#: non-unique address), and Neutron's default base_mac is fa:16:3e: the
#: agent of such a node finds no interface and never calls Ironic. A new
#: provisioning port with such a MAC is given this prefix instead (the last
#: three octets are kept), where Neutron lets the user change it.
AGENT_IGNORED_MAC_PREFIX = 'fa:'
AGENT_MAC_PREFIX = '52:54:00'


def port_name(server_name):
    return '%s-provisioning' % server_name


class ProvisioningNetwork:
    """A network of the servers and how their ports on it must be made.

    :param no_ip: ports get no fixed IP (``fixed_ips: []``).
    :param virtual_media: the provisioning network of virtual media nodes.
    :param keep_port_security: ports keep the network's port security
        (default: with virtual media only; a PXE provisioning port has
        it off).
    :param has_subnet: the network has a subnet.
    :param address_pairs: CIDRs of the ports' allowed address pairs.
    """

    def __init__(self, network, no_ip, virtual_media=False,
                 keep_port_security=None, has_subnet=False,
                 address_pairs=()):
        self.network = network
        self.no_ip = no_ip
        self.virtual_media = virtual_media
        self.keep_port_security = (virtual_media if keep_port_security is None
                                   else keep_port_security)
        self.has_subnet = has_subnet
        self.address_pairs = tuple(address_pairs)


def _vmedia_network(conn, ref):
    """The network of virtual media nodes: Neutron's own addressing.

    Port security stays on and Neutron gives each port its fixed IP; the
    agent configures that address statically from the node's network_data,
    so the network needs a subnet (with a gateway or a route to Ironic).
    """
    network = _call('cannot look up network "%s" (--network)' % ref,
                    conn.network.find_network, ref, ignore_missing=True)
    if network is None:
        raise ToolError('network "%s" (--network) not found: virtual media '
                        'nodes need an ordinary network with a subnet' % ref)
    subnets = _call('cannot list the subnets of network %s' % ref,
                    lambda: list(conn.network.subnets(
                        network_id=network.id)))
    if not subnets:
        raise ToolError('network %s (--network) has no subnet: with --boot '
                        'virtual-media each node gets its fixed IP from '
                        'Neutron and writes it into network_data; add a '
                        'subnet' % ref)
    return ProvisioningNetwork(network, no_ip=False, virtual_media=True,
                               has_subnet=True)


def ensure_network(conn, report, ref, create=False, virtual_media=False):
    """Find (or create) the provisioning network and check Nova can use it.

    :param virtual_media: the nodes boot the agent from virtual media: an
        ordinary network with a subnet, port security as the network has it.
    :returns: a ProvisioningNetwork.
    """
    if virtual_media:
        return _vmedia_network(conn, ref)
    network = _call('cannot look up network "%s" (--network)' % ref,
                    conn.network.find_network, ref, ignore_missing=True)
    if network is None:
        if not create:
            raise ToolError('network "%s" (--network) not found; create it, '
                            'or add --create-network' % ref)
        report.progress('Creating network %s (no subnet, port security '
                        'disabled) ...' % ref)
        network = _call('cannot create network "%s"' % ref,
                        conn.network.create_network, name=ref,
                        port_security_enabled=False)
    subnets = _call('cannot list the subnets of network %s' % ref,
                    lambda: list(conn.network.subnets(
                        network_id=network.id)))
    no_ip_ext = _call('cannot list Neutron extensions',
                      conn.network.find_extension, 'ip_allocation',
                      ignore_missing=True)
    if not subnets:
        if no_ip_ext is None:
            raise ToolError(
                'network %s (--network) has no subnet, and this Neutron '
                'cannot make ports without an IP that Nova accepts (no '
                'ip_allocation extension: the segments service plugin is '
                'off): add a subnet (DHCP disabled)' % ref)
        if network.is_port_security_enabled:
            raise ToolError(
                'network %s (--network) has no subnet but port security '
                'enabled: Nova puts servers on it in ERROR '
                '(SecurityGroupCannotBeApplied). Run: openstack network set '
                '--disable-port-security %s%s' % (
                    ref, network.id, _owner_hint(conn, network)))
    return ProvisioningNetwork(network, no_ip=no_ip_ext is not None,
                               has_subnet=bool(subnets))


def _owner_hint(conn, network):
    """Who may change a network of another project, for a message."""
    project = port_policy.project_id(conn)
    if not (network.project_id and project
            and network.project_id != project):
        return ''
    return (' (the network is project %s\'s, not yours: its owner or the '
            'cloud\'s admin may; or use a network of your own project, '
            '--create-network)' % network.project_id)


def agent_usable_mac(mac):
    """The MAC to give a port the agent would ignore, or None if it is fine.

    :param mac: the port's MAC as Neutron chose it.
    """
    if not (mac or '').lower().startswith(AGENT_IGNORED_MAC_PREFIX):
        return None
    return AGENT_MAC_PREFIX + mac[len(AGENT_MAC_PREFIX):]


def _make_agent_usable(conn, report, network, port, attrs):
    """Give a new port a MAC the agent uses (see AGENT_IGNORED_MAC_PREFIX).

    Neutron lets the network's owner choose a port's MAC only when the port
    is created, so a port with the new MAC replaces the new one; if Neutron
    refuses the MAC, the port is kept and a warning says why the node's
    agent will not find its interface.
    """
    mac = agent_usable_mac(port.mac_address)
    if mac is None:
        return port
    try:
        replacement = port_policy.create_port(
            conn, network, explain=('mac_address',), mac_address=mac,
            **attrs)
    except ToolError as e:
        report.progress(
            'Warning: port %s has MAC %s, which Ironic Python Agent 13.0.0 '
            'and later ignore (the node\'s agent would find no interface); '
            'MAC %s instead: %s Ask the cloud\'s operator for another '
            'base_mac or the right to choose MACs, or use an older agent '
            'ramdisk.' % (attrs['name'], port.mac_address, mac,
                          str(e).rstrip('.') + '.'))
        return port
    _call('cannot delete port %s' % port.id, conn.network.delete_port,
          port, ignore_missing=True)
    report.progress('  port %s: MAC %s instead of Neutron\'s %s (Ironic '
                    'Python Agent 13.0.0 and later ignore fa: MACs)'
                    % (attrs['name'], replacement.mac_address,
                       port.mac_address))
    return replacement


def ensure_port(conn, report, prov, name, fixed_ip=None, agent=True):
    """The server's provisioning port: found by name or created.

    :param fixed_ip: the address a new port gets from the network's
        subnet (none without a subnet: the server configures it itself).
    :param agent: the port's server runs Ironic Python Agent: a new
        port's MAC is one the agent uses (_make_agent_usable).
    """
    net = prov.network
    found = _call('cannot list ports named %s' % name,
                  lambda: list(conn.network.ports(network_id=net.id,
                                                  name=name)))
    if len(found) > 1:
        raise ToolError('several ports are named %s on network %s (%s): '
                        'delete the extra ones' % (
                            name, net.name, ', '.join(p.id for p in found)))
    pairs = [{'ip_address': cidr} for cidr in prov.address_pairs]
    if found:
        return _ensure_pairs(conn, report, found[0], pairs), False
    attrs = {'name': name, 'network_id': net.id}
    if (not prov.keep_port_security
            and net.is_port_security_enabled is not False):
        # Ironic's DHCP and PXE must pass: no port security; with virtual
        # media, and on the servers' other networks, Neutron's addressing
        # and port security stay as they are. A port inherits the
        # network's port security: on a network without it the port is
        # not asked for it, which only the network's project or an admin
        # may do (a member on an admin's shared network, port_policy.py).
        attrs['port_security_enabled'] = False
    if fixed_ip and prov.has_subnet:
        attrs['fixed_ips'] = [{'ip_address': fixed_ip}]
    elif prov.no_ip:
        attrs['fixed_ips'] = []
    if pairs:
        attrs['allowed_address_pairs'] = pairs
    report.progress('Creating port %s on network %s%s ...' % (
        name, net.name, ' (no IP)' if prov.no_ip else ''))
    port = port_policy.create_port(conn, net, **attrs)
    if (not port.fixed_ips
            and port.ip_allocation not in NO_IP_ALLOCATIONS):
        _call('cannot delete port %s' % port.id, conn.network.delete_port,
              port, ignore_missing=True)
        raise ToolError('port %s on network %s got no IP and ip_allocation '
                        '"%s": Nova would refuse it' % (
                            name, net.name, port.ip_allocation))
    if not agent:
        return port, True
    return _make_agent_usable(conn, report, net, port, attrs), True


def _ensure_pairs(conn, report, port, pairs):
    """Add the allowed address pairs a port found by name lacks."""
    have = list(port.allowed_address_pairs or [])
    missing = [pair for pair in pairs if pair['ip_address'] not in
               {p.get('ip_address') for p in have}]
    if not missing:
        return port
    report.progress('Adding allowed address pairs %s to port %s ...' % (
        ', '.join(p['ip_address'] for p in missing), port.name))
    return _call('cannot add allowed address pairs to port %s (%s)' % (
        port.name, port.id), conn.network.update_port, port,
        allowed_address_pairs=have + missing)


def delete_ports(conn, report, new_ports):
    """Delete the ports made for a server that cannot be made.

    A port that cannot be deleted is reported (report.fail) with the
    command that deletes it.
    """
    for port in new_ports:
        report.progress('Deleting port %s (%s): made for a server that '
                        'cannot be made' % (port.name, port.id))
        try:
            _call('cannot delete port %s (%s)' % (port.name, port.id),
                  conn.network.delete_port, port, ignore_missing=True)
        except ToolError as e:
            report.fail('%s; delete it: openstack port delete %s'
                        % (e, port.id))


def server_port(conn, server, network_id):
    ports = _call('cannot list the ports of server %s' % server.name,
                  lambda: list(conn.network.ports(device_id=server.id,
                                                  network_id=network_id)))
    return ports[0] if ports else None
