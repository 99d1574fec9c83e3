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

"""The tool chain and the driver with a plain project member's credentials.

The lab's clouds.yaml entry ``lab`` is user ``demo`` with only the
``member`` role in project ``demo`` (lab/labkit/provision.py), and the
lab Ironic's [openstack]cloud is ``lab``. First the proof that its token
carries no other role (so that the rest cannot silently run as an
admin); then rescue-image, create-nodes, nodes-file and enroll with
``--os-cloud lab`` (Ironic's own API with its admin, ``--ironic-cloud``:
that is Ironic's operator, not the host cloud), and the driver's power
and boot device actions, each Nova action checked to be the member's in
Nova's action log; then what Neutron refuses a member on an admin's
shared network (port security off on a port): the tool's error names the
rule and what to ask for, and nothing is left; and the alternative it
names, virtual media, works there.
"""

import json
import uuid

import pytest

from tests.e2e import cli
from tests.e2e.test_tools import cleanup  # noqa: F401 (a fixture)
from tests.e2e.test_tools import Tool

MEMBER_ROLES = {'member', 'reader'}     # reader: implied by member


@pytest.fixture(scope='module')
def prefix():
    return 'ion-mbr-%s' % uuid.uuid4().hex[:6]


@pytest.fixture(scope='module')
def tool(lab):
    return Tool(lab)


@pytest.fixture(scope='module')
def baremetal(lab):
    """Ironic's API as Ironic's admin (the operator of Ironic)."""
    return cli.OpenStackCLI(lab['clouds_yaml'], lab['admin_cloud'])


def _roles(conn):
    """The role names of the connection's Keystone token."""
    return set(conn.session.auth.get_access(conn.session).role_names)


def test_lab_cloud_token_carries_only_the_member_role(
        lab, lab_cloud, lab_project_admin_cloud):
    roles = _roles(lab_cloud)
    print('token roles of cloud %s: %s' % (lab['cloud'], sorted(roles)))
    assert 'member' in roles
    assert roles <= MEMBER_ROLES, roles
    # The check tells an admin apart.
    assert 'admin' in _roles(lab_project_admin_cloud)
    assert lab_cloud.current_project_id != \
        lab_project_admin_cloud.current_project_id


@pytest.fixture(scope='module')
def chain(lab, tool, prefix, cleanup, tmp_path_factory):  # noqa: F811
    """rescue-image, create-nodes, nodes-file, enroll, all as the member."""
    rescue = tool.run('rescue-image', '--name', prefix + '-rescue')
    tool.run('create-nodes', '--count', '1', '--prefix', prefix,
             '--flavor', lab['flavor'], '--image', lab['disk_image'],
             '--network', prefix + '-prov', '--create-network')
    path = str(tmp_path_factory.mktemp('member') / 'nodes.json')
    tool.run('nodes-file', '--prefix', prefix, '--network',
             prefix + '-prov', '-o', path)
    enroll = tool.run('enroll', '--ironic-cloud', lab['admin_cloud'],
                      '--file', path, '--manage')
    return {'image_id': rescue.stdout.strip(), 'path': path,
            'enroll': enroll}


def test_tool_chain_makes_everything_as_the_member(
        chain, lab, lab_cloud, prefix):
    project = lab_cloud.current_project_id
    user = lab_cloud.current_user_id
    image = lab_cloud.image.get_image(chain['image_id'])
    # Glance gives a new image 'shared' visibility by default (images API
    # 2.5 and later): the member's own, not public nor community.
    assert (image.status, image.owner) == ('active', project)
    assert image.visibility in ('shared', 'private'), image.visibility
    server = lab_cloud.compute.find_server(prefix + '-0',
                                           ignore_missing=False)
    assert (server.project_id, server.user_id) == (project, user)
    net = lab_cloud.network.find_network(prefix + '-prov')
    assert net.project_id == project
    (port,) = lab_cloud.network.ports(device_id=server.id)
    assert port.project_id == project
    assert port.is_port_security_enabled is False
    with open(chain['path']) as f:
        (node,) = json.load(f)['nodes']
    assert node['driver_info']['openstack_cloud'] == lab['cloud']
    assert 'created, now manageable' in chain['enroll'].stdout


def _power(baremetal, node, *args, expected):
    baremetal.run('baremetal', 'node', *args, node)
    shown = baremetal.wait_power(node, expected)
    assert shown['last_error'] is None, shown['last_error']


def _in_order(wanted, actions):
    """Whether ``wanted`` occur in ``actions`` in this order."""
    rest = iter(actions)
    return all(action in rest for action in wanted)


