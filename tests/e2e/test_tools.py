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

"""The ironic-openstack-nodes tool against the lab's real services.

Runs the installed console script as a user would (README / pool guide):
rescue-image, create-nodes (3 servers), nodes-file, then
``openstack baremetal create`` of the written file into the lab's Ironic,
bind (each server marked for its node) and a power-on of every node; then
re-runs every subcommand and checks that nothing changed. Resource names
carry a unique prefix: the lab is shared.
"""

import json
import os
import subprocess
import sys
import uuid

import pytest

from tests.e2e import cli

COUNT = 3


def _tool():
    exe = os.path.join(os.path.dirname(sys.executable),
                       'ironic-openstack-nodes')
    if not os.path.exists(exe):
        pytest.fail('console script %s is missing: pip install -e the '
                    'repository' % exe, pytrace=False)
    return exe


class Tool:
    """The console script, run with the lab's clouds.yaml."""

    def __init__(self, lab):
        self.exe = _tool()
        self.lab = lab
        self.env = dict(os.environ, OS_CLIENT_CONFIG_FILE=lab['clouds_yaml'])
        self.env.pop('OS_CLOUD', None)

    def run(self, *args, check=True):
        argv = [self.exe, '--os-cloud', self.lab['cloud']] + list(args)
        result = subprocess.run(argv, env=self.env, capture_output=True,
                                text=True, timeout=900)
        if check and result.returncode != 0:
            raise cli.CommandFailed(argv, result)
        return result


@pytest.fixture(scope='module')
def prefix():
    return 'ion-e2e-%s' % uuid.uuid4().hex[:6]


@pytest.fixture(scope='module')
def tool(lab):
    return Tool(lab)


@pytest.fixture(scope='module')
def baremetal(lab):
    return cli.OpenStackCLI(lab['clouds_yaml'], lab['admin_cloud'])


@pytest.fixture(scope='module')
def cleanup(lab, lab_cloud, lab_admin_cloud, prefix):
    """Delete whatever the module made (nodes, servers, ports, net, images).

    Best effort: every step runs even when one fails (the shared lab may be
    restarted under us), and what is left is printed.
    """
    yield
    left = []

    def attempt(what, func, *args, **kwargs):
        try:
            func(*args, **kwargs)
        except Exception as e:      # keep cleaning the rest
            left.append('%s: %s' % (what, e))

    def listed(what, func, **kwargs):
        try:
            return [item for item in func(**kwargs)
                    if (item.name or '').startswith(prefix)]
        except Exception as e:
            left.append('listing %s: %s' % (what, e))
            return []

    bm = lab_admin_cloud.baremetal
    for node in listed('nodes', bm.nodes, details=True):
        attempt('node %s' % node.name, bm.set_node_maintenance, node,
                reason='e2e cleanup')
        attempt('node %s' % node.name, bm.delete_node, node)
    compute, network = lab_cloud.compute, lab_cloud.network
    for server in listed('servers', compute.servers, name=prefix):
        attempt('server %s' % server.name, compute.delete_server, server)
        attempt('server %s' % server.name, compute.wait_for_delete, server,
                wait=120)
    for port in listed('ports', network.ports):
        attempt('port %s' % port.name, network.delete_port, port)
    for net in listed('networks', network.networks):
        attempt('network %s' % net.name, network.delete_network, net)
    for image in listed('images', lab_cloud.image.images):
        attempt('image %s' % image.name, lab_cloud.image.delete_image,
                image)
    if left:
        print('e2e cleanup of %s left: %s' % (prefix, '; '.join(left)))


@pytest.fixture(scope='module')
def pool(lab, tool, prefix, cleanup, tmp_path_factory):
    """The first pass of the guide's steps; returns what they printed."""
    rescue = tool.run('rescue-image', '--name', prefix + '-rescue')
    image_id = rescue.stdout.strip()
    nodes = tool.run('create-nodes', '--count', str(COUNT),
                     '--prefix', prefix, '--flavor', lab['flavor'],
                     '--image', lab['disk_image'],
                     '--network', prefix + '-prov', '--create-network')
    path = str(tmp_path_factory.mktemp('pool') / 'nodes.json')
    # No --rescue-image: a node may name only the rescue images the
    # operator allows ([openstack]allowed_rescue_images), and the lab's
    # Ironic allows its own.
    nodes_file = tool.run('nodes-file', '--prefix', prefix,
                          '--network', prefix + '-prov', '-o', path)
    return {'image_id': image_id, 'rescue': rescue, 'create': nodes,
            'nodes_file': nodes_file, 'path': path}


