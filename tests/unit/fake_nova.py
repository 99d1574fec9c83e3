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

What real Nova does and the lab's fake compute hides is modelled too:

* a graceful stop (os-stop, or rescue of a running guest) waits for the
  guest: a guest that ignores ACPI (``FakeServer.ignores_acpi``) is forced
  off only after the server's own os_shutdown_timeout (kept from the image
  it was built from) or the compute's shutdown_timeout (60 s), measured on
  a FakeClock when a test installs one (``FakeNova.use_clock``);
* a guest can power itself off (``FakeServer.halt``): in RESCUE that is
  what IPA does at the end of a deploy, and Nova shows vm_state rescued
  with power_state SHUTDOWN;
* a guest the hypervisor paused (power_state 3 under vm_state active:
  Nova changes nothing else) ignores the ACPI shutdown of a graceful stop;
* a locked server refuses every action with Nova's own 409 body
  ("Instance <uuid> is locked"), before any state check, as
  nova.compute.api's check_instance_lock does;
* at compute microversion 2.98 or later a server read embeds the standard
  image properties Nova kept from the server's image (never
  os_shutdown_timeout: it is not an ImageMetaProps field);
* server metadata (the node mark among it) shows in reads and listings,
  and changes only in the vm_states Nova allows, with no task running,
  on an unlocked server (nova.compute.api update_instance_metadata).
* Glance's side (images, their owners and uploads): fake_glance.py.
"""

import datetime
import email.utils
import itertools
import json
import time
from unittest import mock
from urllib import parse

from keystoneauth1 import discover
from openstack.compute.v2 import _proxy as compute_proxy
from openstack.compute.v2 import server as sdk_server
from openstack import exceptions as sdk_exc
import requests

from tests.unit import fake_glance

ACTIVE, STOPPED, RESCUED, ERROR = 'active', 'stopped', 'rescued', 'error'
PAUSED, SUSPENDED, RESIZED = 'paused', 'suspended', 'resized'
SHELVED, SHELVED_OFFLOADED = 'shelved', 'shelved_offloaded'
RUNNING, SHUTDOWN = 1, 4
# power_state of a guest the hypervisor paused (libvirt on an I/O error,
# virsh suspend) or does not find, under a server Nova means to run.
GUEST_PAUSED, NOSTATE = 3, 0

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
# vm_states in which Nova changes server metadata.
METADATA_STATES = {ACTIVE, PAUSED, SUSPENDED, STOPPED}
# Actions during which Nova's compute shuts a running guest down cleanly.
GRACEFUL_STOPS = {'os-stop', 'rescue'}
# nova.conf [DEFAULT]shutdown_timeout.
COMPUTE_SHUTDOWN_TIMEOUT = 60
# Seconds a guest that honours ACPI takes to shut down.
ACPI_SHUTDOWN_SECONDS = 2
# Seconds beyond the clean shutdown wait until an ACPI-deaf guest is off
# (the destroy; measured 61.3 s for a 60 s wait, 6.8 s for 5 s).
FORCE_OFF_SECONDS = 1.5
# The standard image properties Nova 2.98 embeds (ImageMetaProps fields);
# os_shutdown_timeout is not one of them.
EMBEDDED_PROPERTIES = {'hw_firmware_type', 'hw_machine_type',
                       'hw_rescue_device', 'hw_rescue_bus',
                       'hw_architecture', 'os_distro', 'os_secure_boot'}


class FakeClock:
    """time.monotonic and time.sleep of a test, without real waiting."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class FakeServer:
    """One server's state in the fake Nova.

    Setting a state field or the name stamps updated_at (wall clock, like
    Nova's TimestampMixin), which changes-since listings filter on.
    """

    STATE_FIELDS = ('vm_state', 'power_state', 'task_state', 'image_id',
                    'deleted', 'name')

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
        self.ready_at = None  # FakeClock time the pending task ends
        self.locked = False
        # Properties Nova copied from the image at build time (system
        # metadata): they outlive the image in Glance. None: those of
        # image_id as uploaded to the FakeNova.
        self.image_properties = None
        self.ignores_acpi = False
        self.halt_after = None   # reads until the guest powers itself off
        # What an admin sees (OS-EXT-SRV-ATTR:host; host_status >= 2.16);
        # None: not shown.
        self.compute_host = None
        self.host_status = None
        self.metadata = {}

    def halt(self, after_reads=0):
        """The guest powers itself off (IPA's in-band power off, a halt).

        Nova learns it from the hypervisor only later (libvirt delays the
        event by 15 s): ``after_reads`` reads still show the guest running.
        """
        if after_reads:
            self.halt_after = after_reads
        else:
            self.power_state = SHUTDOWN

    def shutdown_timeout(self, kept):
        """Nova's clean shutdown wait for this server's guest."""
        value = kept.get('os_shutdown_timeout')
        return int(value) if value is not None else COMPUTE_SHUTDOWN_TIMEOUT

    def as_sdk(self, microversion='2.1', kept=None):
        image = ''
        if self.image_id:
            image = {'id': self.image_id, 'links': []}
            if discover.version_between((2, 98), None, microversion):
                image['properties'] = {
                    k: v for k, v in (kept or {}).items()
                    if k in EMBEDDED_PROPERTIES}
        return sdk_server.Server.existing(
            id=self.id, name=self.name, vm_state=self.vm_state,
            task_state=self.task_state, power_state=self.power_state,
            is_locked=self.locked, image=image, microversion=microversion,
            compute_host=self.compute_host, host_status=self.host_status,
            metadata=dict(self.metadata))

    def as_nova(self):
        """The server as Nova 2.1's server view shows it."""
        body = {'id': self.id, 'name': self.name,
                'status': 'DELETED' if self.deleted else 'ACTIVE',
                'OS-EXT-STS:vm_state': self.vm_state,
                'OS-EXT-STS:task_state': self.task_state,
                'OS-EXT-STS:power_state': self.power_state,
                'image': ({'id': self.image_id, 'links': []}
                          if self.image_id else ''),
                'metadata': dict(self.metadata)}
        if self.compute_host is not None:
            body['OS-EXT-SRV-ATTR:host'] = self.compute_host
        if self.host_status is not None:
            body['host_status'] = self.host_status
        return body


