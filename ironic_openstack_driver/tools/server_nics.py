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

"""A server's NICs as nodes-file and enroll write them: one Ironic port each.

Reads Nova's interfaces of the server (every port, with or without IP)
and the names of their networks; which NIC is the provisioning one and
each port's physical_network are the decisions of nics.py, the same as
the inspect interface's. The physical networks come from the
[openstack]physical_networks option of a configuration file
(--driver-config-file), as the conductor reads it.
"""

import os

from openstack import exceptions as sdk_exc

from ironic_openstack_driver import nics
from ironic_openstack_driver.tools import common
from ironic_openstack_driver.tools.common import ToolError


def physical_networks(path):
    """[openstack]physical_networks of a configuration file, or {}.

    :param path: an ironic.conf (or any file with that option), or None.
    :raises: ToolError naming the file and the option when it cannot be
        read or an entry is malformed.
    """
    if not path:
        return {}
    # Ironic's configuration (conf.py) only when a file is given.
    from oslo_config import cfg

    from ironic_openstack_driver import conf

    if not os.path.isfile(path):
        raise ToolError('--driver-config-file %s: no such file' % path)
    opts = cfg.ConfigOpts()
    opts.register_opt(conf.PHYSICAL_NETWORKS_OPT, group=conf.GROUP)
    try:
        opts(args=[], default_config_files=[path], default_config_dirs=[])
        return conf.physical_networks(opts)
    except (cfg.Error, ValueError) as e:
        raise ToolError('--driver-config-file %s: %s' % (path, e))


def network_names(conn, network_ids, cache):
    """{network ID: name} of the networks the project can read.

    :param cache: {network ID: name or None}, shared between servers.
    """
    for network_id in sorted(set(network_ids) - set(cache)):
        try:
            cache[network_id] = conn.network.get_network(network_id).name
        except sdk_exc.NotFoundException:
            cache[network_id] = None    # not visible to the project
        except sdk_exc.SDKException as e:
            raise ToolError('cannot read network %s: %s' % (
                network_id, common.describe_error(e)))
    return {net: cache[net] for net in network_ids if cache[net]}


class ServerNics:
    """The NICs of one server and which one is the provisioning NIC.

    :param interfaces: Nova's interfaces of the server.
    :param names: {network ID: name} of their networks.
    :param provisioning: the provisioning network ID.
    """

    def __init__(self, server, interfaces, names, provisioning):
        self.server = server
        self.interfaces = interfaces
        self.names = names
        self.provisioning = provisioning

    @property
    def provisioning_interface(self):
        return next(i for i in self.interfaces
                    if i.net_id == self.provisioning)

    def ironic_ports(self, mapping, physical_network=None):
        """The ``ports`` of the server's node, as a nodes file holds them.

        Only the ports that are not PXE enabled say so (Ironic's ports
        are by default), so that a one-NIC node's file stays as it was.

        :param mapping: [openstack]physical_networks.
        :param physical_network: the provisioning port's physical
            network where ``mapping`` gives none (--physical-network).
        """
        specs = nics.ironic_ports(
            [{'mac': i.mac_addr, 'network_id': i.net_id}
             for i in self.interfaces],
            self.provisioning, self.names, mapping, self.server.addresses)
        for spec in specs:
            if spec['pxe_enabled']:
                del spec['pxe_enabled']
                if physical_network and 'physical_network' not in spec:
                    spec['physical_network'] = physical_network
        return specs


def read(conn, server, network_id=None, mapping=None, name_cache=None):
    """The server's NICs; the provisioning one on ``network_id`` if given.

    :param network_id: the provisioning network (--network), or None:
        the server's only network, else its first NIC in Nova's order.
    :param mapping: [openstack]physical_networks (names are read when it
        is set).
    :param name_cache: {network ID: name}, shared between servers.
    :returns: a ServerNics.
    :raises: ToolError when the server has no port on ``network_id``, or
        several networks and no way to tell the first.
    """
    try:
        interfaces = list(conn.compute.server_interfaces(server))
    except sdk_exc.SDKException as e:
        raise ToolError('server %s: cannot list its interfaces: %s' % (
            server.name, common.describe_error(e)))
    networks = sorted({i.net_id for i in interfaces})
    if network_id and network_id not in networks:
        raise ToolError('server %s (%s) has no port on the provisioning '
                        'network %s (--network)' % (
                            server.name, server.id, network_id))
    names = {}
    if len(networks) > 1 or mapping:
        names = network_names(conn, networks,
                              {} if name_cache is None else name_cache)
    provisioning = nics.provisioning_network(
        [{'network_id': net} for net in networks], names, server.addresses,
        chosen=network_id)
    if provisioning is None:
        raise ToolError(
            'server %s (%s) has %d ports (networks %s) and Nova does not '
            'show which NIC is the first: name the provisioning network '
            'with --network' % (server.name, server.id, len(interfaces),
                                ', '.join(networks) or 'none'))
    return ServerNics(server, interfaces, names, provisioning)
