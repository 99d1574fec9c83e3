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

"""Inspect interface: a node's hardware from Nova, Glance and Neutron.

Out of band, like Ironic's redfish inspection: no agent boot and no server
action, only reads. The flavor gives ``cpus``, ``memory_mb`` and the root
disk, the image ``cpu_arch`` (``hw_architecture``) and the boot mode, the
server's Neutron ports the NICs (an Ironic port each, PXE enabled only on
the provisioning one, physical_network from [openstack]physical_networks:
nics.py). ``local_gb`` follows Ironic's convention
(the redfish and agent inspections): one GiB less than the root disk, as
headroom for the partition table. The inventory and plugin data are stored
the way the redfish interface stores them (``openstack baremetal node
inventory save``), and Ironic's inspection rules run on them.
"""

from oslo_log import log
from oslo_utils import units

from ironic.common import exception
from ironic.common.inspection_rules import engine
from ironic.common import states
from ironic.common import utils
from ironic.drivers import base
from ironic.drivers.modules import inspect_utils
from ironic.drivers import utils as drivers_utils
from ironic import objects

from ironic_openstack_driver import conf
from ironic_openstack_driver.conf import CONF
from ironic_openstack_driver import driver_info as os_info
from ironic_openstack_driver import nics as nics_mod
from ironic_openstack_driver import node_access
from ironic_openstack_driver import server_reads

LOG = log.getLogger(__name__)


def local_gb(root_gb):
    """Ironic's local_gb for a root disk of root_gb GiB (1 GiB headroom)."""
    return max(0, int(root_gb) - 1)


