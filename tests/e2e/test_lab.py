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

"""Smoke test of the local lab itself: what the driver's tests rely on.

Keystone issues real tokens; Nova creates a server from the lab's blank
image without networks, rescues it with the lab's iPXE image (RESCUE,
power_state 1 thanks to the lab's fake compute driver) and unrescues it;
Ironic answers through Keystone; Neutron gives a port without IP on a
network without port security, and a server on that port goes ACTIVE (no
dataplane: the port is bound, nothing is plugged).
"""

import time
import uuid

import pytest

WAIT = 120
RUNNING = 1


def _wait(fetch, done, what):
    deadline = time.monotonic() + WAIT
    while True:
        item = fetch()
        if done(item):
            return item
        if time.monotonic() > deadline:
            pytest.fail('timed out waiting for %s; last seen: %s' % (
                what, item))
        time.sleep(0.2)


def _server_settled(conn, server_id, status):
    def fetch():
        return conn.compute.get_server(server_id)
    return _wait(fetch, lambda s: s.status == status and s.task_state is None,
                 'server %s to be %s' % (server_id, status))


@pytest.fixture
def name():
    return 'lab-smoke-%s' % uuid.uuid4().hex[:8]


def test_status_describes_the_lab(lab):
    assert lab['running'] is True
    for key in ('ironic_url', 'clouds_yaml', 'cloud', 'admin_cloud',
                'rescue_image', 'disk_image', 'flavor'):
        assert lab[key], key
    assert all(e['running'] for e in lab['services'].values()
               if not e['optional'])
    # The second conductor runs only on request (labctl conductor add).
    assert lab['services']['ironic-conductor-2']['optional'] is True


def test_keystone_issues_tokens(lab_cloud):
    assert lab_cloud.authorize()
    assert lab_cloud.current_project['name'] == 'demo'


def test_server_rescue_with_the_ipxe_image(lab, lab_cloud, name):
    compute = lab_cloud.compute
    flavor = compute.find_flavor(lab['flavor'], ignore_missing=False)
    server = compute.create_server(name=name, image_id=lab['disk_image'],
                                   flavor_id=flavor.id, networks='none')
    try:
        server = _server_settled(lab_cloud, server.id, 'ACTIVE')
        assert server.power_state == RUNNING
        # Over HTTP: the SDK's rescue keyword changed name between releases.
        compute.post('/servers/%s/action' % server.id,
                     json={'rescue': {'rescue_image_ref':
                                      lab['rescue_image']}},
                     microversion='2.87').raise_for_status()
        server = _server_settled(lab_cloud, server.id, 'RESCUE')
        assert server.power_state == RUNNING, (
            'a rescued guest runs (libvirt); the lab fake must say so')
        compute.unrescue_server(server)
        server = _server_settled(lab_cloud, server.id, 'ACTIVE')
        assert server.power_state == RUNNING
    finally:
        compute.delete_server(server.id, ignore_missing=True)
        compute.wait_for_delete(server, wait=WAIT)


def test_rescue_image_properties(lab, lab_cloud):
    image = lab_cloud.image.get_image(lab['rescue_image'])
    props = dict(image.properties or {})
    for key in ('hw_rescue_device', 'hw_rescue_bus', 'hw_firmware_type',
                'os_shutdown_timeout'):
        # openstacksdk maps some properties to attributes, others not.
        if getattr(image, key, None) is not None:
            props[key] = getattr(image, key)
    assert props['hw_rescue_device'] == 'cdrom'
    assert props['hw_rescue_bus'] == 'sata'
    assert props['hw_firmware_type'] == 'bios'
    assert str(props['os_shutdown_timeout']) == '5'
    assert image.visibility == 'public'
    assert image.disk_format == 'iso'


def test_ironic_answers_through_keystone(lab, lab_admin_cloud):
    endpoint = lab_admin_cloud.endpoint_for('baremetal')
    assert endpoint.rstrip('/') == lab['ironic_url'].rstrip('/')
    list(lab_admin_cloud.baremetal.nodes())
    drivers = [d.name for d in lab_admin_cloud.baremetal.drivers()]
    assert 'fake-hardware' in drivers
    # The lab runs this checkout's driver: labctl found it in the tree and
    # Ironic loaded the hardware type with the driver's own interfaces.
    assert lab['driver_enabled'] is True, (
        'labctl status: driver_enabled is %r' % lab['driver_enabled'])
    assert 'openstack' in drivers, drivers
    detail = lab_admin_cloud.baremetal.get_driver('openstack')
    for kind in ('power', 'management', 'console', 'inspect', 'vendor'):
        enabled = getattr(detail, 'enabled_%s_interfaces' % kind) or []
        assert 'openstack' in enabled, (kind, enabled)


def test_port_without_ip_and_port_security_carries_a_server(
        lab, lab_cloud, name):
    net = lab_cloud.network
    network = net.create_network(name=name, port_security_enabled=False)
    server = None
    try:
        port = net.create_port(network_id=network.id, name=name,
                               fixed_ips=[])
        assert port.fixed_ips == []
        assert port.is_port_security_enabled is False
        flavor = lab_cloud.compute.find_flavor(lab['flavor'],
                                               ignore_missing=False)
        server = lab_cloud.compute.create_server(
            name=name, image_id=lab['disk_image'], flavor_id=flavor.id,
            networks=[{'port': port.id}])
        _server_settled(lab_cloud, server.id, 'ACTIVE')
        port = _wait(lambda: net.get_port(port.id),
                     lambda p: p.status == 'ACTIVE', 'port ACTIVE')
        assert port.device_id == server.id
        interfaces = list(lab_cloud.compute.server_interfaces(server.id))
        assert [i.mac_addr for i in interfaces] == [port.mac_address]
    finally:
        if server is not None:
            lab_cloud.compute.delete_server(server.id, ignore_missing=True)
            lab_cloud.compute.wait_for_delete(server, wait=WAIT)
        for p in net.ports(network_id=network.id):
            net.delete_port(p, ignore_missing=True)
        net.delete_network(network, ignore_missing=True)
