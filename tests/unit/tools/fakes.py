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

"""A small host cloud and Ironic behind autospecced openstacksdk proxies.

Every proxy is mock.create_autospec() of the real openstacksdk Proxy class,
so a call the SDK does not have, or with arguments it would refuse, fails
the test. The side effects keep just enough state (servers, ports, images,
nodes) for the tools' find-or-create logic, and return real SDK resource
objects.
"""

import base64
import binascii
import itertools
import re
import types
from unittest import mock

from keystoneauth1 import discover
from openstack.baremetal.v1 import _proxy as baremetal_proxy
from openstack.compute.v2 import _proxy as compute_proxy
from openstack.compute.v2 import flavor as sdk_flavor
from openstack.compute.v2 import server as sdk_server
from openstack.compute.v2 import server_interface as sdk_interface
from openstack import exceptions as sdk_exc
from openstack.image.v2 import _proxy as image_proxy
from openstack.image.v2 import image as sdk_image
from openstack.network.v2 import _proxy as network_proxy

from tests.unit.tools import fake_ironic
from tests.unit.tools import fake_neutron

FLAVOR = {'vcpus': 2, 'ram': 1024, 'disk': 10, 'original_name': 'bm.small'}
# Nova's vm_state behind each status the fake keeps.
VM_STATES = {'ACTIVE': 'active', 'SHUTOFF': 'stopped', 'BUILD': 'building',
             'ERROR': 'error', 'RESCUE': 'rescued', 'PAUSED': 'paused',
             'SUSPENDED': 'suspended', 'SHELVED': 'shelved'}
# vm_states in which Nova changes server metadata (update_instance_metadata:
# check_instance_state, task_state None).
METADATA_STATES = {'active', 'stopped', 'paused', 'suspended'}


