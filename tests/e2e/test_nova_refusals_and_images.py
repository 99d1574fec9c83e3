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

"""What real Nova does that the driver must answer: locked servers, images
deleted from Glance.

The lab's Ironic drives servers of the lab's normal user (a project member,
not an admin: Nova's locks bind it) through `openstack baremetal`; Nova's
instance action list shows what reached Nova.
"""

import io
import uuid

import pytest

from tests.e2e import cli


@pytest.fixture(scope='module')
def nova(lab_cloud):
    return lab_cloud


@pytest.fixture(scope='module')
def baremetal(lab):
    return cli.OpenStackCLI(lab['clouds_yaml'], lab['admin_cloud'])


def _flavor(nova, lab):
    return nova.compute.find_flavor(lab['flavor'], ignore_missing=False).id


def _enroll(nova, baremetal, lab, name, server):
    node = baremetal.json(
        'baremetal', 'node', 'create', '--driver', 'openstack',
        '--name', name,
        '--driver-info', 'openstack_server=%s' % server.id,
        '--driver-info', 'openstack_cloud=%s' % lab['cloud'])
    cli.mark(nova, server.id, node['uuid'])
    return node


@pytest.fixture
def locked_node(nova, baremetal, lab):
    name = 'e2e-locked-%s' % uuid.uuid4().hex[:8]
    server = nova.compute.create_server(
        name=name, image_id=lab['disk_image'], flavor_id=_flavor(nova, lab),
        networks='none')
    cli.wait_server(nova, server.id, 'ACTIVE')
    node = _enroll(nova, baremetal, lab, name, server)
    yield server, node
    baremetal.run('baremetal', 'node', 'delete', node['uuid'], check=False)
    nova.compute.unlock_server(server.id)
    nova.compute.delete_server(server.id, ignore_missing=True)


def test_locked_server_fails_at_once_naming_the_lock(baremetal, nova,
                                                     locked_node):
    server, node = locked_node
    uid = node['uuid']
    # Ironic records the server's power first (a node in enroll has none:
    # "unchanged" below would compare None with None).
    baremetal.run('baremetal', 'node', 'power', 'on', uid)
    power_before = baremetal.wait_power(uid, 'power on')['power_state']
    assert power_before == 'power on'
    nova.compute.lock_server(server.id, locked_reason='pool protection')
    before = cli.server_actions(nova, server.id)
    assert before[-1] == 'lock', before

    baremetal.run('baremetal', 'node', 'power', 'off', uid, check=False)
    shown = baremetal.wait_power(uid, 'power off')
    print('last_error:', shown['last_error'])
    # Not stuck: the action ended; Ironic's power state is unchanged.
    assert shown['target_power_state'] is None
    assert shown['power_state'] == power_before
    assert 'Instance %s is locked' % server.id in shown['last_error']
    assert uid in shown['last_error']
    # Nothing else reached Nova: no instance action after the lock.
    after = cli.server_actions(nova, server.id)
    print('instance actions:', after)
    assert after == before
    assert cli.server_view(nova, server.id)['status'] == 'ACTIVE'

    # A reboot into PXE is refused the same way.
    baremetal.run('baremetal', 'node', 'boot', 'device', 'set', uid, 'pxe')
    baremetal.run('baremetal', 'node', 'reboot', uid, check=False)
    shown = baremetal.wait_power(uid, 'power on')
    assert shown['target_power_state'] is None
    assert shown['power_state'] == power_before
    assert 'is locked' in shown['last_error']
    assert cli.server_actions(nova, server.id) == before

    # Unlocked, the same node powers off.
    nova.compute.unlock_server(server.id)
    baremetal.run('baremetal', 'node', 'power', 'off', uid)
    shown = baremetal.wait_power(uid, 'power off')
    assert shown['last_error'] is None, shown['last_error']
    assert cli.server_view(nova, server.id)['status'] == 'SHUTOFF'


@pytest.fixture
def node_of_deleted_image(nova, baremetal, lab):
    name = 'e2e-noimage-%s' % uuid.uuid4().hex[:8]
    image = nova.create_image(
        name, data=io.BytesIO(b'\0' * 65536), disk_format='raw',
        container_format='bare', wait=True, hw_firmware_type='bios')
    server = nova.compute.create_server(
        name=name, image_id=image.id, flavor_id=_flavor(nova, lab),
        networks='none')
    cli.wait_server(nova, server.id, 'ACTIVE')
    nova.image.delete_image(image.id)
    node = _enroll(nova, baremetal, lab, name, server)
    yield server, node, image
    baremetal.run('baremetal', 'node', 'delete', node['uuid'], check=False)
    nova.compute.delete_server(server.id, ignore_missing=True)


def test_pxe_works_with_the_servers_image_deleted(baremetal, nova,
                                                  node_of_deleted_image):
    server, node, image = node_of_deleted_image
    uid = node['uuid']
    assert nova.image.find_image(image.id) is None
    shown = baremetal.node(uid)
    assert shown['last_error'] is None, shown['last_error']

    baremetal.run('baremetal', 'node', 'boot', 'device', 'set', uid, 'pxe')
    baremetal.run('baremetal', 'node', 'reboot', uid)
    shown = baremetal.wait_power(uid, 'power on')
    assert shown['last_error'] is None, shown['last_error']
    view = cli.server_view(nova, server.id)
    print('server after reboot into PXE:', view)
    assert view['status'] == 'RESCUE'
    assert cli.server_actions(nova, server.id)[-1] == 'rescue'

    # And back to the disk.
    baremetal.run('baremetal', 'node', 'boot', 'device', 'set', uid, 'disk',
                  '--persistent')
    baremetal.run('baremetal', 'node', 'reboot', uid)
    shown = baremetal.wait_power(uid, 'power on')
    assert shown['last_error'] is None, shown['last_error']
    assert cli.server_view(nova, server.id)['status'] == 'ACTIVE'
