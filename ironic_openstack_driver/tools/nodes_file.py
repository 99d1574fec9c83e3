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

"""nodes-file: the file ``openstack baremetal create`` reads.

Format: python-ironicclient's create_resources, {"nodes": [{"name",
"driver", "driver_info", "properties", "ports": [{"address", ...}]}]}, as
JSON (which YAML parsers read too). The equivalent of OpenStack Virtual
Baremetal's build-nodes-json for the ``openstack`` hardware type.
"""

import json
import os
import re

from openstack import exceptions as sdk_exc

from ironic_openstack_driver.tools import common
from ironic_openstack_driver.tools.common import ToolError
from ironic_openstack_driver.tools import firmware as fw
from ironic_openstack_driver.tools import network_data
from ironic_openstack_driver.tools import server_nics

DRIVER = 'openstack'
DEFAULT_CPU_ARCH = 'x86_64'
VMEDIA_BOOT_INTERFACE = 'openstack-virtual-media'
COLUMNS = ('Node', 'Server ID', 'MAC', 'CPUs', 'RAM MB', 'Disk GB', 'Arch',
           'Boot mode')
# Ironic's node names: host names, plus '.', '_' and '~'.
_NODE_NAME = re.compile(r'^[A-Za-z0-9._~-]+$')


def _get(obj, key):
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(key)
    return getattr(obj, key, None)


def select_servers(conn, refs=(), prefix=None):
    """Servers given by ID/name (--server) and/or name prefix (--prefix)."""
    if not refs and not prefix:
        raise ToolError('name the servers: --server (ID or name, '
                        'repeatable) and/or --prefix')
    servers = {}
    for ref in refs or ():
        try:
            server = conn.compute.find_server(ref, ignore_missing=True)
        except sdk_exc.DuplicateResource:
            raise ToolError('--server %s matches several servers: use the '
                            'server ID' % ref)
        except sdk_exc.SDKException as e:
            raise ToolError('cannot look up server %s (--server): %s'
                            % (ref, common.describe_error(e)))
        if server is None:
            raise ToolError('server %s (--server) not found' % ref)
        servers[server.id] = server
    if prefix:
        pattern = re.compile(r'^%s-\d+$' % re.escape(prefix))
        try:
            listed = list(conn.compute.servers(details=True, name=prefix))
        except sdk_exc.SDKException as e:
            raise ToolError('cannot list servers named %s-N: %s'
                            % (prefix, common.describe_error(e)))
        matched = [s for s in listed if pattern.match(s.name or '')]
        if not matched:
            raise ToolError('no server is named %s-N (--prefix %s)'
                            % (prefix, prefix))
        servers.update((s.id, s) for s in matched)
    return sorted(servers.values(), key=_sort_key)


def _sort_key(server):
    # bm-2 before bm-10.
    parts = re.split(r'(\d+)', server.name or '')
    return [int(p) if p.isdigit() else p for p in parts], server.id


def _flavor(conn, server):
    flavor = server.flavor
    if _get(flavor, 'vcpus') and _get(flavor, 'ram'):
        return flavor
    # Nova before microversion 2.47 only gives the flavor's ID.
    flavor_id = _get(flavor, 'id')
    try:
        return conn.compute.get_flavor(flavor_id)
    except sdk_exc.SDKException as e:
        raise ToolError('server %s: cannot read its flavor %s: %s' % (
            server.name, flavor_id, common.describe_error(e)))


