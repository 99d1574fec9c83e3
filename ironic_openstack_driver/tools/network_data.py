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

"""A node's network_data from its server's Neutron port.

The boot interface openstack-virtual-media puts a node's ``network_data``
(the OpenStack config-drive format) on the agent's ISO; glean in the
agent's ramdisk configures the interface with that MAC statically: the
port's fixed IP, the subnet's netmask, gateway and DNS servers. No DHCP
of Ironic's (nor Neutron's) is needed.
"""

import ipaddress

from openstack import exceptions as sdk_exc

from ironic_openstack_driver.tools import common
from ironic_openstack_driver.tools.common import ToolError


def _subnet(conn, subnet_id, cache):
    if subnet_id not in cache:
        try:
            cache[subnet_id] = conn.network.get_subnet(subnet_id)
        except sdk_exc.SDKException as e:
            raise ToolError('cannot read subnet %s: %s' % (
                subnet_id, common.describe_error(e)))
    return cache[subnet_id]


def for_port(conn, port_id, mac, fixed_ips, cache=None):
    """network_data for one Neutron port.

    :param port_id: the port's UUID (names the link).
    :param mac: the port's MAC.
    :param fixed_ips: the port's fixed_ips ([{'subnet_id', 'ip_address'}]).
    :raises: ToolError when the port has no fixed IP.
    """
    cache = {} if cache is None else cache
    if not fixed_ips:
        raise ToolError('port %s has no fixed IP: virtual media nodes need '
                        'a port with Neutron addressing (a network with a '
                        'subnet)' % port_id)
    link = 'port-%s' % port_id
    networks, services = [], []
    for i, fixed in enumerate(fixed_ips):
        subnet = _subnet(conn, fixed['subnet_id'], cache)
        cidr = ipaddress.ip_network(subnet.cidr)
        net = {'id': 'network%d' % i, 'link': link,
               'type': 'ipv4' if cidr.version == 4 else 'ipv6',
               'ip_address': fixed['ip_address'],
               'netmask': str(cidr.netmask),
               'network_id': subnet.network_id, 'routes': []}
        if subnet.gateway_ip:
            default = '0.0.0.0' if cidr.version == 4 else '::'
            net['routes'].append({'network': default, 'netmask': default,
                                  'gateway': subnet.gateway_ip})
        for route in subnet.host_routes or ():
            dest = ipaddress.ip_network(route['destination'])
            net['routes'].append({'network': str(dest.network_address),
                                  'netmask': str(dest.netmask),
                                  'gateway': route['nexthop']})
        networks.append(net)
        for dns in subnet.dns_nameservers or ():
            if {'type': 'dns', 'address': dns} not in services:
                services.append({'type': 'dns', 'address': dns})
    return {'links': [{'id': link, 'type': 'phy',
                       'ethernet_mac_address': mac.lower()}],
            'networks': networks, 'services': services}
