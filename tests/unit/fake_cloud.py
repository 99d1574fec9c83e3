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

"""FakeNova plus what consoles, console logs and inspection read.

Adds to tests/unit/fake_nova.FakeNova, with the same rules (proxies are
mock.create_autospec() of the real openstacksdk classes, errors are the
real exception classes with Nova's status codes and messages):

* remote consoles (compute.create_console): the types the cloud enables
  ([serial_console], [vnc], [spice] in nova.conf); a guest that does not
  run and, as with libvirt when the serial console is enabled, a rescued
  guest's serial console answer 400 "Unavailable console type";
* the console log (compute.get_server_console_output): the last ``length``
  lines, 404 when the guest has no console log and, as Nova's libvirt
  driver with the serial console enabled answers (seen on the lab's real
  mode), while the guest is off (``console_when_off=False``);
* the flavor embedded in the server from microversion 2.47, or only its
  ID (older microversions and clouds: ``embed_flavor`` False) with
  compute.get_flavor;
* Neutron ports (network.ports(device_id=...)) and networks;
* volume attachments and Cinder volumes for volume-backed servers.
"""

from unittest import mock

from openstack.block_storage.v3 import _proxy as volume_proxy
from openstack.block_storage.v3 import volume as sdk_volume
from openstack.compute.v2 import flavor as sdk_flavor
from openstack.compute.v2 import volume_attachment as sdk_attachment
from openstack import exceptions as sdk_exc
from openstack.network.v2 import _proxy as network_proxy
from openstack.network.v2 import network as sdk_network
from openstack.network.v2 import port as sdk_port

from tests.unit import fake_nova as fn
from tests.unit import fake_nova_server as fns

FLAVOR = {'vcpus': 2, 'ram': 3072, 'disk': 10, 'ephemeral': 0, 'swap': 0,
          'original_name': 'bm.small', 'extra_specs': {}}


class FakeCloudServer(fn.FakeServer):
    """A server with a flavor, a console log and a root device name."""

    def __init__(self, *args, **kwargs):
        self.flavor = dict(FLAVOR)
        self.flavor_id = 'flavor-small'
        self.embed_flavor = True
        self.console_log = ['SeaBIOS (version 1.16)', 'iPXE 1.21.1',
                            'Booting from ROM...', 'lab guest: ready']
        self.root_device_name = None
        #: Nova's addresses: {network name: [addresses]} in the order of
        #: the server's NICs, a network whose port has no IP included.
        self.addresses = {}
        super().__init__(*args, **kwargs)

    def flavor_view(self, microversion):
        """The flavor embedded (2.47+, a cloud that offers it) or its ID."""
        if self.embed_flavor and fns.at_least(microversion, (2, 47)):
            return dict(self.flavor)
        return {'id': self.flavor_id, 'links': []}

    def as_sdk(self, microversion='2.1', kept=None, admin=False,
               host_status=None):
        server = super().as_sdk(microversion, kept, admin, host_status)
        server.flavor = self.flavor_view(microversion)
        server.root_device_name = self.root_device_name
        server.addresses = {label: list(ips)
                            for label, ips in self.addresses.items()}
        return server

    def as_nova(self, microversion='2.1', kept=None, admin=False,
                host_status=None):
        body = super().as_nova(microversion, kept, admin, host_status)
        body['flavor'] = self.flavor_view(microversion)
        body['addresses'] = {label: list(ips)
                             for label, ips in self.addresses.items()}
        return body