def _servers(conn, prefix):
    return sorted((s for s in conn.compute.servers(name=prefix)
                   if s.name.startswith(prefix + '-')), key=lambda s: s.name)


def _names(prefix):
    return ['%s-%d' % (prefix, i) for i in range(COUNT)]


def test_rescue_image_is_active_with_stable_rescue_properties(
        pool, lab_cloud):
    image = lab_cloud.image.get_image(pool['image_id'])
    assert image.status == 'active'
    assert image.disk_format == 'iso'
    props = dict(image.properties, os_shutdown_timeout=str(
        image.os_shutdown_timeout))
    assert {k: props.get(k) for k in (
        'hw_rescue_device', 'hw_rescue_bus', 'os_shutdown_timeout',
        'hw_firmware_type')} == {
        'hw_rescue_device': 'cdrom', 'hw_rescue_bus': 'sata',
        'os_shutdown_timeout': '5', 'hw_firmware_type': 'bios'}


def test_servers_are_off_on_no_ip_ports_without_port_security(
        pool, lab_cloud, prefix):
    servers = _servers(lab_cloud, prefix)
    assert [s.name for s in servers] == _names(prefix)
    assert {s.status for s in servers} == {'SHUTOFF'}
    net = lab_cloud.network.find_network(prefix + '-prov')
    for server in servers:
        (port,) = lab_cloud.network.ports(device_id=server.id,
                                          network_id=net.id)
        assert port.is_port_security_enabled is False
        assert port.fixed_ips == []
        assert port.mac_address in pool['create'].stdout
    assert pool['create'].stdout.count('created') == COUNT


def test_nodes_file_enrolls_with_openstack_baremetal_create_and_powers_on(
        pool, tool, lab, baremetal, lab_cloud, prefix):
    with open(pool['path']) as f:
        data = json.load(f)
    assert [n['name'] for n in data['nodes']] == _names(prefix)
    node = data['nodes'][0]
    assert node['driver'] == 'openstack'
    assert 'openstack_rescue_image' not in node['driver_info']
    assert node['properties']['capabilities'] == 'boot_mode:bios'

    baremetal.run('baremetal', 'create', pool['path'])
    bind = tool.run('bind', '--ironic-cloud', lab['admin_cloud'],
                    *[arg for name in _names(prefix)
                      for arg in ('--node', name)])
    assert bind.stdout.count('| marked ') == COUNT
    for server in _servers(lab_cloud, prefix):
        node = baremetal.node(server.name)
        assert server.metadata == {'ironic_node_uuid': node['uuid']}
    for name in _names(prefix):
        baremetal.run('baremetal', 'node', 'power', 'on', name)
    for name in _names(prefix):
        shown = baremetal.wait_power(name, 'power on')
        assert shown['power_state'] == 'power on', shown['last_error']
        ports = baremetal.json('baremetal', 'port', 'list', '--node', name)
        assert len(ports) == 1
    assert {s.status for s in _servers(lab_cloud, prefix)} == {'ACTIVE'}


def _state(lab_cloud, lab_admin_cloud, prefix):
    """Everything the tool could have changed, comparable."""
    servers = [(s.id, s.name, s.status, s.updated_at)
               for s in _servers(lab_cloud, prefix)]
    ports = sorted((p.id, p.name, p.mac_address, p.device_id)
                   for p in lab_cloud.network.ports()
                   if (p.name or '').startswith(prefix))
    images = sorted((i.id, i.updated_at)
                    for i in lab_cloud.image.images()
                    if (i.name or '').startswith(prefix))
    nodes = sorted((n.id, n.name, n.provision_state, n.power_state,
                    n.updated_at)
                   for n in lab_admin_cloud.baremetal.nodes(details=True)
                   if (n.name or '').startswith(prefix))
    bm_ports = sorted((p.address, p.node_id)
                      for p in lab_admin_cloud.baremetal.ports(details=True)
                      if p.node_id in {n[0] for n in nodes})
    return servers, ports, images, nodes, bm_ports


