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

"""A node's owner cannot drive another node's server.

Ironic 39 lets members of a node's owner project edit its driver_info
(``baremetal:node:update:driver_info``) and change its power state, and
its managers and admins set its boot device. The test makes a Keystone
project and a user in it (roles member and manager), has the lab's system
admin enroll node A owned by that project and node B owned by nobody, each
with a server marked for it, and then, as that user with ``openstack
baremetal``, points A at B's server and asks for power on, power off,
reboot and boot device changes. Each is refused naming node A and B's
server, and B's server is untouched: Nova's instance action log shows
nothing new and its mark still names B. The user cannot change the mark:
the host cloud's servers are not theirs.
"""

import os
import uuid

import pytest
import yaml

from ironic_openstack_driver import cloud
from tests.e2e import cli
from tests import lab_nodes


@pytest.fixture(scope='module')
def baremetal(lab):
    return cli.OpenStackCLI(lab['clouds_yaml'], lab['admin_cloud'])


@pytest.fixture(scope='module')
def owner(lab, lab_cloud, lab_project_admin_cloud, tmp_path_factory):
    """A project and a user of it, with a clouds.yaml entry for the user."""
    ident = lab_project_admin_cloud.identity
    tag = uuid.uuid4().hex[:8]
    project = ident.create_project(name='e2e-owner-%s' % tag,
                                   domain_id='default')
    password = uuid.uuid4().hex
    user = ident.create_user(name='e2e-owner-%s' % tag, password=password,
                             domain_id='default',
                             default_project_id=project.id)
    # manager (Keystone's bootstrap makes it) may set the boot device.
    for role in ('member', 'manager'):
        ident.assign_project_role_to_user(
            project, user, ident.find_role(role, ignore_missing=False))
    path = str(tmp_path_factory.mktemp('owner') / 'clouds.yaml')
    with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), 'w') as f:
        yaml.safe_dump({'clouds': {'owner': {
            'auth': {'auth_url': lab['keystone_url'], 'username': user.name,
                     'password': password, 'user_domain_name': 'Default',
                     'project_name': project.name,
                     'project_domain_name': 'Default'},
            'region_name': lab_cloud.config.get_region_name('compute'),
            'interface': 'public', 'identity_api_version': 3}}}, f)
    yield {'project': project, 'user': user,
           'cli': cli.OpenStackCLI(path, 'owner')}
    ident.delete_user(user, ignore_missing=True)
    ident.delete_project(project, ignore_missing=True)


@pytest.fixture(scope='module')
def two_nodes(lab, lab_cloud, lab_admin_cloud, baremetal, owner):
    """Node A (owned by the owner's project) and node B, servers marked."""
    made = {}
    tag = uuid.uuid4().hex[:8]
    try:
        for key, node_owner in (('a', owner['project'].id), ('b', None)):
            name = 'e2e-bind-%s-%s' % (key, tag)
            server = cli.create_server(lab_cloud, lab, name)
            made[key + '_server'] = server
            fields = {'owner': node_owner} if node_owner else {}
            node, = lab_nodes.enroll_nodes(lab_admin_cloud, lab_cloud, [
                lab_nodes.node_spec(lab_cloud, server, lab['cloud'],
                                    **fields)])
            made[key] = baremetal.node(node.id)
        yield made
    finally:
        for key in ('a', 'b'):
            if key in made:
                baremetal.run('baremetal', 'node', 'delete',
                              made[key]['uuid'], check=False)
            if key + '_server' in made:
                lab_cloud.compute.delete_server(made[key + '_server'].id,
                                                ignore_missing=True)


def _untouched(nova, server, before):
    view = nova.compute.get_server(server.id)
    assert (view.status, view.updated_at) == (before['status'],
                                              before['updated']), view
    assert cli.server_actions(nova, server.id) == before['actions']
    assert view.metadata.get(cloud.NODE_MARK) == before['mark']


def _refused(error, node, server):
    assert error, 'no error'
    assert node['uuid'] in error, error
    assert server.id in error, error
    assert 'not marked for this node' in error, error
    assert 'openstack server set --property %s=%s %s' % (
        cloud.NODE_MARK, node['uuid'], server.id) in error, error


