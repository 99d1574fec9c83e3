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

"""The openstack hardware type in a real Ironic against a real Nova.

The lab's Ironic (API + conductor, enabled_hardware_types including
openstack) is driven with `openstack baremetal` (python-ironicclient), and
after every step the Nova server is read back through Nova's API.
"""

import os
import re
import uuid

import pytest

from tests.e2e import cli


@pytest.fixture(scope='module')
def nova(lab_cloud):
    """Nova as the lab's normal user, who owns the servers."""
    return lab_cloud


@pytest.fixture(scope='module')
def baremetal(lab):
    return cli.OpenStackCLI(lab['clouds_yaml'], lab['admin_cloud'])


@pytest.fixture
def server_and_node(nova, baremetal, lab):
    """A fresh ACTIVE server enrolled as a node with driver openstack."""
    server, node = cli.enroll(nova, baremetal, lab,
                              'e2e-%s' % uuid.uuid4().hex[:8])
    yield server, node
    baremetal.run('baremetal', 'node', 'delete', node['uuid'], check=False)
    nova.compute.delete_server(server.id, ignore_missing=True)


def _power(baremetal, node, *args, expected):
    baremetal.run('baremetal', 'node', *args, node)
    shown = baremetal.wait_power(node, expected)
    assert shown['last_error'] is None, shown['last_error']
    return shown


def _boot_device(baremetal, node):
    return baremetal.json('baremetal', 'node', 'boot', 'device', 'show',
                          node)


def test_validate_passes_power_and_management(baremetal, server_and_node):
    _server, node = server_and_node
    results = {r['Interface']: r for r in baremetal.json(
        'baremetal', 'node', 'validate', node['uuid'])}
    assert results['power']['Result'] is True, results['power']
    assert results['management']['Result'] is True, results['management']


def test_every_power_state_and_boot_device(baremetal, nova,
                                           server_and_node):
    server, node = server_and_node
    uid = node['uuid']

    # Ironic reads the power state from Nova.
    baremetal.run('baremetal', 'node', 'power', 'on', uid)
    assert baremetal.wait_power(uid, 'power on')['last_error'] is None
    assert cli.server_view(nova, server.id)['status'] == 'ACTIVE'

    _power(baremetal, uid, 'power', 'off', expected='power off')
    view = cli.server_view(nova, server.id)
    assert (view['status'], view['power_state']) == ('SHUTOFF', 4)

    _power(baremetal, uid, 'power', 'on', expected='power on')
    view = cli.server_view(nova, server.id)
    assert (view['status'], view['power_state']) == ('ACTIVE', 1)

    _power(baremetal, uid, 'reboot', expected='power on')
    assert cli.server_view(nova, server.id)['status'] == 'ACTIVE'
    assert cli.server_actions(nova, server.id)[-1] == 'reboot'

    _power(baremetal, uid, 'reboot', '--soft', expected='power on')
    assert cli.server_view(nova, server.id)['status'] == 'ACTIVE'
    assert cli.server_actions(nova, server.id)[-1] == 'reboot'

    _power(baremetal, uid, 'power', 'off', '--soft', expected='power off')
    assert cli.server_view(nova, server.id)['status'] == 'SHUTOFF'

    # A reboot of a node that is off powers it on.
    _power(baremetal, uid, 'reboot', expected='power on')
    assert cli.server_view(nova, server.id)['status'] == 'ACTIVE'

    # Boot device PXE (one time): the next reboot rescues the server with
    # the iPXE rescue image.
    baremetal.run('baremetal', 'node', 'boot', 'device', 'set', uid, 'pxe')
    assert _boot_device(baremetal, uid) == {'boot_device': 'pxe',
                                            'persistent': False}
    _power(baremetal, uid, 'reboot', expected='power on')
    view = cli.server_view(nova, server.id)
    assert (view['status'], view['power_state']) == ('RESCUE', 1)
    assert cli.server_actions(nova, server.id)[-1] == 'rescue'
    # The one-time choice is used up.
    assert _boot_device(baremetal, uid) == {'boot_device': 'disk',
                                            'persistent': True}

    # NMI reaches the rescued guest.
    baremetal.run('baremetal', 'node', 'inject', 'nmi', uid)
    assert cli.server_actions(nova, server.id)[-1] == 'trigger_crash_dump'

    # Back to disk: the next reboot leaves rescue; the server runs from its
    # own disk.
    baremetal.run('baremetal', 'node', 'boot', 'device', 'set', uid, 'disk',
                  '--persistent')
    _power(baremetal, uid, 'reboot', expected='power on')
    view = cli.server_view(nova, server.id)
    assert (view['status'], view['power_state']) == ('ACTIVE', 1)
    assert cli.server_actions(nova, server.id)[-1] == 'unrescue'

    # Persistent PXE, then power off from RESCUE (Nova has no stop there).
    baremetal.run('baremetal', 'node', 'boot', 'device', 'set', uid, 'pxe',
                  '--persistent')
    _power(baremetal, uid, 'reboot', expected='power on')
    assert cli.server_view(nova, server.id)['status'] == 'RESCUE'
    _power(baremetal, uid, 'power', 'off', expected='power off')
    view = cli.server_view(nova, server.id)
    assert (view['status'], view['power_state']) == ('SHUTOFF', 4)
    assert cli.server_actions(nova, server.id)[-2:] == ['unrescue', 'stop']

    # Power on with persistent PXE boots the rescue image straight away.
    _power(baremetal, uid, 'power', 'on', expected='power on')
    assert cli.server_view(nova, server.id)['status'] == 'RESCUE'
    assert _boot_device(baremetal, uid) == {'boot_device': 'pxe',
                                            'persistent': True}