def test_driver_actions_run_as_the_member(chain, baremetal, lab_cloud,
                                          prefix):
    name = prefix + '-0'
    server = lab_cloud.compute.find_server(name, ignore_missing=False)
    _power(baremetal, name, 'power', 'on', expected='power on')
    _power(baremetal, name, 'power', 'off', expected='power off')
    _power(baremetal, name, 'power', 'on', expected='power on')
    # PXE: Nova rescues the server with the rescue image; and back.
    baremetal.run('baremetal', 'node', 'boot', 'device', 'set', name, 'pxe')
    _power(baremetal, name, 'reboot', expected='power on')
    assert cli.server_view(lab_cloud, server.id)['status'] == 'RESCUE'
    baremetal.run('baremetal', 'node', 'boot', 'device', 'set', name,
                  'disk', '--persistent')
    _power(baremetal, name, 'reboot', expected='power on')
    assert cli.server_view(lab_cloud, server.id)['status'] == 'ACTIVE'

    actions = list(lab_cloud.compute.server_actions(server.id))
    print('Nova actions: %s' % [(a.action, a.user_id) for a in actions])
    done = [a.action for a in reversed(actions)]
    # The tool's (create, then stop once ACTIVE), then the driver's.
    assert _in_order(['create', 'stop', 'start', 'stop', 'start', 'rescue',
                      'unrescue'], done), done
    assert done[-1] == 'unrescue', done
    # Every action, the tool's (create, stop) and the driver's: the
    # member's.
    assert {a.user_id for a in actions} == {lab_cloud.current_user_id}


@pytest.fixture
def shared_network(lab_project_admin_cloud, lab_cloud):
    """An admin's shared network, port security on, with a subnet."""
    admin = lab_project_admin_cloud.network
    net = admin.create_network(name='ion-shared-%s' % uuid.uuid4().hex[:6],
                               is_shared=True)
    admin.create_subnet(network_id=net.id, ip_version=4,
                        cidr='10.250.9.0/24', gateway_ip='10.250.9.1',
                        enable_dhcp=False)
    yield net
    left = []
    for port in admin.ports(network_id=net.id):
        try:
            if port.device_id:
                server = lab_cloud.compute.get_server(port.device_id)
                lab_cloud.compute.delete_server(server)
                lab_cloud.compute.wait_for_delete(server, wait=120)
            admin.delete_port(port, ignore_missing=True)
        except Exception as e:      # keep cleaning the rest
            left.append('port %s: %s' % (port.id, e))
    try:
        admin.delete_network(net)
    except Exception as e:
        left.append('network %s: %s' % (net.name, e))
    if left:
        print('e2e cleanup of %s left: %s' % (net.name, '; '.join(left)))


def test_member_refused_on_an_admins_shared_network_leaves_nothing(
        tool, lab, lab_cloud, lab_project_admin_cloud, shared_network,
        prefix, cleanup):  # noqa: F811
    other = prefix + '-sh'
    refused = tool.run('create-nodes', '--count', '2', '--prefix', other,
                       '--flavor', lab['flavor'], '--image',
                       lab['disk_image'], '--network', shared_network.name,
                       check=False)
    print(refused.stderr)
    assert refused.returncode == 1
    err = refused.stderr
    assert ('Neutron refused port %s-0-provisioning on network %s (%s), '
            'which project %s owns, not yours (%s): HTTP 403' % (
                other, shared_network.name, shared_network.id,
                lab_project_admin_cloud.current_project_id,
                lab_cloud.current_project_id)) in err
    assert 'disallowed by policy' in err
    assert ('port_security_enabled (rule '
            'create_port:port_security_enabled)') in err
    assert '--boot virtual-media' in err
    assert err.count('Neutron refused') == 1
    # Nothing half-made: no port on the network, no server.
    assert not list(lab_project_admin_cloud.network.ports(
        network_id=shared_network.id))
    assert not list(lab_cloud.compute.servers(name=other))

    # The alternative the error names: virtual media keeps port security.
    vmedia = tool.run('create-nodes', '--count', '1', '--prefix', other,
                      '--flavor', lab['flavor'], '--image',
                      lab['disk_image'], '--network', shared_network.name,
                      '--boot', 'virtual-media')
    print(vmedia.stderr)
    server = lab_cloud.compute.find_server(other + '-0',
                                           ignore_missing=False)
    (port,) = lab_cloud.network.ports(device_id=server.id)
    assert port.is_port_security_enabled is True
    assert port.project_id == lab_cloud.current_project_id
    # Neutron's MAC (its default base_mac fa:16:3e): the member may not
    # choose one there, and the warning says what to ask for.
    assert port.mac_address.startswith('fa:')
    assert 'mac_address (rule create_port:mac_address)' in vmedia.stderr