def test_owner_cannot_aim_their_node_at_another_nodes_server(
        lab_cloud, baremetal, owner, two_nodes):
    a, b, server_b = two_nodes['a'], two_nodes['b'], two_nodes['b_server']
    user = owner['cli']
    # The owner sees node A, not node B.
    assert user.node(a['uuid'])['owner'] == owner['project'].id
    assert user.run('baremetal', 'node', 'show', b['uuid'],
                    check=False).returncode != 0
    view = lab_cloud.compute.get_server(server_b.id)
    before = {'status': view.status, 'updated': view.updated_at,
              'actions': cli.server_actions(lab_cloud, server_b.id),
              'mark': b['uuid']}
    assert view.metadata.get(cloud.NODE_MARK) == b['uuid']

    # What Ironic lets the owner do: edit A's driver_info.
    user.run('baremetal', 'node', 'set', a['uuid'], '--driver-info',
             'openstack_server=%s' % server_b.id)
    assert user.node(a['uuid'])['driver_info']['openstack_server'] == \
        server_b.id

    for verb, expected in (('on', 'power on'), ('off', 'power off')):
        user.run('baremetal', 'node', 'power', verb, a['uuid'], check=False)
        shown = user.wait_power(a['uuid'], expected)
        print('power %s: %s' % (verb, shown['last_error']))
        assert shown['target_power_state'] is None
        _refused(shown['last_error'], a, server_b)
    user.run('baremetal', 'node', 'reboot', a['uuid'], check=False)
    shown = user.wait_power(a['uuid'], 'power on')
    _refused(shown['last_error'], a, server_b)
    for device in ('pxe', 'disk'):
        answer = user.run('baremetal', 'node', 'boot', 'device', 'set',
                          a['uuid'], device, check=False)
        print('boot device %s: %s' % (device, answer.stderr.strip()))
        assert answer.returncode != 0
        _refused(answer.stderr, a, server_b)
    _untouched(lab_cloud, server_b, before)

    # The mark is in the host cloud, where the owner has no access to
    # B's server (it is the operator's project's).
    forged = user.run('server', 'set', '--property',
                      '%s=%s' % (cloud.NODE_MARK, a['uuid']), server_b.id,
                      check=False)
    assert forged.returncode != 0
    _untouched(lab_cloud, server_b, before)

    # A request forgery through inline credentials is refused too, before
    # anything is sent.
    user.run('baremetal', 'node', 'unset', a['uuid'],
             '--driver-info', 'openstack_cloud')
    user.run('baremetal', 'node', 'set', a['uuid'],
             '--driver-info', 'openstack_auth_url=http://169.254.169.254/v3',
             '--driver-info', 'openstack_application_credential_id=x',
             '--driver-info', 'openstack_application_credential_secret=y')
    answer = user.run('baremetal', 'node', 'power', 'on', a['uuid'],
                      check=False)
    # Refused by the power interface's validation, before the action.
    assert answer.returncode != 0
    print('inline auth URL: %s' % answer.stderr.strip())
    assert 'openstack_auth_url' in answer.stderr
    assert '[openstack]allowed_auth_urls' in answer.stderr
    assert a['uuid'] in answer.stderr
    _untouched(lab_cloud, server_b, before)


def test_owner_drives_their_own_marked_server(lab_cloud, owner, two_nodes):
    a, server_a = two_nodes['a'], two_nodes['a_server']
    user = owner['cli']
    info = user.node(a['uuid'])['driver_info']
    unset = [arg for key in info if key != 'openstack_server'
             for arg in ('--driver-info', key)]
    if unset:
        user.run('baremetal', 'node', 'unset', a['uuid'], *unset)
    user.run('baremetal', 'node', 'set', a['uuid'], '--driver-info',
             'openstack_server=%s' % server_a.id)
    user.run('baremetal', 'node', 'power', 'off', a['uuid'])
    shown = user.wait_power(a['uuid'], 'power off')
    assert shown['last_error'] is None, shown['last_error']
    assert cli.server_view(lab_cloud, server_a.id)['status'] == 'SHUTOFF'
    user.run('baremetal', 'node', 'boot', 'device', 'set', a['uuid'], 'pxe')
    user.run('baremetal', 'node', 'power', 'on', a['uuid'])
    shown = user.wait_power(a['uuid'], 'power on')
    assert shown['last_error'] is None, shown['last_error']
    assert cli.server_view(lab_cloud, server_a.id)['status'] == 'RESCUE'