def test_power_off_from_rescue_keeps_a_pending_one_time_pxe(
        baremetal, nova, lab, lab_project_admin_cloud, server_and_node):
    """As the node's owner: one-time PXE, power off, power on: RESCUE."""
    server, node = server_and_node
    uid = node['uuid']
    baremetal.run('baremetal', 'node', 'set', uid, '--owner',
                  lab_project_admin_cloud.current_project_id)
    owner = cli.OpenStackCLI(lab['clouds_yaml'], lab['project_admin_cloud'])
    # The node runs in rescue (booted from PXE), as after an agent boot.
    owner.run('baremetal', 'node', 'boot', 'device', 'set', uid, 'pxe')
    _power(owner, uid, 'reboot', expected='power on')
    assert cli.server_view(nova, server.id)['status'] == 'RESCUE'

    owner.run('baremetal', 'node', 'boot', 'device', 'set', uid, 'pxe')
    _power(owner, uid, 'power', 'off', expected='power off')
    view = cli.server_view(nova, server.id)
    assert (view['status'], view['power_state']) == ('SHUTOFF', 4)
    # Nova can only unrescue, then stop: the disk ran on the way, but the
    # node's next boot is still the one-time PXE.
    assert cli.server_actions(nova, server.id)[-2:] == ['unrescue', 'stop']
    assert _boot_device(owner, uid) == {'boot_device': 'pxe',
                                        'persistent': False}

    _power(owner, uid, 'power', 'on', expected='power on')
    view = cli.server_view(nova, server.id)
    assert (view['status'], view['power_state']) == ('RESCUE', 1)
    assert cli.server_actions(nova, server.id)[-1] == 'rescue'
    assert _boot_device(owner, uid) == {'boot_device': 'disk',
                                        'persistent': True}


def test_nova_change_behind_ironics_back_is_seen(baremetal, nova,
                                                 server_and_node):
    server, node = server_and_node
    nova.compute.stop_server(server.id)
    cli.wait_server(nova, server.id, 'SHUTOFF')
    # Ironic's record still says "power on"; the conductor reads the real
    # state from Nova before acting, so power on starts the server.
    baremetal.run('baremetal', 'node', 'power', 'on', node['uuid'])
    shown = baremetal.wait_power(node['uuid'], 'power on')
    assert shown['last_error'] is None
    assert cli.server_view(nova, server.id)['status'] == 'ACTIVE'


#: One line of Nova's own request log (nova.api.openstack.requestlog):
#: the request's user, method and path.
REQUEST_RE = re.compile(
    r'nova\.api\.openstack\.requestlog \[\S+ req-\S+ (?P<user>[0-9a-f]+) '
    r'.*?\] \S+ "(?P<method>[A-Z]+) (?P<path>[^" ]+)"')


