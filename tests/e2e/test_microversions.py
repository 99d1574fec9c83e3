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

"""Older Novas: the lab's Nova capped at 2.60, 2.87 and 2.95.

Each node's driver_info openstack_compute_microversion_cap makes the
driver talk to the lab's real Nova API (2.100 or later) as to an older
cloud, through the lab's real Ironic (the cap is per node, so the shared
lab's ironic.conf stays as it is). Every power and boot-device action
works at each cap. The cap reaches Nova: the servers are built from a
UEFI image that is then deleted from Glance, so only Nova's own copy of
its properties (shown from 2.98) says UEFI: the uncapped node's verify
records uefi, each capped node's the default boot mode (bios).
"""

import io
import uuid

import pytest

from tests.e2e import cli

CAPS = (None, '2.60', '2.87', '2.95')


@pytest.fixture(scope='module')
def nova(lab_cloud):
    return lab_cloud


@pytest.fixture(scope='module')
def baremetal(lab):
    return cli.OpenStackCLI(lab['clouds_yaml'], lab['admin_cloud'])


@pytest.fixture(scope='module')
def capped_nodes(nova, baremetal, lab):
    """A server per cap from a UEFI image deleted since, and its node."""
    prefix = 'e2e-mv-%s' % uuid.uuid4().hex[:8]
    image = nova.create_image(
        prefix, data=io.BytesIO(b'\0' * 65536), disk_format='raw',
        container_format='bare', wait=True, hw_firmware_type='uefi')
    flavor = nova.compute.find_flavor(lab['flavor'], ignore_missing=False)
    made = {}
    try:
        for cap in CAPS:
            name = '%s-%s' % (prefix, (cap or 'none').replace('.', '-'))
            server = nova.compute.create_server(
                name=name, image_id=image.id, flavor_id=flavor.id,
                networks='none')
            made[cap] = (server, None)
        for cap, (server, _node) in made.items():
            cli.wait_server(nova, server.id, 'ACTIVE')
        nova.image.delete_image(image.id)
        for cap, (server, _node) in list(made.items()):
            args = ['baremetal', 'node', 'create', '--driver', 'openstack',
                    '--name', server.name,
                    '--driver-info', 'openstack_server=%s' % server.id,
                    '--driver-info', 'openstack_cloud=%s' % lab['cloud']]
            if cap:
                args += ['--driver-info',
                         # JSON quotes: unquoted, the CLI sends 2.6.
                         'openstack_compute_microversion_cap="%s"' % cap]
            node = baremetal.json(*args)
            cli.mark(nova, server.id, node['uuid'])
            made[cap] = (server, node)
        yield made
    finally:
        for server, node in made.values():
            if node:
                baremetal.run('baremetal', 'node', 'delete', node['uuid'],
                              check=False)
            nova.compute.delete_server(server.id, ignore_missing=True)
        nova.image.delete_image(image.id, ignore_missing=True)


def _ok(baremetal, uid, power):
    shown = baremetal.wait_power(uid, power)
    assert shown['last_error'] is None, shown['last_error']
    assert shown['power_state'] == power, shown
    return shown


@pytest.mark.parametrize('cap', CAPS)
def test_boot_mode_shows_what_nova_shows_at_the_cap(baremetal,
                                                    capped_nodes, cap):
    _server, node = capped_nodes[cap]
    # A power action reads the server on its own (as Nova shows it at
    # the cap); verify (manage) then records the boot mode.
    baremetal.run('baremetal', 'node', 'power', 'on', node['uuid'])
    _ok(baremetal, node['uuid'], 'power on')
    baremetal.run('baremetal', 'node', 'manage', '--wait', '120',
                  node['uuid'])
    shown = baremetal.node(node['uuid'])
    print('cap %s: provision_state %s, boot_mode %s, last_error %s' % (
        cap, shown['provision_state'], shown['boot_mode'],
        shown['last_error']))
    assert shown['provision_state'] == 'manageable', shown
    # Nova's copy of the deleted image's properties shows from 2.98 only.
    assert shown['boot_mode'] == ('uefi' if cap is None else 'bios')


