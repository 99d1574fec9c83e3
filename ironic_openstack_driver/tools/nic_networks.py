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

"""create-nodes: a port per network, and what Ironic must know of them.

``--network NAME[:PHYSNET]`` repeated gives each server one NIC per
network, in order: the first is the provisioning network
(provisioning_ports.py), every other one gets a port made beforehand,
named SERVER-NETWORK, with a MAC the agent does not ignore, port security
as the network has it and, where the network has a subnet, its fixed IP
from Neutron. ``--allowed-address-pair CIDR`` adds that pair to every new
port on a network with port security (a port without port security passes
every address already, and Neutron refuses pairs on it): the addresses a
deployed node moves between machines, such as the virtual IPs of a seed
or of a control plane.

PHYSNET is what Ironic's ports on that network get as physical_network:
a project member cannot read a network's provider:physical_network, so the
operator states it, and the conductor's [openstack]physical_networks (the
line create-nodes prints) carries it to inspection, nodes-file and enroll.
"""

from ironic_openstack_driver.tools.common import ToolError
from ironic_openstack_driver.tools import provisioning_ports as ports


def parse_network(value):
    """NAME[:PHYSNET] of ``--network``: (network name or ID, physnet).

    The physical network follows the last ":" (network IDs have none).

    :raises: ToolError naming the option when a part is empty.
    """
    ref, sep, physnet = value.rpartition(':')
    if not sep:
        return value, None
    if not ref or not physnet or any(c.isspace() or c == ','
                                     for c in physnet):
        raise ToolError('--network %s: expected NAME or NAME:PHYSNET '
                        '(a physical network name without spaces or ",")'
                        % value)
    return ref, physnet


def port_name(server_name, nic):
    """The name of a server's port on a network beyond the first."""
    return '%s-%s' % (server_name, nic.network.name or nic.network.id)


def ensure_networks(conn, report, refs, create=False, address_pairs=(),
                    provisioning=None):
    """The networks beyond the provisioning one, checked (or created).

    :param refs: their names or IDs, in NIC order.
    :param address_pairs: CIDRs of ``--allowed-address-pair``.
    :param provisioning: the provisioning network (a ProvisioningNetwork),
        which takes the pairs when it keeps port security (virtual media).
    :returns: a ProvisioningNetwork per ref.
    :raises: ToolError when a network cannot be used, or when
        ``address_pairs`` are given and no network keeps port security.
    """
    nics = []
    for ref in refs:
        net = ports.ensure_network(conn, report, ref, create=create)
        secured = net.network.is_port_security_enabled is not False
        nics.append(ports.ProvisioningNetwork(
            net.network, no_ip=net.no_ip and not net.has_subnet,
            keep_port_security=True, has_subnet=net.has_subnet,
            address_pairs=address_pairs if secured else ()))
    if address_pairs and not any(n.address_pairs for n in nics) and not (
            provisioning is not None and provisioning.keep_port_security):
        raise ToolError(
            '--allowed-address-pair %s: no network of --network keeps port '
            'security (Neutron refuses allowed address pairs on a port '
            'without it, and such a port passes every address already)'
            % ', '.join(address_pairs))
    return nics


def with_pairs(prov, address_pairs):
    """The provisioning network with the pairs, if it keeps port security."""
    if prov is not None and prov.keep_port_security and address_pairs:
        prov.address_pairs = tuple(address_pairs)
    return prov


def ensure_server_ports(conn, report, nics, server_name, new=None):
    """The server's ports on ``nics``, found by name or created.

    :param new: a list, extended with the ports this call creates.
    :returns: the ports, in the order of ``nics``.
    :raises: ToolError when a port is attached to another device;
        port_policy.PortRefused when Neutron's policy refuses one.
    """
    made = []
    for nic in nics:
        port, created = ports.ensure_port(conn, report, nic,
                                          port_name(server_name, nic))
        if created and new is not None:
            new.append(port)
        if port.device_id:
            raise ToolError('port %s (%s) is already used by device %s'
                            % (port.name, port.id, port.device_id))
        made.append(port)
    return made


def physical_networks_line(networks):
    """The [openstack]physical_networks value for ``networks``, or None.

    :param networks: (network, physnet or None) pairs, network objects
        with ``name`` and ``id``.
    """
    entries = []
    for network, physnet in networks:
        if not physnet or network is None:
            continue
        name = network.name
        key = name if name and not any(c in name for c in ':, ') \
            else network.id
        entries.append('%s:%s' % (key, physnet))
    return ','.join(entries) or None


def report_physical_networks(report, prov, nics, physnets):
    """Print the [openstack]physical_networks line the PHYSNETs make.

    :param prov: the provisioning network (or None), then ``nics``, the
        further ones; ``physnets``: their physical networks, in order.
    """
    line = physical_networks_line(zip(
        [prov.network if prov else None] + [n.network for n in nics],
        physnets))
    if line:
        report.progress('Ironic\'s ports on these networks: '
                        '[openstack]physical_networks = %s (in the '
                        'conductor\'s ironic.conf, and in the file of '
                        'nodes-file/enroll --driver-config-file)' % line)