def test_rerunning_every_subcommand_changes_nothing(
        pool, tool, lab, lab_cloud, lab_admin_cloud, prefix):
    before = _state(lab_cloud, lab_admin_cloud, prefix)
    assert len(before[3]) == COUNT, 'run the enrollment test first'
    with open(pool['path']) as f:
        content = f.read()

    rescue = tool.run('rescue-image', '--name', prefix + '-rescue')
    assert rescue.stdout.strip() == pool['image_id']
    assert '| exists ' in rescue.stderr
    create = tool.run('create-nodes', '--count', str(COUNT),
                      '--prefix', prefix, '--flavor', lab['flavor'],
                      '--image', lab['disk_image'],
                      '--network', prefix + '-prov', '--create-network')
    assert create.stdout.count('exists') == COUNT
    assert 'Creating' not in create.stderr and 'Stopping' not in create.stderr
    nodes_file = tool.run('nodes-file', '--prefix', prefix,
                          '--network', prefix + '-prov', '-o', pool['path'])
    assert 'Unchanged' in nodes_file.stderr
    enroll = tool.run('enroll', '--ironic-cloud', lab['admin_cloud'],
                      '--file', pool['path'])
    assert enroll.stdout.count('exists') == COUNT

    with open(pool['path']) as f:
        assert f.read() == content
    assert _state(lab_cloud, lab_admin_cloud, prefix) == before


def test_enroll_creates_ports_and_provides_idempotently(
        tool, lab, lab_admin_cloud, prefix, cleanup):
    other = prefix + '-en'
    tool.run('create-nodes', '--count', '1', '--prefix', other,
             '--flavor', lab['flavor'], '--image', lab['disk_image'],
             '--network', prefix + '-prov', '--create-network')
    first = tool.run('enroll', '--ironic-cloud', lab['admin_cloud'],
                     '--prefix', other, '--provide')
    assert 'created, now available' in first.stdout
    node = lab_admin_cloud.baremetal.find_node(other + '-0')
    assert node.provision_state == 'available'
    assert node.driver == 'openstack'
    second = tool.run('enroll', '--ironic-cloud', lab['admin_cloud'],
                      '--prefix', other, '--provide')
    assert '| exists ' in second.stdout
    assert lab_admin_cloud.baremetal.get_node(node.id).updated_at == \
        node.updated_at


def test_uefi_rescue_image_and_failures_name_the_resource(
        tool, lab_cloud, prefix, cleanup):
    uefi = tool.run('rescue-image', '--uefi', '--name', prefix + '-uefi')
    image = lab_cloud.image.get_image(uefi.stdout.strip())
    assert image.properties['hw_firmware_type'] == 'uefi'
    assert image.hw_machine_type == 'q35'

    missing = tool.run('nodes-file', '--server', prefix + '-nope',
                       check=False)
    assert missing.returncode == 1
    assert 'server %s-nope (--server) not found' % prefix in missing.stderr
    bad_flavor = tool.run('create-nodes', '--count', '1', '--prefix',
                          prefix + '-bad', '--flavor', 'no-such-flavor',
                          '--image', prefix + '-uefi', '--network',
                          prefix + '-prov', check=False)
    assert bad_flavor.returncode == 1
    assert 'flavor "no-such-flavor" (--flavor) not found' in \
        bad_flavor.stderr


def test_firmware_uefi_servers_are_enrolled_without_boot_mode(
        tool, lab, lab_cloud, lab_admin_cloud, prefix, cleanup):
    # Ironic's default boot mode is UEFI: a UEFI server's node carries no
    # boot_mode capability and takes the server's firmware (verify caches
    # the management interface's get_boot_mode as the node's boot_mode).
    other = prefix + '-efi'
    tool.run('rescue-image', '--uefi', '--name', prefix + '-uefi')
    refused = tool.run('create-nodes', '--count', '1', '--prefix', other,
                       '--flavor', lab['flavor'], '--image',
                       lab['disk_image'], '--network', prefix + '-efinet',
                       '--create-network', '--firmware', 'uefi',
                       check=False)
    assert refused.returncode == 1
    assert 'boots with bios firmware' in refused.stderr
    assert 'not uefi (--firmware uefi)' in refused.stderr
    assert not list(lab_cloud.compute.servers(name=other))
    tool.run('create-nodes', '--count', '1', '--prefix', other,
             '--flavor', lab['flavor'], '--image', prefix + '-uefi',
             '--network', prefix + '-efinet', '--create-network',
             '--firmware', 'uefi')
    wrong = tool.run('nodes-file', '--prefix', other, '--firmware', 'bios',
                     check=False)
    assert wrong.returncode == 1
    assert 'boots with uefi firmware' in wrong.stderr
    tool.run('enroll', '--ironic-cloud', lab['admin_cloud'], '--prefix',
             other, '--firmware', 'uefi', '--manage')
    node = lab_admin_cloud.baremetal.find_node(other + '-0',
                                               ignore_missing=False)
    print('node %s: provision_state %s, boot_mode %s, properties %s' % (
        node.name, node.provision_state, node.boot_mode, node.properties))
    assert 'capabilities' not in node.properties
    assert node.provision_state == 'manageable'
    assert node.boot_mode == 'uefi'


