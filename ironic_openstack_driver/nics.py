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

"""A server's NICs as Ironic ports: which one PXE boots, which physnet.

Pure decisions, shared by the inspect interface and ironic-openstack-nodes
(nodes-file, enroll); the callers read the cloud.

A NIC is a dict with ``mac`` and ``network_id`` (one Neutron port of the
server). The provisioning NIC is the one on the network named by the
caller, else the server's only NIC, else its first NIC: Nova's
``addresses`` lists the server's networks in the order of its NICs (the
order of the create request; ``create-nodes`` puts the provisioning
network first), with networks whose ports have no IP too, by network
name. Only the provisioning NIC is ``pxe_enabled``: Ironic's DHCP and
boot configuration then go to that NIC alone.
"""


def nic_order(addresses):
    """Network names in the order of the server's NICs.

    :param addresses: the server's ``addresses`` as Nova shows them
        ({network name: [addresses]}, in NIC order), or None.
    """
    return list(addresses or {})


def provisioning_network(nics, names, addresses, chosen=None):
    """The network ID of the provisioning NIC, or None if it is unknown.

    :param nics: the server's NICs (dicts with ``network_id``).
    :param names: {network ID: name} of the NICs' networks (may miss some).
    :param addresses: the server's ``addresses`` (nic_order).
    :param chosen: the network ID the caller names as the provisioning
        one, or None.
    :returns: ``chosen`` when given; the network of the only NIC; else
        the network of the first NIC in Nova's order when its name
        belongs to exactly one network of the NICs; else None.
    """
    if chosen:
        return chosen
    networks = {nic['network_id'] for nic in nics}
    if len(networks) == 1:
        return networks.pop()
    order = nic_order(addresses)
    if not order:
        return None
    matching = [net for net in networks if names.get(net) == order[0]]
    return matching[0] if len(matching) == 1 else None


def physical_network(network_id, names, mapping):
    """The physical network of a NIC on ``network_id``, or None.

    :param names: {network ID: name}.
    :param mapping: [openstack]physical_networks: {network ID or name:
        physical network}; an entry by ID wins over one by name.
    """
    return (mapping.get(network_id)
            or mapping.get(names.get(network_id) or ''))


def ironic_ports(nics, provisioning, names, mapping, addresses=None):
    """One Ironic port (the fields to create it with) per NIC.

    :param nics: the server's NICs (dicts with ``mac``, ``network_id``).
    :param provisioning: the provisioning network ID
        (provisioning_network), or None when unknown: then every port is
        PXE enabled, as Ironic makes ports by default.
    :param names: {network ID: name}.
    :param mapping: [openstack]physical_networks.
    :param addresses: the server's ``addresses``, for the order.
    :returns: a list of dicts with ``address``, ``pxe_enabled`` and, when
        mapped, ``physical_network``: the provisioning NIC first, then in
        the order of the server's NICs, then by MAC.
    """
    order = nic_order(addresses)

    def rank(nic):
        name = names.get(nic['network_id'])
        return (nic['network_id'] != provisioning,
                order.index(name) if name in order else len(order),
                nic['mac'].lower())

    ports = []
    for nic in sorted(nics, key=rank):
        port = {'address': nic['mac'].lower(),
                'pxe_enabled': (provisioning is None
                                or nic['network_id'] == provisioning)}
        physnet = physical_network(nic['network_id'], names, mapping)
        if physnet:
            port['physical_network'] = physnet
        ports.append(port)
    return ports