class FakeCloud(fake_ironic.FakeIronic, fake_neutron.FakeNeutron):
    """Nova, Neutron, Glance and Ironic as autospecced proxies."""

    def __init__(self, ip_allocation=True, subnets=(),
                 network_port_security=False):
        self._ids = itertools.count(1)
        self.servers = {}       # id -> dict
        self.ports = {}         # id -> dict
        self.networks = {}
        self.images = {}        # id -> sdk Image
        self.nodes = {}         # id -> dict
        self.bm_ports = {}      # id -> dict
        self.subnets = list(subnets)
        self.ip_allocation = ip_allocation
        #: Neutron refuses a chosen MAC (its policy, as for a port on a
        #: network the user does not own).
        self.refuse_mac_choice = False
        self.macs_made = 0
        self.fail_create_server = set()     # names
        self.build_error = set()            # names that end in ERROR
        #: Per create request, Nova's numbers (1-based; a request for one
        #: server is number 1) of the servers whose build ends in ERROR.
        self.failing_batches = []
        #: Node listings asked for.
        self.node_listings = 0
        #: Listings a node stays in verifying after "manage" (Ironic's
        #: power check); 0: manageable at once.
        self.verify_listings = 0
        #: "manage" requests refused with 503 (no free conductor workers)
        #: before one is accepted.
        self.busy_answers = 0
        #: Detailed and plain server listings asked for.
        self.listings = 0
        #: The compute microversion servers are read at (openstacksdk's
        #: negotiated one); None: not shown. From 2.98 a read embeds the
        #: image properties Nova kept when it built the server.
        self.compute_microversion = None
        #: Listings that fail before one answers (openstacksdk's endless
        #: pagination loop, seen during big multi-creates).
        self.failed_listings = 0
        self.flavor = sdk_flavor.Flavor.existing(id='flavor-id',
                                                 name='bm.small', **{
                                                     k: v for k, v in
                                                     FLAVOR.items()
                                                     if k != 'original_name'})
        net = self.add_network('prov', port_security=network_port_security)
        self.prov = net

        self.compute = mock.create_autospec(compute_proxy.Proxy,
                                            instance=True)
        self.network = mock.create_autospec(network_proxy.Proxy,
                                            instance=True)
        self.image = mock.create_autospec(image_proxy.Proxy, instance=True)
        self.baremetal = mock.create_autospec(baremetal_proxy.Proxy,
                                              instance=True)
        c, n, i, b = self.compute, self.network, self.image, self.baremetal
        c.find_flavor.side_effect = self._find_flavor
        c.get_flavor.side_effect = lambda f, get_extra_specs=False: \
            self.flavor
        c.servers.side_effect = self._servers
        c.find_server.side_effect = self._find_server
        c.create_server.side_effect = self._create_server
        c.get_server.side_effect = self._get_server
        c.update_server.side_effect = self._update_server
        c.delete_server.side_effect = self._delete_server
        c.stop_server.side_effect = self._stop_server
        c.set_server_metadata.side_effect = self._set_server_metadata
        c.server_interfaces.side_effect = self._server_interfaces
        n.find_network.side_effect = self._find_network
        n.create_network.side_effect = self._create_network
        n.subnets.side_effect = self._subnets
        n.get_subnet.side_effect = self._get_subnet
        n.find_extension.side_effect = self._find_extension
        n.ports.side_effect = self._ports
        n.create_port.side_effect = self._create_port
        n.delete_port.side_effect = self._delete_port
        n.update_port.side_effect = self._update_port
        n.get_network.side_effect = self._get_network
        i.find_image.side_effect = self._find_image
        i.get_image.side_effect = self._get_image
        i.images.side_effect = lambda **q: iter(
            [img for img in self.images.values()
             if img.name == q.get('name')])
        b.find_node.side_effect = self._find_node
        b.nodes.side_effect = self._nodes
        b.create_node.side_effect = self._create_node
        b.delete_node.side_effect = self._delete_node
        b.patch_node.side_effect = self._patch_node
        b.get_node.side_effect = lambda node, fields=None: self._node(
            self.nodes[getattr(node, 'id', node)])
        b.ports.side_effect = self._bm_ports
        b.create_port.side_effect = self._create_bm_port
        b.set_node_provision_state.side_effect = self._set_provision_state
        b.set_node_power_state.side_effect = self._set_power_state
        b.set_node_boot_device.side_effect = self._set_boot_device

    @property
    def conn(self):
        return types.SimpleNamespace(compute=self.compute,
                                     network=self.network, image=self.image,
                                     baremetal=self.baremetal,
                                     current_project_id=self.project_id)

    def new_id(self, kind):
        return '%s-%d' % (kind, next(self._ids))

    # Nova
    def _find_flavor(self, name_or_id, ignore_missing=True, **kw):
        if name_or_id in ('bm.small', 'flavor-id'):
            return self.flavor
        return None

    def add_server(self, name, status='SHUTOFF', image_id='image-1',
                   mac=None, network_id=None):
        server_id = self.new_id('server')
        self.servers[server_id] = {
            'id': server_id, 'name': name, 'status': status,
            'task_state': None, 'flavor': dict(FLAVOR),
            'image': {'id': image_id} if image_id else '', 'reads': 0,
            'metadata': {}, 'addresses': {}, 'kept': self._kept(image_id)}
        if mac:
            port_id = self.new_id('port')
            self.ports[port_id] = {
                'name': '%s-provisioning' % name, 'mac_address': mac,
                'network_id': network_id or self.prov.id,
                'device_id': server_id, 'fixed_ips': [],
                'ip_allocation': 'none'}
            self.servers[server_id]['addresses'] = self.addresses(
                [{'port': port_id}])
        return server_id

    def _kept(self, image_id):
        """The image properties Nova keeps with a server it builds.

        Only the standard ones (hw_*; Glance's architecture as
        hw_architecture), copied at build time.
        """
        image = self.images.get(image_id)
        if image is None:
            return {}
        kept = {k: v for k, v in (image.properties or {}).items()
                if k.startswith('hw_')}
        if image.architecture and 'hw_architecture' not in kept:
            kept['hw_architecture'] = image.architecture
        return kept

    def _server(self, data):
        fields = {k: v for k, v in data.items() if k not in ('reads',
                                                             'kept')}
        version = self.compute_microversion
        if version:
            fields['microversion'] = version
            if data['image'] and discover.version_between(
                    (2, 98), None, version):
                fields['image'] = dict(data['image'],
                                       properties=dict(data['kept']))
        fields['vm_state'] = VM_STATES[data['status']]
        fields['metadata'] = dict(data.get('metadata') or {})
        if data['status'] == 'ERROR':
            fields['fault'] = {'message': 'No valid host was found.'}
        return sdk_server.Server.existing(**fields)

    def _servers(self, details=True, all_projects=False, **query):
        """GET /servers[/detail]: without details, the ID and name only.

        ``name`` is a regular expression, as Nova takes it. A detailed
        listing moves each server on as a read of it does (_advance).
        """
        self.listings += 1
        if self.failed_listings:
            self.failed_listings -= 1
            raise sdk_exc.SDKException(
                'Endless pagination loop detected, aborting')
        found = [s for s in self.servers.values()
                 if re.search(query.get('name', ''), s['name'])]
        if details:
            for data in found:
                self._advance(data)
        return iter([self._server(s) if details
                     else sdk_server.Server.existing(id=s['id'],
                                                     name=s['name'])
                     for s in found])

    def _find_server(self, name_or_id, ignore_missing=True, **kw):
        found = [s for s in self.servers.values()
                 if name_or_id in (s['id'], s['name'])]
        if len(found) > 1:
            raise sdk_exc.DuplicateResource('several')
        return self._server(found[0]) if found else None

    def _create_server(self, **attrs):
        """POST /servers; min_count = max_count = N: Nova's multi-create.

        Nova names the N servers of one request NAME-1 ... NAME-N (its
        default multi_instance_display_name_template) and answers with
        the first.
        """
        assert set(attrs) <= {'name', 'flavor_id', 'image_id', 'networks',
                              'min_count', 'max_count', 'key_name',
                              'metadata', 'user_data'}
        if 'user_data' in attrs:
            # Nova: base64, at most 65535 bytes as sent (schema, 400).
            try:
                base64.b64decode(attrs['user_data'], validate=True)
            except binascii.Error:
                raise sdk_exc.BadRequestException(
                    message='Invalid input for field/attribute user_data.',
                    http_status=400)
            if len(attrs['user_data']) > 65535:
                raise sdk_exc.BadRequestException(
                    message='Invalid input for field/attribute user_data. '
                            'Value: is too long', http_status=400)
        if attrs['name'] in self.fail_create_server:
            raise sdk_exc.HttpException(message='Quota exceeded',
                                        http_status=403)
        count = attrs.get('max_count', 1)
        assert attrs.get('min_count', count) == count
        if count > 1:
            assert not any('port' in net for net in attrs['networks']
                           if attrs['networks'] != 'none'), \
                'Nova refuses one port for several servers'
        made = []
        failing = self.failing_batches.pop(0) if self.failing_batches \
            else ()
        for i in range(1, count + 1):
            server_id = self.new_id('server')
            for net in attrs['networks']:
                if 'port' in net:
                    self.ports[net['port']]['device_id'] = server_id
            name = attrs['name'] if count == 1 else '%s-%d' % (
                attrs['name'], i)
            if i in failing:
                self.build_error.add(name)
            self.servers[server_id] = {
                'id': server_id, 'name': name, 'status': 'BUILD',
                'task_state': 'spawning', 'flavor': dict(FLAVOR),
                'image': {'id': attrs['image_id']}, 'reads': 0,
                'metadata': dict(attrs.get('metadata') or {}),
                'addresses': self.addresses(attrs['networks']),
                'kept': self._kept(attrs['image_id'])}
            made.append(self._server(self.servers[server_id]))
        return made[0]

    def _update_server(self, server, **attrs):
        """PUT /servers/{id}: the name, in any state."""
        assert set(attrs) <= {'name'}, attrs
        data = self.servers[getattr(server, 'id', server)]
        data.update(attrs)
        return self._server(data)

    def _delete_server(self, server, ignore_missing=True, force=False):
        server_id = getattr(server, 'id', server)
        if server_id not in self.servers and not ignore_missing:
            raise sdk_exc.NotFoundException(message='no server')
        self.servers.pop(server_id, None)
        # Nova unbinds the ports it was given (it deletes only its own).
        for port in self.ports.values():
            if port['device_id'] == server_id:
                port['device_id'] = ''

    def _get_server(self, server):
        data = self.servers[getattr(server, 'id', server)]
        self._advance(data)
        return self._server(data)

    def _advance(self, data):
        """A read of a server: its task ends at the second read."""
        data['reads'] += 1
        if data['reads'] >= 2 and data['task_state']:
            if data['status'] == 'BUILD':
                data['status'] = ('ERROR' if data['name'] in self.build_error
                                  else 'ACTIVE')
            elif data['task_state'] == 'powering-off':
                data['status'] = 'SHUTOFF'
            data['task_state'] = None

    def _stop_server(self, server):
        data = self.servers[getattr(server, 'id', server)]
        if data['status'] not in ('ACTIVE', 'ERROR') or data['task_state']:
            raise sdk_exc.ConflictException(message='409', http_status=409)
        data['task_state'] = 'powering-off'
        data['reads'] = 0

    def _set_server_metadata(self, server, **metadata):
        """POST /servers/{id}/metadata, with Nova's state rules (409)."""
        data = self.servers[getattr(server, 'id', server)]
        if (VM_STATES[data['status']] not in METADATA_STATES
                or data['task_state']):
            raise sdk_exc.ConflictException(
                message="Cannot 'update metadata' instance %s while it is "
                        "in vm_state %s" % (data['id'],
                                            VM_STATES[data['status']]),
                http_status=409)
        data['metadata'].update(metadata)
        return self._server(data)

    def _server_interfaces(self, server, **query):
        server_id = getattr(server, 'id', server)
        return iter([sdk_interface.ServerInterface.existing(
            port_id=port_id, mac_addr=p['mac_address'],
            net_id=p['network_id'], server_id=server_id,
            fixed_ips=p.get('fixed_ips', []))
            for port_id, p in self.ports.items()
            if p['device_id'] == server_id])

    # Glance
    def add_image(self, name, status='active', properties=None, **fields):
        image = sdk_image.Image.existing(
            id=self.new_id('image'), name=name, status=status,
            properties=dict(properties or {}), **fields)
        self.images[image.id] = image
        return image

    def _find_image(self, name_or_id, ignore_missing=True):
        for image in self.images.values():
            if name_or_id in (image.id, image.name):
                return image
        return None

    def _get_image(self, image):
        image_id = getattr(image, 'id', image)
        if image_id not in self.images:
            raise sdk_exc.NotFoundException(message='no image')
        return self.images[image_id]
