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

"""Several NICs and physical networks, through the lab's real services.

create-nodes with two networks (the lab's NIC_NETWORKS: the first is the
provisioning one, both made by --create-network as the normal user, as a
project member would), then enroll (from the servers, with the physical
networks read from a configuration file) and enroll --inspect (Ironic's
inspect interface openstack, with the lab Ironic's own
[openstack]physical_networks): each node gets an Ironic port per NIC,
only the first PXE enabled, each on its network's physical network. And
--allowed-address-pair on a network with port security (a subnet), the
seed's virtual IPs.
"""

import uuid

import pytest

from tests.e2e.test_tools import Tool

VIP = '10.250.8.100/32'


@pytest.fixture(scope='module')
def prefix():
    return 'ion-nics-%s' % uuid.uuid4().hex[:6]


@pytest.fixture(scope='module')
def tool(lab):
    return Tool(lab)


@pytest.fixture(scope='module')
def networks(lab, lab_cloud, lab_admin_cloud, prefix):
    """The two networks' names; everything made is deleted afterwards."""
    nets = list(lab['nic_networks'])
    yield nets
    left = []
    bm = lab_admin_cloud.baremetal
    for node in bm.nodes(details=True):
        if (node.name or '').startswith(prefix):
            try:
                bm.set_node_maintenance(node, reason='e2e cleanup')
                bm.delete_node(node)
            except Exception as e:      # keep cleaning the rest
                left.append('node %s: %s' % (node.name, e))
    compute, network = lab_cloud.compute, lab_cloud.network
    for server in compute.servers(name=prefix):
        try:
            compute.delete_server(server)
            compute.wait_for_delete(server, wait=120)
        except Exception as e:
            left.append('server %s: %s' % (server.name, e))
    names = set(nets) | {prefix + '-vip'}
    ids = {n.id for n in network.networks() if n.name in names}
    for port in network.ports():
        if port.network_id in ids or (port.name or '').startswith(prefix):
            try:
                network.delete_port(port)
            except Exception as e:
                left.append('port %s: %s' % (port.name, e))
    for net_id in ids:
        try:
            network.delete_network(net_id)
        except Exception as e:
            left.append('network %s: %s' % (net_id, e))
    if left:
        print('e2e cleanup of %s left: %s' % (prefix, '; '.join(left)))


def _create(tool, lab, name, networks, *extra):
    args = ['create-nodes', '--count', '1', '--prefix', name,
            '--flavor', lab['flavor'], '--image', lab['disk_image'],
            '--create-network']
    for net in networks:
        args += ['--network', net]
    return tool.run(*(args + list(extra)))


def _nics(lab_cloud, server_name):
    """{network name: Neutron port} of the server, and the server."""
    server = lab_cloud.compute.find_server(server_name, ignore_missing=False)
    names = {n.id: n.name for n in lab_cloud.network.networks()}
    return {names[p.network_id]: p for p in
            lab_cloud.network.ports(device_id=server.id)}, server


def _ironic_ports(bm, node_name):
    node = bm.find_node(node_name, ignore_missing=False)
    return {p.address: (p.is_pxe_enabled, p.physical_network)
            for p in bm.ports(node_id=node.id, details=True)}


def _expected(lab, nics, networks):
    physnets = lab['physical_networks']
    return {nics[net].mac_address: (i == 0, physnets[net])
            for i, net in enumerate(networks)}


def test_two_networks_give_two_ports_and_enroll_maps_them(
        lab, tool, lab_cloud, lab_admin_cloud, networks, prefix, tmp_path):
    physnets = lab['physical_networks']
    name = prefix + '-a'
    created = _create(tool, lab, name, ['%s:%s' % (n, physnets[n])
                                        for n in networks])
    assert ('[openstack]physical_networks = %s' % ','.join(
        '%s:%s' % (n, physnets[n]) for n in networks)) in created.stderr
    nics, server = _nics(lab_cloud, name + '-0')
    assert sorted(nics) == sorted(networks)
    # Nova's NIC order, which tells the provisioning NIC: a network
    # whose port has no IP is listed too.
    assert list(server.addresses) == networks
    for port in nics.values():
        assert not port.mac_address.startswith('fa:'), port.mac_address
        assert port.fixed_ips == []
    assert nics[networks[1]].name == '%s-0-%s' % (name, networks[1])

    conf = tmp_path / 'ironic.conf'
    conf.write_text('[openstack]\nphysical_networks = %s\n' % ','.join(
        '%s:%s' % item for item in physnets.items()))
    first = tool.run('enroll', '--ironic-cloud', lab['admin_cloud'],
                     '--prefix', name, '--driver-config-file', str(conf))
    assert '| created ' in first.stdout
    bm = lab_admin_cloud.baremetal
    assert _ironic_ports(bm, name + '-0') == _expected(lab, nics, networks)

    again = _create(tool, lab, name, networks)
    assert '| exists ' in again.stdout and 'Creating' not in again.stderr
    second = tool.run('enroll', '--ironic-cloud', lab['admin_cloud'],
                      '--prefix', name, '--driver-config-file', str(conf))
    assert '| exists ' in second.stdout
    assert _nics(lab_cloud, name + '-0')[0].keys() == nics.keys()
    assert _ironic_ports(bm, name + '-0') == _expected(lab, nics, networks)


def test_inspection_creates_both_ports_from_ironics_own_map(
        lab, tool, lab_cloud, lab_admin_cloud, networks, prefix):
    name = prefix + '-b'
    _create(tool, lab, name, networks)
    nics, _server = _nics(lab_cloud, name + '-0')
    result = tool.run('enroll', '--ironic-cloud', lab['admin_cloud'],
                      '--prefix', name, '--inspect')
    assert 'created, now manageable' in result.stdout
    bm = lab_admin_cloud.baremetal
    assert bm.find_node(name + '-0').provision_state == 'manageable'
    assert _ironic_ports(bm, name + '-0') == _expected(lab, nics, networks)


def test_allowed_address_pair_on_a_network_with_port_security(
        lab, tool, lab_cloud, networks, prefix):
    vip = lab_cloud.network.create_network(name=prefix + '-vip')
    lab_cloud.network.create_subnet(
        name=prefix + '-vip', network_id=vip.id, ip_version=4,
        cidr='10.250.8.0/24', gateway_ip=None, enable_dhcp=False)
    name = prefix + '-c'
    _create(tool, lab, name, [networks[0], vip.id],
            '--allowed-address-pair', VIP)
    nics, server = _nics(lab_cloud, name + '-0')
    port = nics[vip.name]
    assert port.is_port_security_enabled is True
    assert [p['ip_address'] for p in port.allowed_address_pairs] in (
        [VIP], [VIP.split('/')[0]])
    assert port.fixed_ips and port.fixed_ips[0]['ip_address'].startswith(
        '10.250.8.')
    assert nics[networks[0]].allowed_address_pairs == []
    assert server.status == 'SHUTOFF'