def test_enroll_inspect_lets_ironic_fill_ports_and_properties(
        tool, lab, lab_cloud, lab_admin_cloud, prefix, cleanup):
    other = prefix + '-in'
    tool.run('create-nodes', '--count', '1', '--prefix', other,
             '--flavor', lab['flavor'], '--image', lab['disk_image'],
             '--network', prefix + '-prov', '--create-network')
    first = tool.run('enroll', '--ironic-cloud', lab['admin_cloud'],
                     '--prefix', other, '--inspect')
    assert 'created, now manageable' in first.stdout
    bm = lab_admin_cloud.baremetal
    node = bm.find_node(other + '-0')
    assert node.inspect_interface == 'openstack'
    assert node.provision_state == 'manageable'
    flavor = lab_cloud.compute.find_flavor(lab['flavor'],
                                           ignore_missing=False)
    assert (node.properties['cpus'], node.properties['memory_mb']) == (
        flavor.vcpus, flavor.ram)
    server = lab_cloud.compute.find_server(other + '-0',
                                           ignore_missing=False)
    neutron = sorted(p.mac_address
                     for p in lab_cloud.network.ports(device_id=server.id))
    assert sorted(p.address for p in bm.ports(node_id=node.id)) == neutron
    second = tool.run('enroll', '--ironic-cloud', lab['admin_cloud'],
                      '--prefix', other, '--inspect')
    assert '| exists ' in second.stdout
    assert bm.get_node(node.id).updated_at == node.updated_at


def test_nodes_file_for_virtual_media_writes_boot_mode_and_network_data(
        tool, lab, lab_cloud, prefix, cleanup, tmp_path):
    # What enroll --boot virtual-media creates, read from the same file
    # (the fast lab's Ironic does not enable openstack-virtual-media). The
    # boot_mode capability is what a node enrolled by hand lacks.
    other = prefix + '-vm'
    net = lab_cloud.network.create_network(name=other + '-net')
    lab_cloud.network.create_subnet(
        name=other + '-subnet', network_id=net.id, ip_version=4,
        cidr='10.250.7.0/24', gateway_ip='10.250.7.1', enable_dhcp=False)
    tool.run('create-nodes', '--count', '1', '--prefix', other,
             '--flavor', lab['flavor'], '--image', lab['disk_image'],
             '--network', net.id, '--boot', 'virtual-media')
    path = str(tmp_path / 'vmedia-nodes.json')
    tool.run('nodes-file', '--prefix', other, '--network', net.id,
             '--boot', 'virtual-media', '-o', path)
    with open(path) as f:
        (node,) = json.load(f)['nodes']
    server = lab_cloud.compute.find_server(other + '-0',
                                           ignore_missing=False)
    (port,) = lab_cloud.network.ports(device_id=server.id,
                                      network_id=net.id)
    assert port.is_port_security_enabled is True
    assert node['boot_interface'] == 'openstack-virtual-media'
    assert node['properties']['capabilities'] == 'boot_mode:bios'
    assert node['ports'] == [{'address': port.mac_address}]
    data = node['network_data']
    assert data['links'][0]['ethernet_mac_address'] == port.mac_address
    (network,) = data['networks']
    assert (network['type'], network['ip_address'], network['netmask'],
            network['routes']) == (
        'ipv4', port.fixed_ips[0]['ip_address'], '255.255.255.0',
        [{'network': '0.0.0.0', 'netmask': '0.0.0.0',
          'gateway': '10.250.7.1'}])