class FakeCloud(fn.FakeNova):
    """FakeNova with Neutron, Cinder, consoles and console logs."""

    def __init__(self, *args, console_types=('serial', 'novnc'),
                 serial_in_rescue=False, console_when_off=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.console_when_off = console_when_off
        self.console_types = set(console_types)
        self.serial_in_rescue = serial_in_rescue
        self.consoles = []          # (server id, type) handed out
        self.ports = []
        self.networks = {}
        self.attachments = {}       # server id -> [(volume id, device)]
        self.volumes = {}           # volume id -> size GiB
        self.flavors = {}

        self.compute.create_console.side_effect = self.create_console
        self.compute.get_server_console_output.side_effect = (
            self.console_output)
        self.compute.get_flavor.side_effect = self.get_flavor
        self.compute.volume_attachments.side_effect = self.volume_attachments

        self.network = mock.create_autospec(network_proxy.Proxy,
                                            instance=True)
        self.network.ports.side_effect = self.list_ports
        self.network.get_network.side_effect = self.get_network
        self.block_storage = mock.create_autospec(volume_proxy.Proxy,
                                                  instance=True)
        self.block_storage.get_volume.side_effect = self.get_volume
        self.connection = mock.Mock(
            spec=['compute', 'image', 'network', 'block_storage',
                  'current_project_id', 'session', 'endpoint_for'],
            compute=self.compute, image=self.image, network=self.network,
            block_storage=self.block_storage,
            current_project_id=self.project_id,
            session=self.compute.session)
        self.connection.endpoint_for.side_effect = self.endpoint_for

    # State set-up for tests.
    def add_server(self, name='node-0', **state):
        server = FakeCloudServer('00000000-0000-0000-0000-%012d'
                                 % next(self._ids), name, **state)
        self.servers[server.id] = server
        self.flavors[server.flavor_id] = dict(server.flavor,
                                              id=server.flavor_id)
        return server

    def add_network(self, name):
        network_id = '22222222-2222-2222-2222-%012d' % next(self._ids)
        self.networks[network_id] = name
        return network_id

    def add_port(self, server, mac, network_id, ips=()):
        """A Neutron port of ``server``: its next NIC."""
        port = {'id': '33333333-3333-3333-3333-%012d' % next(self._ids),
                'name': '', 'mac_address': mac, 'network_id': network_id,
                'device_id': server.id,
                'fixed_ips': [{'subnet_id': 'subnet', 'ip_address': ip}
                              for ip in ips]}
        self.ports.append(port)
        # Nova lists the port's network in the server's addresses (by
        # name, after the networks of earlier NICs), its IPs with the MAC.
        server.addresses.setdefault(self.networks[network_id], []).extend(
            {'version': 6 if ':' in ip else 4, 'addr': ip,
             'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': mac}
            for ip in ips)
        return port

    def add_volume(self, server, size, device):
        volume_id = '44444444-4444-4444-4444-%012d' % next(self._ids)
        self.volumes[volume_id] = size
        self.attachments.setdefault(server.id, []).append((volume_id,
                                                           device))
        return volume_id

    # Compute API.
    def create_console(self, server, console_type, console_protocol=None):
        fake = self._lookup(server)
        self.check_policy('os_compute_api:os-remote-consoles')
        if fake.task_state is not None:
            raise sdk_exc.ConflictException(
                message='Instance %s in task_state %s. Cannot '
                        'get_%s_console while the instance is in this '
                        'state.' % (fake.id, fake.task_state, console_type),
                http_status=409)
        available = (console_type in self.console_types
                     and fake.power_state == fn.RUNNING
                     and not (console_type == 'serial'
                              and fake.vm_state == fn.RESCUED
                              and not self.serial_in_rescue))
        if not available:
            raise sdk_exc.BadRequestException(
                message='Unavailable console type %s.' % console_type,
                http_status=400)
        self.consoles.append((fake.id, console_type))
        scheme = 'ws' if console_type == 'serial' else 'http'
        return {'type': console_type, 'protocol': console_type,
                'url': '%s://console.example/?token=secret-token-%d'
                       % (scheme, len(self.consoles))}

    def console_output(self, server, length=None):
        fake = self._lookup(server)
        self.check_policy('os_compute_api:os-console-output')
        if fake.console_log is None or (fake.power_state == fn.SHUTDOWN
                                        and not self.console_when_off):
            raise sdk_exc.NotFoundException(
                message='Guest does not have a console available.',
                http_status=404)
        lines = fake.console_log[-length:] if length else fake.console_log
        return {'output': ''.join(line + '\n' for line in lines)}

    def get_flavor(self, flavor, get_extra_specs=False):
        flavor_id = getattr(flavor, 'id', flavor)
        if flavor_id not in self.flavors:
            raise sdk_exc.NotFoundException(
                message='Flavor %s could not be found.' % flavor_id,
                http_status=404)
        values = dict(self.flavors[flavor_id])
        values['name'] = values.pop('original_name')
        return sdk_flavor.Flavor.existing(**values)

    def volume_attachments(self, server, **query):
        fake = self._lookup(server)
        return iter([sdk_attachment.VolumeAttachment.existing(
            volumeId=volume_id, device=device, server_id=fake.id)
            for volume_id, device in self.attachments.get(fake.id, [])])

    # Network and volume APIs.
    def list_ports(self, **query):
        assert set(query) == {'device_id'}, query
        return iter([sdk_port.Port.existing(**port) for port in self.ports
                     if port['device_id'] == query['device_id']])

    def get_network(self, network):
        if network not in self.networks:
            raise sdk_exc.NotFoundException(
                message='Network %s could not be found.' % network,
                http_status=404)
        return sdk_network.Network.existing(id=network,
                                            name=self.networks[network])

    def get_volume(self, volume):
        if volume not in self.volumes:
            raise sdk_exc.NotFoundException(message='No volume',
                                            http_status=404)
        return sdk_volume.Volume.existing(id=volume,
                                          size=self.volumes[volume])
