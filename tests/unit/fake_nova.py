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

"""Nova's state rules behind autospecced openstacksdk proxies.

The compute and image proxies are mock.create_autospec() of the real
openstacksdk Proxy classes, so a call with a signature the SDK does not have
fails. Their side effects enforce the vm_state/task_state rules of Nova's
compute API (nova/compute/api.py, summarised in shared/reference/facts.md):
an action in a state Nova refuses raises the real ConflictException (409),
and an accepted action sets a task_state that clears after a few reads of
the server, as Nova's compute manager would.
"""

import datetime
import itertools
import json
import time
from unittest import mock
from urllib import parse

from keystoneauth1 import discover
from openstack.compute.v2 import _proxy as compute_proxy
from openstack.compute.v2 import server as sdk_server
from openstack import exceptions as sdk_exc
from openstack.image.v2 import _proxy as image_proxy
from openstack.image.v2 import image as sdk_image
import requests

ACTIVE, STOPPED, RESCUED, ERROR = 'active', 'stopped', 'rescued', 'error'
PAUSED, SUSPENDED, RESIZED = 'paused', 'suspended', 'resized'
SHELVED, SHELVED_OFFLOADED = 'shelved', 'shelved_offloaded'
RUNNING, SHUTDOWN = 1, 4

# action -> (vm_states Nova allows, task_state while it runs,
#            vm_state and power_state at the end)
ACTIONS = {
    'os-start': ({STOPPED}, 'powering-on', ACTIVE, RUNNING),
    'os-stop': ({ACTIVE, ERROR}, 'powering-off', STOPPED, SHUTDOWN),
    'reboot SOFT': ({ACTIVE}, 'reboot_started', ACTIVE, RUNNING),
    'reboot HARD': ({ACTIVE, STOPPED, PAUSED, SUSPENDED, ERROR},
                    'reboot_started_hard', ACTIVE, RUNNING),
    'rescue': ({ACTIVE, STOPPED, ERROR}, 'rescuing', RESCUED, RUNNING),
    'unrescue': ({RESCUED}, 'unrescuing', ACTIVE, RUNNING),
    'unpause': ({PAUSED}, 'unpausing', ACTIVE, RUNNING),
    'resume': ({SUSPENDED}, 'resuming', ACTIVE, RUNNING),
    'unshelve': ({SHELVED, SHELVED_OFFLOADED}, 'unshelving', ACTIVE,
                 RUNNING),
}
CRASH_DUMP_STATES = {ACTIVE, PAUSED, RESCUED, RESIZED, ERROR}


class FakeServer:
    """One server's state in the fake Nova.

    Setting a state field stamps updated_at (wall clock, like Nova's
    TimestampMixin), which changes-since listings filter on.
    """

    STATE_FIELDS = ('vm_state', 'power_state', 'task_state', 'image_id',
                    'deleted')

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        if name in self.STATE_FIELDS:
            super().__setattr__('updated_at', time.time())

    def __init__(self, server_id, name, vm_state=ACTIVE, power_state=RUNNING,
                 task_state=None, image_id='disk-image-id'):
        self.id = server_id
        self.name = name
        self.vm_state = vm_state
        self.power_state = power_state
        self.task_state = task_state
        self.image_id = image_id
        self.rescue_image = None
        self.pending = None   # (reads left, vm_state, power_state)
        self.deleted = False

    def as_sdk(self):
        return sdk_server.Server.existing(
            id=self.id, name=self.name, vm_state=self.vm_state,
            task_state=self.task_state, power_state=self.power_state,
            image={'id': self.image_id} if self.image_id else '')

    def as_nova(self):
        """The server as Nova 2.1's server view shows it."""
        return {'id': self.id, 'name': self.name,
                'status': 'DELETED' if self.deleted else 'ACTIVE',
                'OS-EXT-STS:vm_state': self.vm_state,
                'OS-EXT-STS:task_state': self.task_state,
                'OS-EXT-STS:power_state': self.power_state,
                'image': ({'id': self.image_id, 'links': []}
                          if self.image_id else '')}


def json_response(status, body):
    """A real requests.Response carrying a JSON body."""
    response = requests.Response()
    response.status_code = status
    response.headers['Content-Type'] = 'application/json'
    response._content = json.dumps(body).encode()
    response.url = 'http://nova.example/v2.1'
    return response