def json_response(status, body):
    """A real requests.Response carrying a JSON body.

    Dated as nova-api's answers are (Date header, whole seconds of the
    wall clock).
    """
    response = requests.Response()
    response.status_code = status
    response.headers['Content-Type'] = 'application/json'
    response.headers['Date'] = email.utils.formatdate(time.time(),
                                                      usegmt=True)
    response._content = json.dumps(body).encode()
    response.url = 'http://nova.example/v2.1'
    return response


class FakeNova(fake_glance.FakeGlance):
    """A small Nova behind autospecced openstacksdk compute/image proxies."""

    def __init__(self, max_microversion='2.100', reads_per_task=2):
        self._max_microversion = max_microversion
        self.project_id = self.PROJECT_ID
        self.clock = None
        self.servers = {}
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
        self.compute.set_server_metadata.side_effect = self.set_metadata

        self.image = self.image_proxy()

        self.connection = mock.Mock(
            spec=['compute', 'image', 'current_project_id'],
            compute=self.compute, image=self.image,
            current_project_id=self.project_id)

    @property
    def max_microversion(self):
        """The newest compute microversion of the cloud."""
        return self._max_microversion

    @max_microversion.setter
    def max_microversion(self, version):
        # Version discovery says what the server reads are made at.
        self._max_microversion = version
        self.compute.get_endpoint_data.return_value.max_microversion = (
            discover.normalize_version_number(version))

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

    def use_clock(self, clock):
        """Let graceful stops take the time they take on ``clock``."""
        self.clock = clock

    def microversion(self):
        """The microversion openstacksdk negotiates for Server reads."""
        return '.'.join(str(n) for n in discover.normalize_version_number(
            min(self.max_microversion, sdk_server.Server._max_microversion,
                key=discover.normalize_version_number)))

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
            in_time = (fake.ready_at is None or self.clock is None
                       or self.clock.now >= fake.ready_at)
            if reads_left <= 1 and in_time:
                fake.vm_state, fake.power_state = vm_state, power_state
                fake.task_state, fake.pending = None, None
                fake.ready_at = None
            else:
                fake.pending = (max(reads_left - 1, 1), vm_state,
                                power_state)
        elif fake.halt_after is not None:
            fake.halt_after -= 1
            if fake.halt_after <= 0:
                fake.halt_after = None
                fake.power_state = SHUTDOWN
        return fake.as_sdk(self.microversion(), self.kept_properties(fake))

    def kept_properties(self, fake):
        """The image properties Nova keeps with a server."""
        if fake.image_properties is not None:
            return fake.image_properties
        return self.image_properties.get(fake.image_id, {})

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

    def _conflict(self, fake, action, message):
        """Refuse as nova-api does: 409 with a conflictingRequest body."""
        self.refused.append((fake.id, action))
        sdk_exc.raise_from_response(json_response(409, {
            'conflictingRequest': {'code': 409, 'message': message}}))

    def _start(self, server, action):
        fake = self._lookup(server)
        self.reads_at_actions.append(self.reads)
        allowed, task_state, vm_state, power_state = ACTIONS[action]
        if fake.locked:
            # nova.compute.api.check_instance_lock, before the state check.
            self._conflict(fake, action, 'Instance %s is locked' % fake.id)
        if fake.task_state is not None or fake.vm_state not in allowed:
            attr, state = (('task_state', fake.task_state)
                           if fake.task_state is not None
                           else ('vm_state', fake.vm_state))
            self._conflict(fake, action,
                           "Cannot '%s' instance %s while it is in %s %s"
                           % (action.split()[0], fake.id, attr, state))
        self.actions.append((fake.id, action))
        fake.task_state = task_state
        fake.pending = (self.reads_per_task, vm_state, power_state)
        fake.halt_after = None
        if (action in GRACEFUL_STOPS
                and fake.power_state in (RUNNING, GUEST_PAUSED)
                and self.clock is not None):
            timeout = fake.shutdown_timeout(self.kept_properties(fake))
            # A paused guest's CPUs cannot take the ACPI shutdown.
            deaf = fake.ignores_acpi or fake.power_state == GUEST_PAUSED
            wait = (timeout + FORCE_OFF_SECONDS if deaf
                    else min(ACPI_SHUTDOWN_SECONDS, timeout))
            fake.ready_at = self.clock.now + wait
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

    def set_metadata(self, server, **metadata):
        """POST /servers/{id}/metadata, refused as Nova refuses it."""
        fake = self._lookup(server)
        if fake.locked:
            self._conflict(fake, 'update metadata',
                           'Instance %s is locked' % fake.id)
        if fake.task_state is not None or fake.vm_state not in \
                METADATA_STATES:
            self._conflict(fake, 'update metadata',
                           "Cannot 'update metadata' instance %s while it "
                           "is in vm_state %s" % (fake.id, fake.vm_state))
        fake.metadata.update(metadata)
        return fake.as_sdk(self.microversion(), self.kept_properties(fake))

    def crash_dump(self, server):
        fake = self._lookup(server)
        if fake.locked:
            self._conflict(fake, 'trigger_crash_dump',
                           'Instance %s is locked' % fake.id)
        if (fake.vm_state not in CRASH_DUMP_STATES
                or fake.power_state != RUNNING):
            raise sdk_exc.ConflictException(
                message='Cannot trigger crash dump', http_status=409)
        self.actions.append((fake.id, 'crash-dump'))