def _requests(text):
    """Nova's request log lines as (user, method, path, line)."""
    out = []
    for line in text.splitlines():
        m = REQUEST_RE.search(line)
        if m:
            out.append((m.group('user'), m.group('method'), m.group('path'),
                        line))
    return out


@pytest.fixture
def witness_node(nova, baremetal, lab):
    """A second server and its manageable node, which nothing acts on."""
    server, node = cli.enroll(nova, baremetal, lab,
                              'e2e-witness-%s' % uuid.uuid4().hex[:8])
    yield server, node
    baremetal.run('baremetal', 'node', 'delete', node['uuid'], check=False)
    nova.compute.delete_server(server.id, ignore_missing=True)


def test_power_sync_sees_a_stop_behind_its_back_from_one_listing(
        baremetal, nova, lab, lab_project_admin_cloud, server_and_node,
        witness_node):
    """The sync reads servers from a listing, not one by one.

    The stop and every read of this test are the project admin's; the
    driver's requests are those of the lab's user (the nodes'
    openstack_cloud), counted in nova-api's request log. From the stop to
    the driver's start of the server, a power sync evaluated both nodes:
    the driver listed the servers, did not read the witness's server on
    its own at all (GET /servers/{id}), and read the stopped one only
    after the listing that saw it off (the power action the sync forced
    reads it fresh).
    """
    server, node = server_and_node
    witness, witness_node = witness_node
    admin = lab_project_admin_cloud
    driver_user = nova.current_user_id
    assert admin.current_user_id != driver_user
    # Ironic's power sync skips nodes in enroll; manage reads power first.
    for uid in (witness_node['uuid'], node['uuid']):
        baremetal.run('baremetal', 'node', 'manage', '--wait', '120', uid)
        assert baremetal.node(uid)['power_state'] == 'power on'
    nova_log = lab['services']['nova-api']['log']
    offset = os.path.getsize(nova_log)
    admin.compute.stop_server(server.id)
    # The lab's Ironic syncs power states every 60 s, reading them from
    # the shared listing; it sees "power off" where it recorded "power on"
    # and (force_power_state_during_sync) starts the server again.
    cli.wait_stopped_and_started(admin, server.id)
    # The forced power on has ended; the sync's other workers evaluated
    # the witness meanwhile (a read of the listing, or of the server).
    shown = baremetal.wait_power(node['uuid'], 'power on')
    assert shown['last_error'] is None
    with open(nova_log) as f:
        f.seek(offset)
        requests = _requests(f.read())
    action = '/v2.1/servers/%s/action' % server.id
    stops = [i for i, (user, method, path, _) in enumerate(requests)
             if user != driver_user and method == 'POST' and path == action]
    starts = [i for i, (user, method, path, _) in enumerate(requests)
              if user == driver_user and method == 'POST' and path == action]
    assert stops and starts, 'stop %s, start %s in the request log' % (
        stops, starts)
    window = [(i,) + requests[i] for i in range(stops[0], starts[-1])
              if requests[i][0] == driver_user and requests[i][1] == 'GET']
    print('driver GETs from the stop to its start:',
          [path for _, _, _, path, _ in window])
    listings = [(i, line) for i, _, _, path, line in window
                if path.startswith('/v2.1/servers/detail')]
    assert listings, 'no server listing of the driver between the stop ' \
        'and its start'
    seen_at, seen_in = listings[-1]
    # A full listing or a delta (changes-since), both in the 2.1 view.
    assert re.search(r'"GET /v2.1/servers/detail(\?changes-since=[^"]+)?" '
                     r'status: 200 .*microversion: 2\.1 ', seen_in), seen_in
    witness_reads = [path for user, method, path, _ in requests[stops[0]:]
                     if user == driver_user and method == 'GET'
                     and path == '/v2.1/servers/%s' % witness.id]
    assert witness_reads == [], (
        'the sync read the witness server %d time(s) on its own'
        % len(witness_reads))
    early_reads = [path for i, _, _, path, _ in window
                   if i < seen_at and path == '/v2.1/servers/%s' % server.id]
    assert early_reads == [], (
        'the driver read server %s on its own %d time(s) before the '
        'listing that saw it off' % (server.id, len(early_reads)))