class FakeNova:
    """A small Nova behind autospecced openstacksdk compute/image proxies."""

    def __init__(self, max_microversion='2.100', reads_per_task=2):
        self.servers = {}
        self.images = {}
        self.actions = []            # (server id, action) accepted
        self.refused = []            # (server id, action) answered 409
        self.reads = 0
        self.reads_at_actions = []   # self.reads when each action came
        self.listings = 0
        self.deleted = {}            # deleted servers, by id
        self.reads_per_task = reads_per_task
        self._ids = itertools.count(1)

        self.compute = mock.create_autospec(compute_proxy.Proxy,
                                            instance=True)
        self.compute.default_microversion = None
        self.compute.get_endpoint_data.return_value = discover.EndpointData(
            min_microversion='2.1', max_microversion=max_microversion)
        self.compute.get_server.side_effect = self.get_server
        self.compute.find_server.side_effect = self.find_server
        self.compute.get.side_effect = self.get
        self.compute.start_server.side_effect = self._action('os-start')
        self.compute.stop_server.side_effect = self._action('os-stop')
        self.compute.reboot_server.side_effect = self.reboot_server
        self.compute.rescue_server.side_effect = self.rescue_server
        self.compute.unrescue_server.side_effect = self._action('unrescue')
        self.compute.unpause_server.side_effect = self._action('unpause')
        self.compute.resume_server.side_effect = self._action('resume')
        self.compute.unshelve_server.side_effect = self._action('unshelve')
        self.compute.trigger_server_crash_dump.side_effect = self.crash_dump

        self.image = mock.create_autospec(image_proxy.Proxy, instance=True)
        self.image.get_image.side_effect = self.get_image
        self.image.find_image.side_effect = self.find_image

        self.connection = mock.Mock(spec=['compute', 'image'],
                                    compute=self.compute, image=self.image)

    # State set-up for tests.
    def add_server(self, name='node-0', **state):
        server = FakeServer('00000000-0000-0000-0000-%012d'
                            % next(self._ids), name, **state)
        self.servers[server.id] = server
        return server

    def delete_server(self, server_id):
        """Delete a server as Nova does.

        It is gone, but shown (status DELETED) by changes-since listings.
        """
        fake = self.servers.pop(server_id)
        fake.vm_state, fake.deleted = 'deleted', True
        self.deleted[server_id] = fake

    def add_image(self, name, **properties):
        image = sdk_image.Image.existing(
            id='11111111-1111-1111-1111-%012d' % next(self._ids), name=name,
            properties=properties)
        self.images[image.id] = image
        return image

    # Compute API.
    def _lookup(self, server):
        server_id = getattr(server, 'id', server)
        if server_id not in self.servers:
            raise sdk_exc.NotFoundException(
                message='Instance %s could not be found.' % server_id,
                http_status=404)
        return self.servers[server_id]

    def get_server(self, server):
        fake = self._lookup(server)
        self.reads += 1
        if fake.pending:
            reads_left, vm_state, power_state = fake.pending
            if reads_left <= 1:
                fake.vm_state, fake.power_state = vm_state, power_state
                fake.task_state, fake.pending = None, None
            else:
                fake.pending = (reads_left - 1, vm_state, power_state)
        return fake.as_sdk()

    def get(self, url, **kwargs):
        """A plain GET on the compute endpoint.

        Only the server listing, in one page
        (tests/unit/test_server_snapshot_http.py pages), with Nova's
        changes-since filter (deleted servers included).
        """
        path, _, query = url.partition('?')
        assert path == '/servers/detail', url
        assert kwargs == {'microversion': '2.1'}, kwargs
        query = parse.parse_qs(query, strict_parsing=bool(query))
        assert set(query) <= {'changes-since'}, url
        self.listings += 1
        if 'changes-since' not in query:
            return json_response(200, {'servers': [
                fake.as_nova() for fake in self.servers.values()]})
        since = datetime.datetime.strptime(
            query['changes-since'][0], '%Y-%m-%dT%H:%M:%SZ').replace(
                tzinfo=datetime.timezone.utc).timestamp()
        return json_response(200, {'servers': [
            fake.as_nova() for fake in itertools.chain(
                self.servers.values(), self.deleted.values())
            if fake.updated_at >= since]})

    def find_server(self, name_or_id, ignore_missing=True, **query):
        if name_or_id in self.servers:
            return self.servers[name_or_id].as_sdk()
        found = [s for s in self.servers.values() if s.name == name_or_id]
        if len(found) > 1:
            raise sdk_exc.DuplicateResource(
                'More than one Server exists with the name %s' % name_or_id)
        if not found:
            if ignore_missing:
                return None
            raise sdk_exc.NotFoundException(
                message='No Server found for %s' % name_or_id)
        return found[0].as_sdk()

    def _start(self, server, action):
        fake = self._lookup(server)
        self.reads_at_actions.append(self.reads)
        allowed, task_state, vm_state, power_state = ACTIONS[action]
        if fake.task_state is not None or fake.vm_state not in allowed:
            self.refused.append((fake.id, action))
            raise sdk_exc.ConflictException(
                message="Cannot '%s' instance %s while it is in vm_state %s"
                        ", task_state %s" % (action, fake.id, fake.vm_state,
                                             fake.task_state),
                http_status=409)
        self.actions.append((fake.id, action))
        fake.task_state = task_state
        fake.pending = (self.reads_per_task, vm_state, power_state)
        return fake

    def _action(self, action):
        def act(server):
            self._start(server, action)
        return act

    def reboot_server(self, server, reboot_type):
        self._start(server, 'reboot %s' % reboot_type)

    def rescue_server(self, server, admin_pass=None, image=None):
        fake = self._start(server, 'rescue')
        fake.rescue_image = image

    def crash_dump(self, server):
        fake = self._lookup(server)
        if (fake.vm_state not in CRASH_DUMP_STATES
                or fake.power_state != RUNNING):
            raise sdk_exc.ConflictException(
                message='Cannot trigger crash dump', http_status=409)
        self.actions.append((fake.id, 'crash-dump'))

    # Image API.
    def get_image(self, image):
        image_id = getattr(image, 'id', image)
        if image_id not in self.images:
            raise sdk_exc.NotFoundException(message='No image %s' % image_id,
                                            http_status=404)
        return self.images[image_id]

    def find_image(self, name_or_id, ignore_missing=True, **query):
        found = [i for i in self.images.values()
                 if name_or_id in (i.id, i.name)]
        if len(found) > 1:
            raise sdk_exc.DuplicateResource('several images %s' % name_or_id)
        if not found:
            if ignore_missing:
                return None
            raise sdk_exc.NotFoundException(message='No image')
        return found[0]