def node_for_server(conn, server, driver_cloud, network_id=None,
                    rescue_image=None, cpu_arch=None, resource_class=None,
                    physical_network=None, image_cache=None, boot='pxe',
                    subnet_cache=None, with_port=True, physical_networks=None,
                    name_cache=None, firmware=None,
                    default_boot_mode=fw.IRONIC_DEFAULT_BOOT_MODE):
    """The create_resources dict of one node.

    Its ``ports``: one per NIC of the server (server_nics.py), only the
    provisioning one PXE enabled, physical_network from
    ``physical_networks``.

    :param boot: 'virtual-media' adds boot_interface
        openstack-virtual-media and the node's network_data from its
        provisioning port.
    :param with_port: False: a node without ports, for a server without a
        provisioning port (one made without a network); its power, boot
        device and console work, it cannot be deployed.
    :param network_id: the provisioning network; None: the server's only
        network, else its first NIC.
    :param physical_network: the provisioning port's physical network
        where ``physical_networks`` names none.
    :param physical_networks: {network ID or name: physical network}
        ([openstack]physical_networks).
    :param name_cache: {network ID: name}, shared between servers.
    :param firmware: --firmware: the server's firmware must be this one.
    :param default_boot_mode: the conductor's [deploy]default_boot_mode:
        the boot_mode capability is written only for a server whose
        firmware is another (firmware.capabilities).
    :raises: ToolError when the server's firmware is not ``firmware``.
    """
    if not _NODE_NAME.match(server.name or ''):
        raise ToolError('server name "%s" (%s) is not a valid Ironic node '
                        'name (letters, digits, - . _ ~)' % (server.name,
                                                             server.id))
    flavor = _flavor(conn, server)
    image = fw.server_image(conn, server,
                            {} if image_cache is None else image_cache)
    mode = fw.check_server(server, image, firmware)
    arch = None
    if image is not None:
        arch = (common.image_property(image, 'hw_architecture')
                or common.image_property(image, 'architecture'))
    driver_info = {'openstack_server': server.id,
                   'openstack_cloud': driver_cloud}
    if rescue_image:
        driver_info['openstack_rescue_image'] = rescue_image
    if with_port:
        nics = server_nics.read(conn, server, network_id,
                                mapping=physical_networks,
                                name_cache=name_cache)
        interface = nics.provisioning_interface
        ports = nics.ironic_ports(physical_networks or {},
                                  physical_network)
    elif boot == 'virtual-media':
        raise ToolError('server %s (%s): a virtual media node needs its '
                        'provisioning port' % (server.name, server.id))
    node = {
        'name': server.name,
        'driver': DRIVER,
        'driver_info': driver_info,
        'properties': {
            'cpus': int(_get(flavor, 'vcpus')),
            'memory_mb': int(_get(flavor, 'ram')),
            'local_gb': int(_get(flavor, 'disk') or 0),
            'cpu_arch': cpu_arch or arch or DEFAULT_CPU_ARCH,
        },
        'ports': ports if with_port else [],
    }
    capabilities = fw.capabilities(mode, default_boot_mode)
    if capabilities:
        node['properties']['capabilities'] = capabilities
    if resource_class:
        node['resource_class'] = resource_class
    if boot == 'virtual-media':
        node['boot_interface'] = VMEDIA_BOOT_INTERFACE
        node['network_data'] = network_data.for_port(
            conn, interface.port_id, interface.mac_addr,
            interface.fixed_ips, subnet_cache)
    return node


def resolve_options(conn, args):
    """--network and --rescue-image as IDs (checked to exist)."""
    network_id = rescue_image = None
    if args.network:
        network_id = common.find_one(conn.network.find_network, 'network',
                                     args.network, '--network').id
    if args.rescue_image:
        rescue_image = common.find_one(conn.image.find_image, 'image',
                                       args.rescue_image,
                                       '--rescue-image').id
    return network_id, rescue_image


def build_nodes(conn, args, report):
    """Node dicts for the servers the arguments select."""
    mapping = server_nics.physical_networks(args.driver_config_file)
    default_mode = fw.conductor_default_boot_mode(args.driver_config_file)
    servers = select_servers(conn, args.server, args.prefix)
    network_id, rescue_image = resolve_options(conn, args)
    names = {}
    cache = {}
    subnets = {}
    nodes = []
    for server in servers:
        report.progress('Reading server %s (%s) ...' % (server.name,
                                                        server.id))
        nodes.append(node_for_server(
            conn, server, args.driver_cloud or args.os_cloud,
            network_id=network_id, rescue_image=rescue_image,
            cpu_arch=args.cpu_arch, resource_class=args.resource_class,
            physical_network=args.physical_network, image_cache=cache,
            boot=args.boot, subnet_cache=subnets,
            physical_networks=mapping, name_cache=names,
            firmware=args.firmware, default_boot_mode=default_mode))
    return nodes


def render(nodes):
    return json.dumps({'nodes': nodes}, indent=2, sort_keys=True) + '\n'


def write(path, text):
    """Write the file unless it already holds the text; True if written."""
    if not path.endswith(('.json', '.yaml')):
        raise ToolError('--output %s: the name must end in .json or .yaml '
                        '(openstack baremetal create reads only those)'
                        % path)
    try:
        with open(path) as f:
            if f.read() == text:
                return False
    except FileNotFoundError:
        pass
    except OSError as e:
        raise ToolError('--output %s: cannot read it: %s' % (path, e))
    tmp = '%s.tmp%d' % (path, os.getpid())
    try:
        with open(tmp, 'w') as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as e:
        raise ToolError('--output %s: cannot write it: %s' % (path, e))
    return True