@pytest.mark.parametrize('cap', CAPS[1:])
def test_every_power_and_boot_device_action_works_at_the_cap(
        baremetal, nova, capped_nodes, cap):
    server, node = capped_nodes[cap]
    uid = node['uuid']
    baremetal.run('baremetal', 'node', 'power', 'off', uid)
    _ok(baremetal, uid, 'power off')
    assert cli.server_view(nova, server.id)['status'] == 'SHUTOFF'
    baremetal.run('baremetal', 'node', 'power', 'on', uid)
    _ok(baremetal, uid, 'power on')
    assert cli.server_view(nova, server.id)['status'] == 'ACTIVE'
    baremetal.run('baremetal', 'node', 'reboot', uid)
    _ok(baremetal, uid, 'power on')
    assert cli.server_actions(nova, server.id)[-1] == 'reboot'

    # PXE: Nova's rescue, with the rescue image for the boot mode the
    # driver reads at this cap (bios: the image is gone from Glance).
    baremetal.run('baremetal', 'node', 'boot', 'device', 'set', uid, 'pxe')
    assert baremetal.json('baremetal', 'node', 'boot', 'device', 'show',
                          uid)['boot_device'] == 'pxe'
    baremetal.run('baremetal', 'node', 'reboot', uid)
    _ok(baremetal, uid, 'power on')
    view = cli.server_view(nova, server.id)
    print('cap %s: after reboot into PXE: %s' % (cap, view))
    assert view['status'] == 'RESCUE'
    assert cli.server_actions(nova, server.id)[-1] == 'rescue'

    baremetal.run('baremetal', 'node', 'boot', 'device', 'set', uid, 'disk',
                  '--persistent')
    baremetal.run('baremetal', 'node', 'power', 'off', uid)
    _ok(baremetal, uid, 'power off')
    assert cli.server_view(nova, server.id)['status'] == 'SHUTOFF'
    baremetal.run('baremetal', 'node', 'power', 'on', uid)
    _ok(baremetal, uid, 'power on')
    assert cli.server_view(nova, server.id)['status'] == 'ACTIVE'


def test_nmi_below_its_microversion_names_node_feature_and_cap(
        baremetal, nova, capped_nodes):
    server, node = capped_nodes['2.60']
    uid = node['uuid']
    baremetal.run('baremetal', 'node', 'power', 'on', uid)
    _ok(baremetal, uid, 'power on')
    before = cli.server_actions(nova, server.id)
    baremetal.run('baremetal', 'node', 'set', uid, '--driver-info',
                  'openstack_compute_microversion_cap="2.16"')
    try:
        result = baremetal.run('baremetal', 'node', 'inject', 'nmi', uid,
                               check=False)
        print('inject nmi at cap 2.16:', result.returncode, result.stderr)
        assert result.returncode != 0
        for part in (uid, 'os-triggerCrashDump', '2.17',
                     'compute_microversion_cap 2.16'):
            assert part in result.stderr, part
        assert cli.server_actions(nova, server.id) == before
    finally:
        baremetal.run('baremetal', 'node', 'set', uid, '--driver-info',
                      'openstack_compute_microversion_cap="2.60"')


@pytest.mark.parametrize('value, says', [
    ('2.sixty', '"2.N"'),
    # Unquoted, the baremetal CLI sends the number 2.6.
    ('2.60', 'not the number 2.6'),
])
def test_malformed_cap_is_refused_at_validate(baremetal, capped_nodes,
                                              value, says):
    _server, node = capped_nodes['2.60']
    uid = node['uuid']
    baremetal.run('baremetal', 'node', 'set', uid, '--driver-info',
                  'openstack_compute_microversion_cap=%s' % value)
    try:
        results = {r['Interface']: r for r in baremetal.json(
            'baremetal', 'node', 'validate', uid)}
        print('validate power:', results['power'])
        assert results['power']['Result'] is False
        assert ('openstack_compute_microversion_cap'
                in results['power']['Reason'])
        assert says in results['power']['Reason']
        assert uid in results['power']['Reason']
    finally:
        baremetal.run('baremetal', 'node', 'set', uid, '--driver-info',
                      'openstack_compute_microversion_cap="2.60"')