def _root_disk_gb(client, server, flavor, image):
    """Size of the root disk in GiB, and where it came from."""
    if not (server.image or {}).get('id'):
        return server_reads.root_volume_gb(client, server) or 0, 'volume'
    if flavor['disk']:
        return flavor['disk'], 'flavor'
    # Flavor disk 0: Nova sizes the root disk to the image.
    if image is not None and image.virtual_size:
        return -(-image.virtual_size // units.Gi), 'image'
    return 0, 'unknown'


def _interfaces(ports):
    interfaces = []
    for port in ports:
        iface = {'name': port['name'] or port['id'],
                 'mac_address': utils.normalize_mac(port['mac_address']),
                 'has_carrier': True}
        for fixed in port['fixed_ips']:
            address = fixed.get('ip_address') or ''
            key = 'ipv6_address' if ':' in address else 'ipv4_address'
            iface.setdefault(key, address)
        interfaces.append(iface)
    return interfaces


def _physical_networks():
    """[openstack]physical_networks, or InvalidParameterValue naming it."""
    try:
        return conf.physical_networks()
    except ValueError as e:
        raise exception.InvalidParameterValue(str(e))


def create_ports(task, ports, names, addresses):
    """An Ironic port per Neutron port whose MAC the node lacks.

    Only the port of the provisioning NIC (nics.provisioning_network: the
    server's first NIC in Nova's order) is PXE enabled; physical_network
    comes from [openstack]physical_networks. Ports the node has keep their
    settings; a MAC that belongs to another node is left alone with a
    warning.

    :param ports: the server's Neutron ports (server_reads.server_ports).
    :param names: {network ID: name} of their networks.
    :param addresses: the server's ``addresses`` (Nova's NIC order).
    """
    node = task.node
    nics = [{'mac': utils.normalize_mac(p['mac_address']),
             'network_id': p['network_id'], 'id': p['id']} for p in ports]
    provisioning = nics_mod.provisioning_network(nics, names, addresses)
    if provisioning is None and len(nics) > 1:
        LOG.warning('Node %(node)s: cannot tell which of its server\'s '
                    '%(count)d NICs is the provisioning one (Nova shows '
                    'the networks %(order)s first): every port created is '
                    'PXE enabled', {'node': node.uuid, 'count': len(nics),
                                    'order': nics_mod.nic_order(addresses)})
    specs = nics_mod.ironic_ports(nics, provisioning, names,
                                  _physical_networks(), addresses)
    port_ids = {nic['mac']: nic['id'] for nic in nics}
    known = {port.address for port in
             objects.Port.list_by_node_id(task.context, node.id)}
    for spec in specs:
        mac = spec['address']
        if mac in known:
            continue
        values = dict(spec, node_id=node.id,
                      extra={'openstack_port_id': port_ids[mac]})
        try:
            objects.Port(task.context, **values).create()
        except exception.MACAlreadyExists:
            LOG.warning('Node %(node)s: not creating a port for MAC '
                        '%(mac)s of Neutron port %(port)s: another node '
                        'has it', {'node': node.uuid, 'mac': mac,
                                   'port': port_ids[mac]})
            continue
        known.add(mac)
        LOG.info('Node %(node)s: port created for MAC %(mac)s (Neutron '
                 'port %(port)s, PXE %(pxe)s, physical network '
                 '%(physnet)s)',
                 {'node': node.uuid, 'mac': mac, 'port': port_ids[mac],
                  'pxe': spec['pxe_enabled'],
                  'physnet': spec.get('physical_network')})


class OpenStackInspect(base.InspectInterface):
    """Out-of-band inspection from the host cloud's APIs."""

    def __init__(self):
        """Check [openstack]physical_networks when the conductor starts.

        :raises: DriverLoadError naming the option when an entry is
            malformed.
        """
        super().__init__()
        try:
            conf.physical_networks()
        except ValueError as e:
            raise exception.DriverLoadError(driver='openstack',
                                            reason=str(e))

    def get_properties(self):
        return os_info.COMMON_PROPERTIES.copy()

    def validate(self, task):
        """Check driver_info without talking to the cloud."""
        os_info.parse_driver_info(task.node)

    def inspect_hardware(self, task):
        """Fill properties, ports and inventory from the host cloud.

        :param task: a TaskManager instance with an exclusive lock.
        :returns: states.MANAGEABLE.
        :raises: HardwareInspectionFailure when Nova shows no flavor
            figures; DriverOperationError when the cloud cannot be read.
        """
        node = task.node
        client = node_access.node_client(task)
        server = client.get_server()
        flavor = server_reads.server_flavor(client, server)
        image = server_reads.server_image(client, server)
        ports = server_reads.server_ports(client, server.id)
        # The names tell Nova's NIC order (addresses are by network name)
        # and match [openstack]physical_networks entries by name.
        names = (server_reads.network_names(
            client, [p['network_id'] for p in ports])
            if len(ports) > 1 or _physical_networks() else {})
        boot_mode = task.driver.management.get_boot_mode(task)

        arch = None
        if image is not None:
            arch = (image.properties or {}).get('hw_architecture')
        arch_source = 'image' if arch else 'default'
        arch = arch or CONF.openstack.default_cpu_arch
        root_gb, root_source = _root_disk_gb(client, server, flavor, image)

        props = dict(node.properties)
        props.update(cpus=flavor['vcpus'], memory_mb=flavor['ram'],
                     local_gb=local_gb(root_gb), cpu_arch=arch)
        if not drivers_utils.get_node_capability(node, 'boot_mode'):
            props['capabilities'] = utils.get_updated_capabilities(
                props.get('capabilities', ''), {'boot_mode': boot_mode})

        inventory = {
            'cpu': {'count': flavor['vcpus'], 'architecture': arch},
            'memory': {'physical_mb': flavor['ram'],
                       'total': flavor['ram'] * units.Mi},
            'disks': [{'name': server.root_device_name or '/dev/vda',
                       'size': root_gb * units.Gi, 'rotational': False}]
            if root_gb else [],
            'interfaces': _interfaces(ports),
            'boot': {'current_boot_mode': boot_mode},
            'system_vendor': {'manufacturer': 'OpenStack Nova',
                              'product_name': flavor['name'],
                              'serial_number': server.id},
        }
        plugin_data = {'openstack': {
            'server': server.id, 'flavor': flavor['name'],
            'image': image.id if image is not None else None,
            'cpu_arch_source': arch_source, 'root_disk_source': root_source,
            'ports': [{'id': p['id'], 'mac_address': p['mac_address'],
                       'network_id': p['network_id']} for p in ports]}}

        node.properties = props
        node.save()
        create_ports(task, ports, names, server.addresses)
        inspect_utils.store_inspection_data(node, inventory, plugin_data,
                                            task.context)
        engine.apply_rules(task, inventory, plugin_data, 'main')
        LOG.info('Node %(node)s: inspected from the host cloud: %(cpus)s '
                 'CPUs, %(mem)s MiB, local_gb %(gb)s (root disk from '
                 '%(src)s), %(arch)s (%(arch_src)s), %(mode)s, %(ports)d '
                 'Neutron port(s)', {
                     'node': node.uuid, 'cpus': flavor['vcpus'],
                     'mem': flavor['ram'], 'gb': props['local_gb'],
                     'src': root_source, 'arch': arch,
                     'arch_src': arch_source, 'mode': boot_mode,
                     'ports': len(ports)})
        if not root_gb:
            LOG.warning('Node %s: the size of its root disk is unknown; '
                        'local_gb is 0', node.uuid)
        return states.MANAGEABLE