def _listing_before_last_action(requests, server_id):
    """The last server listing before the last action on server_id.

    Searched in Nova's request log; None when there is none.
    nova-api.log also holds gunicorn's access log: only Nova's own
    request log lines count.
    """
    lines = [line for line in requests.splitlines()
             if 'nova.api.openstack.requestlog' in line]
    actions = [i for i, line in enumerate(lines)
               if '"POST /v2.1/servers/%s/action"' % server_id in line]
    listings = [line for line in lines[:actions[-1]]
                if '"GET /v2.1/servers/detail' in line] if actions else []
    return listings[-1] if listings else None


def test_power_sync_sees_a_stop_behind_its_back_from_a_delta_listing(
        baremetal, nova, lab, server_and_node):
    server, node = server_and_node
    baremetal.run('baremetal', 'node', 'manage', '--wait', '120',
                  node['uuid'])
    assert baremetal.node(node['uuid'])['power_state'] == 'power on'
    nova_log = lab['services']['nova-api']['log']
    # The listing that saw the stop may be the full one made every
    # [openstack]server_list_full_interval (300 s, five sweeps); the one of
    # the next sweep is a delta then.
    for attempt in range(2):
        offset = os.path.getsize(nova_log)
        nova.compute.stop_server(server.id)
        # Ironic's power sync sees "power off" and starts the server.
        cli.wait_stopped_and_started(nova, server.id)
        with open(nova_log) as f:
            f.seek(offset)
            listing = _listing_before_last_action(f.read(), server.id)
        assert listing is not None, 'no server listing before the start'
        if 'changes-since=' in listing:
            break
    assert re.search(r'"GET /v2.1/servers/detail\?changes-since=\S+Z" '
                     r'status: 200 .*microversion: 2\.1 ', listing), listing
    shown = baremetal.wait_power(node['uuid'], 'power on')
    assert shown['last_error'] is None


def test_unknown_server_fails_clearly_and_leaves_no_transition(baremetal):
    name = 'e2e-missing-%s' % uuid.uuid4().hex[:8]
    node = baremetal.json(
        'baremetal', 'node', 'create', '--driver', 'openstack',
        '--name', name, '--driver-info', 'openstack_server=no-such-server')
    try:
        baremetal.run('baremetal', 'node', 'power', 'on', node['uuid'],
                      check=False)
        shown = baremetal.wait_power(node['uuid'], 'power on')
        assert shown['target_power_state'] is None
        assert 'openstack_server' in shown['last_error']
        assert 'no-such-server' in shown['last_error']
        assert node['uuid'] in shown['last_error']
    finally:
        baremetal.run('baremetal', 'node', 'delete', node['uuid'],
                      check=False)


def test_missing_server_field_fails_validation_naming_it(baremetal):
    node = baremetal.json('baremetal', 'node', 'create', '--driver',
                          'openstack')
    try:
        results = {r['Interface']: r for r in baremetal.json(
            'baremetal', 'node', 'validate', node['uuid'])}
        assert results['power']['Result'] is False
        assert 'openstack_server' in results['power']['Reason']
    finally:
        baremetal.run('baremetal', 'node', 'delete', node['uuid'],
                      check=False)


def test_inline_password_is_masked_by_the_api(baremetal, lab):
    node = baremetal.json(
        'baremetal', 'node', 'create', '--driver', 'openstack',
        '--driver-info', 'openstack_server=x',
        '--driver-info', 'openstack_auth_url=http://127.0.0.1:1/v3',
        '--driver-info', 'openstack_username=u',
        '--driver-info', 'openstack_password=e2e-secret-value',
        '--driver-info', 'openstack_project_name=p')
    try:
        shown = baremetal.run('baremetal', 'node', 'show',
                              node['uuid']).stdout
        assert 'e2e-secret-value' not in shown
        assert '******' in shown
    finally:
        baremetal.run('baremetal', 'node', 'delete', node['uuid'],
                      check=False)
