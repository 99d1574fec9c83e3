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

"""Console, console log and inspection of the openstack hardware type.

Against the lab's Ironic and Nova, with Nova's real serial and noVNC
proxies (lab/labkit/console_proxies.py) in front of the fake guests'
console, and the fake compute's console log. Driven with `openstack
baremetal`, as an operator would.
"""

import ast
import json
import time
import urllib.parse
import uuid

from openstack import exceptions as sdk_exc
import pytest

from tests.e2e import cli
from tests.e2e import websocket


@pytest.fixture(scope='module')
def nova(lab_cloud):
    return lab_cloud


@pytest.fixture(scope='module')
def baremetal(lab):
    return cli.OpenStackCLI(lab['clouds_yaml'], lab['admin_cloud'])


@pytest.fixture
def name():
    return 'e2e-ci-%s' % uuid.uuid4().hex[:8]


@pytest.fixture
def networks(nova, name):
    """A network with a subnet, one without (ports without IPs)."""
    net = nova.network.create_network(name=name + '-net')
    nova.network.create_subnet(network_id=net.id, ip_version=4,
                               cidr='10.77.0.0/24', name=name + '-subnet')
    bare = nova.network.create_network(name=name + '-noip',
                                       port_security_enabled=False)
    yield net, bare
    for network in (net, bare):
        for port in nova.network.ports(network_id=network.id):
            nova.network.delete_port(port, ignore_missing=True)
        nova.network.delete_network(network, ignore_missing=True)


@pytest.fixture
def server(nova, lab, name, networks):
    net, bare = networks
    with_ip = nova.network.create_port(network_id=net.id, name=name + '-a')
    without_ip = nova.network.create_port(network_id=bare.id,
                                          name=name + '-b', fixed_ips=[])
    server = nova.compute.create_server(
        name=name, image_id=lab['disk_image'],
        flavor_id=nova.compute.find_flavor(lab['flavor'],
                                           ignore_missing=False).id,
        networks=[{'port': with_ip.id}, {'port': without_ip.id}])
    cli.wait_server(nova, server.id, 'ACTIVE')
    yield server
    nova.compute.delete_server(server.id, ignore_missing=True)
    nova.compute.wait_for_delete(server, wait=120)


@pytest.fixture
def node(nova, baremetal, lab, name, server):
    """The server enrolled bare: no ports, no properties."""
    node = baremetal.json(
        'baremetal', 'node', 'create', '--driver', 'openstack',
        '--name', name,
        '--driver-info', 'openstack_server=%s' % server.id,
        '--driver-info', 'openstack_cloud=%s' % lab['cloud'])
    cli.mark(nova, server.id, node['uuid'])
    yield node['uuid']
    baremetal.run('baremetal', 'node', 'maintenance', 'set', node['uuid'],
                  check=False)
    baremetal.run('baremetal', 'node', 'delete', node['uuid'], check=False)


def _wait_state(baremetal, node, expected):
    deadline = time.monotonic() + cli.WAIT_SECONDS
    while True:
        shown = baremetal.node(node)
        if shown['provision_state'] == expected and \
                shown['target_provision_state'] is None:
            return shown
        if shown['provision_state'].endswith('failed') or \
                time.monotonic() > deadline:
            raise AssertionError('node %s: %s' % (node, shown))
        time.sleep(cli.POLL_SECONDS)


def _console(baremetal, node):
    return baremetal.json('baremetal', 'node', 'console', 'show',
                          node)['console_info']


def _token_url(console_url):
    """The websocket URL behind a console URL.

    noVNC carries it in ``path``.
    """
    parsed = urllib.parse.urlsplit(console_url)
    query = urllib.parse.parse_qs(parsed.query)
    if 'path' in query:
        inner = query['path'][0]
        return 'ws://%s/%s' % (parsed.netloc, inner.lstrip('/'))
    return 'ws://%s/?%s' % (parsed.netloc, parsed.query)


def test_serial_console_url_reaches_the_guest(baremetal, node):
    baremetal.run('baremetal', 'node', 'console', 'enable', node)
    shown = baremetal.node(node)
    assert shown['console_enabled'] is True, shown['last_error']
    assert shown['console_interface'] == 'openstack'
    info = _console(baremetal, node)
    assert info['type'] == 'serial', info
    assert info['url'].startswith('ws://127.0.0.1:16083/'), info
    ws = websocket.WebSocket(info['url'])
    try:
        assert ws.accepted, ws.status_line
        banner = ws.read_until(b'login: ')
    finally:
        ws.close()
    assert b'lab fake guest: serial console' in banner
    # A fresh token each time; none is kept in the node.
    again = _console(baremetal, node)
    assert again['url'] != info['url']
    token = urllib.parse.parse_qs(
        urllib.parse.urlsplit(info['url']).query)['token'][0]
    assert token not in baremetal.run('baremetal', 'node', 'show', node,
                                      '-f', 'json').stdout
    baremetal.run('baremetal', 'node', 'console', 'disable', node)
    assert baremetal.node(node)['console_enabled'] is False