def summarize(report, nodes, default_boot_mode):
    """A row per node; its boot mode, and "(capability)" when written."""
    for node in nodes:
        props = node['properties']
        caps = props.get('capabilities')
        report.add(node['name'], node['driver_info']['openstack_server'],
                   ', '.join(p['address'] for p in node['ports']),
                   props['cpus'], props['memory_mb'], props['local_gb'],
                   props['cpu_arch'],
                   '%s (capability)' % caps.split(':', 1)[1] if caps
                   else default_boot_mode)


def run(conn, args, report):
    nodes = build_nodes(conn, args, report)
    text = render(nodes)
    summarize(report, nodes,
              fw.conductor_default_boot_mode(args.driver_config_file))
    if args.output in (None, '-'):
        report.table(stream=report.err)
        report.out.write(text)
        return 0
    written = write(args.output, text)
    report.table()
    report.progress('%s %s with %d node(s); next: openstack baremetal '
                    'create %s' % ('Wrote' if written else 'Unchanged:',
                                   args.output, len(nodes), args.output))
    return 0


def add_selection_arguments(p):
    p.add_argument('--server', action='append', metavar='SERVER',
                   help='server ID or name; repeatable')
    p.add_argument('--prefix',
                   help='every server named PREFIX-N (as create-nodes '
                        'names them)')
    p.add_argument('--network',
                   help='provisioning network (name or ID): the port on '
                        'it is the only PXE enabled one (default: the '
                        'server\'s only network, else the network of its '
                        'first NIC as Nova lists them). Every NIC of the '
                        'server becomes an Ironic port')
    p.add_argument('--driver-cloud',
                   help='driver_info openstack_cloud: the host cloud\'s '
                        'entry in the conductor\'s clouds.yaml (default: '
                        'the --os-cloud name)')
    p.add_argument('--rescue-image',
                   help='driver_info openstack_rescue_image (name or ID, '
                        'written as ID); default: the conductor\'s '
                        '[openstack]rescue_image')
    p.add_argument('--cpu-arch',
                   help='properties/cpu_arch (default: the image\'s '
                        'hw_architecture/architecture, else %s)'
                        % DEFAULT_CPU_ARCH)
    p.add_argument('--resource-class',
                   help='the nodes\' resource_class (for Nova on Ironic)')
    p.add_argument('--physical-network',
                   help='physical_network of the provisioning port, '
                        'where --driver-config-file names none for its '
                        'network')
    p.add_argument('--driver-config-file', metavar='PATH',
                   help='a configuration file (the conductor\'s '
                        'ironic.conf) whose [openstack]physical_networks '
                        '("network:physnet,...") gives each port the '
                        'physical_network of its network, as the inspect '
                        'interface does, and whose [deploy]'
                        'default_boot_mode decides which servers need the '
                        'boot_mode capability (see --firmware)')
    p.add_argument('--boot', choices=('pxe', 'virtual-media'),
                   default='pxe',
                   help='"virtual-media": boot_interface '
                        'openstack-virtual-media and network_data from the '
                        'provisioning port (fixed IP, subnet netmask, '
                        'gateway, DNS) (default: %(default)s)')
    fw.add_argument(p, 'the servers\' firmware: refuse a server whose '
                       'image says otherwise (hw_firmware_type; without it '
                       'BIOS, UEFI for aarch64) (default: any, each node '
                       'as its image says). Either way the capability '
                       'boot_mode is written only for a server whose '
                       'firmware is not the conductor\'s [deploy]'
                       'default_boot_mode (uefi unless --driver-config-file '
                       'says otherwise): a node without it takes its '
                       'server\'s firmware')


def add_parser(subparsers):
    p = subparsers.add_parser(
        'nodes-file',
        help='write the nodes file for openstack baremetal create',
        description='Write a file that `openstack baremetal create FILE` '
                    'accepts: one node per server, driver openstack, '
                    'driver_info (openstack_server, openstack_cloud, '
                    'rescue image), properties from the flavor (cpus, '
                    'memory_mb, local_gb), cpu_arch from the image, the '
                    'capability boot_mode:bios for a BIOS server (none for '
                    'UEFI, Ironic\'s default) and a port per NIC. The file '
                    'is rewritten only when its content changes.')
    add_selection_arguments(p)
    p.add_argument('-o', '--output', default='-',
                   help='file to write, ending in .json or .yaml '
                        '(default: stdout)')
    p.set_defaults(func=run, columns=COLUMNS, needs=('cloud',))
    return p