def test_rescued_server_falls_back_to_novnc(baremetal, nova, server, node):
    baremetal.run('baremetal', 'node', 'power', 'on', node)
    baremetal.wait_power(node, 'power on')
    baremetal.run('baremetal', 'node', 'boot', 'device', 'set', node, 'pxe')
    baremetal.run('baremetal', 'node', 'reboot', node)
    assert baremetal.wait_power(node, 'power on')['last_error'] is None
    assert cli.server_view(nova, server.id)['status'] == 'RESCUE'
    baremetal.run('baremetal', 'node', 'console', 'enable', node)
    info = _console(baremetal, node)
    assert info['type'] == 'novnc', info
    assert info['url'].startswith('http://127.0.0.1:16080/'), info
    ws = websocket.WebSocket(_token_url(info['url']))
    try:
        assert ws.accepted, ws.status_line
        # nova-novncproxy reached the guest's VNC server: an RFB 3.8
        # handshake (security type None) ends in the guest's ServerInit.
        assert ws.read_until(b'\n', limit=12) == b'RFB 003.008\n'
        ws.send(b'RFB 003.008\n')
        assert ws.read_until(b'\x01', limit=2) == b'\x01\x01'
        ws.send(b'\x01')
        ws.send(b'\x01')        # ClientInit, shared
        assert b'lab fake guest' in ws.read_until(b'lab fake guest')
    finally:
        ws.close()
    _rescued_console_log_is_novas(baremetal, nova, server, node)


def _rescued_console_log_is_novas(baremetal, nova, server, node):
    """The passthru gives what Nova gives for a rescued server's log.

    Whether Nova keeps a console log in RESCUE depends on the compute
    driver, not on this driver: libvirt with ``[serial_console]enabled``
    gives a rescued guest no serial port (Nova's 404), which the fast
    lab's fake compute models; libvirt without it keeps the log, and the
    real lab reads the agent's boot from a rescued guest through the same
    passthru (tests/e2e_real/agent_console.py). What is asserted here is
    the driver's part, for either answer: Nova's log, or an error naming
    the node, the server, Nova's status and Nova's own reason, never an
    empty log in place of Nova's refusal (a rescued server is running:
    only a stopped one reads as empty).
    """
    try:
        nova_output = nova.compute.get_server_console_output(
            server.id, length=100)['output']
        nova_error = None
    except sdk_exc.HttpException as exc:
        nova_output, nova_error = None, exc
    print('Nova on the rescued server\'s log:', nova_error or 'a log')
    result = baremetal.run('baremetal', 'node', 'passthru', 'call',
                           '--http-method', 'GET', node, 'console_output',
                           check=False)
    if nova_error is not None:
        assert result.returncode != 0, (
            'Nova refused the log (%s) but the passthru answered %s'
            % (nova_error, result.stdout))
        reason = (nova_error.details or '').strip().rstrip('.')
        assert reason and reason in result.stderr, (reason, result.stderr)
        assert 'HTTP %d: ' % nova_error.status_code in result.stderr, (
            result.stderr)
        assert node in result.stderr and server.id in result.stderr, (
            result.stderr)
    else:
        assert result.returncode == 0, result.stderr
        reply = ast.literal_eval(result.stdout.strip())
        assert reply['server'] == server.id
        lines = reply['output'].splitlines()
        # Read after Nova's: it ends with what Nova's read ended with, or
        # later lines.
        assert not nova_output or nova_output.splitlines()[-1] in lines, (
            nova_output[-500:], reply['output'][-500:])


def test_console_output_through_passthru(baremetal, server, node):
    result = baremetal.run('baremetal', 'node', 'passthru', 'call',
                           '--http-method', 'GET', node, 'console_output')
    reply = ast.literal_eval(result.stdout.strip())
    assert reply['server'] == server.id
    assert reply['lines'] == 100
    lines = reply['output'].splitlines()
    assert 'lab fake guest %s: booted from its disk' % server.id in lines
    assert lines[-1].startswith('lab-guest login:')
    listed = baremetal.json('baremetal', 'node', 'passthru', 'list', node)
    assert 'console_output' in [m['Name'] for m in listed]


def test_inspect_fills_properties_and_ports(baremetal, nova, lab, server,
                                            node, lab_admin_cloud):
    assert baremetal.node(node)['properties'] == {}
    baremetal.run('baremetal', 'node', 'manage', node)
    _wait_state(baremetal, node, 'manageable')
    baremetal.run('baremetal', 'node', 'inspect', node)
    shown = _wait_state(baremetal, node, 'manageable')
    assert shown['last_error'] is None
    assert shown['inspect_interface'] == 'openstack'
    flavor = nova.compute.find_flavor(lab['flavor'], ignore_missing=False)
    props = shown['properties']
    assert props['cpus'] == flavor.vcpus
    assert props['memory_mb'] == flavor.ram
    assert props['local_gb'] == flavor.disk - 1
    assert props['cpu_arch'] == 'x86_64'
    assert 'boot_mode:' in props['capabilities']
    neutron = sorted(p.mac_address for p in
                     nova.network.ports(device_id=server.id))
    assert len(neutron) == 2

    def ports():
        return sorted(p.address for p in
                      lab_admin_cloud.baremetal.ports(node_id=node))
    assert ports() == neutron
    inventory = json.loads(baremetal.run('baremetal', 'node', 'inventory',
                                         'save', node).stdout)
    assert sorted(i['mac_address'] for i in
                  inventory['inventory']['interfaces']) == neutron

    # A port added to the server: re-inspection creates only that one.
    extra = nova.network.create_port(
        network_id=next(iter(nova.network.ports(device_id=server.id)))
        .network_id)
    nova.compute.create_server_interface(server.id, port_id=extra.id)
    try:
        deadline = time.monotonic() + cli.WAIT_SECONDS
        while len(list(nova.network.ports(device_id=server.id))) < 3:
            assert time.monotonic() < deadline
            time.sleep(cli.POLL_SECONDS)
        baremetal.run('baremetal', 'node', 'inspect', node)
        _wait_state(baremetal, node, 'manageable')
        assert ports() == sorted(neutron + [extra.mac_address])
    finally:
        nova.compute.delete_server_interface(extra.id, server=server.id,
                                             ignore_missing=True)
