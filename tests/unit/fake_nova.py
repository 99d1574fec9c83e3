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
* a locked server refuses every action of non-admin credentials with
  Nova's own 409 body ("Instance <uuid> is locked"), before any state
  check, as nova.compute.api's check_instance_lock does; admins
  (``FakeNova(admin=True)``) pass locks; a lock is the owner's or an
  admin's as Nova records it (fake_nova_refusals.py);
* rescue with an image Glance does not have (deleted, unknown) is 400, as
  is rescue of a volume-backed server below microversion 2.87 or with a
  rescue image that does not ask for stable device rescue; a crash dump
  is refused (409) while a task runs; a hard reboot is accepted during
  the tasks Nova lets it override (a soft reboot among them);
* the microversion of each request is openstacksdk's: the proxy's
  default_microversion where the driver pins one (a compute microversion
  cap), else the newest both the SDK's Server and the cloud offer;
* a policy rule the cloud's policy denies these credentials
  (``FakeNova.denied``) is refused 403 with Nova's own message before
  any lock or state check, as the API's context.can() does;
* the credentials are a member's by default: Nova shows the server's host
  and, from 2.16, its host_status only to admins, and the compute services
  (``GET /os-services``, FakeNova.services) answer admins only (403);
* server metadata (the node mark among it) shows in reads and listings,
  and changes only in the vm_states Nova allows, whatever task runs,
  on an unlocked server (nova.compute.api update_instance_metadata).
* The servers and Nova's views of them (microversions, policies, status):
  fake_nova_server.py; Glance's side (images, their owners and uploads):
  fake_glance.py.
"""

import itertools
from unittest import mock

from keystoneauth1 import discover
from openstack.compute.v2 import _proxy as compute_proxy
from openstack.compute.v2 import server as sdk_server
from openstack import exceptions as sdk_exc

from tests.unit import fake_glance
from tests.unit import fake_nova_refusals
from tests.unit import fake_nova_server as fns
from tests.unit import fake_nova_views

# The states and the server, where the tests find them.
ACTIVE, STOPPED, RESCUED, ERROR = fns.ACTIVE, fns.STOPPED, fns.RESCUED, \
    fns.ERROR
PAUSED, SUSPENDED, RESIZED = fns.PAUSED, fns.SUSPENDED, fns.RESIZED
SHELVED, SHELVED_OFFLOADED = fns.SHELVED, fns.SHELVED_OFFLOADED
RUNNING, SHUTDOWN, GUEST_PAUSED, NOSTATE = fns.RUNNING, fns.SHUTDOWN, \
    fns.GUEST_PAUSED, fns.NOSTATE
FakeClock, FakeServer = fns.FakeClock, fns.FakeServer
json_response = fake_nova_views.json_response
COMPUTE_HOST = fns.COMPUTE_HOST
# The Nova policy rule of each action (nova/policies/*.py).
POLICIES = fake_nova_refusals.POLICIES
# The compute endpoint in the fake cloud's catalog.
NOVA_URL = 'http://nova.example.test/v2.1'
GLANCE_URL = 'http://glance.example.test'
#: The catalog: Connection.endpoint_for of each service the fake has.
ENDPOINTS = {'compute': NOVA_URL, 'image': GLANCE_URL}


class FakeNova(fake_glance.FakeGlance, fake_nova_views.NovaViews,
               fake_nova_refusals.NovaRefusals):
    """A small Nova behind autospecced openstacksdk compute/image proxies."""

    def __init__(self, max_microversion='2.100', reads_per_task=2,
                 admin=False):
        self._max_microversion = max_microversion
        # Credentials that pass Nova's admin-only policies.
        self.admin = admin
        # Compute services by host, as os-services shows them.
        self.services = {fns.COMPUTE_HOST: {
            'state': 'up', 'status': 'enabled', 'forced_down': False}}
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
        # Nova policy rules refused to these credentials.
        self.denied = set()
        self._ids = itertools.count(1)

        self.compute = mock.create_autospec(compute_proxy.Proxy,
                                            instance=True)
        self.compute.default_microversion = None
        self.compute.get_endpoint_data.return_value = discover.EndpointData(
            min_microversion='2.1', max_microversion=max_microversion)
        # Nova's version document, as read once per connection: the
        # session's discovery cache holds it (the driver asks
        # keystoneauth's get_discovery, which then sends nothing).
        self.compute.get_endpoint.return_value = NOVA_URL
        self.compute.session = mock.Mock(
            spec=['_discovery_cache', 'auth'], auth=None,
            _discovery_cache={NOVA_URL: mock.sentinel.nova_versions,
                              GLANCE_URL: mock.sentinel.glance_versions})
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
        self.compute.lock_server.side_effect = self.lock_server
        self.compute.unlock_server.side_effect = self.unlock_server
        self.compute.reset_server_state.side_effect = self.reset_state

        self.image = self.image_proxy()

        self.connection = mock.Mock(
            spec=['compute', 'image', 'current_project_id', 'session',
                  'endpoint_for'],
            compute=self.compute, image=self.image,
            current_project_id=self.project_id,
            session=self.compute.session)
        self.connection.endpoint_for.side_effect = self.endpoint_for

    def endpoint_for(self, service_type, interface=None, region_name=None):
        """The catalog's URL of a service (Connection.endpoint_for)."""
        return ENDPOINTS.get(service_type)

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
        """The microversion openstacksdk sends Server reads and actions at.

        The proxy's default_microversion when set (keystoneauth sends it
        with every request that names none), else the newest both the
        SDK's Server and the cloud offer.
        """
        if self.compute.default_microversion:
            return self.compute.default_microversion
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
        return self.shown(fake)

    def shown(self, fake, microversion=None):
        """A server as these credentials read it (openstacksdk Server)."""
        return fake.as_sdk(microversion or self.microversion(),
                           self.kept_properties(fake), self.admin,
                           self.host_status(fake))

    def kept_properties(self, fake):
        """The image properties Nova keeps with a server."""
        if fake.image_properties is not None:
            return fake.image_properties
        return self.image_properties.get(fake.image_id, {})

    def find_server(self, name_or_id, ignore_missing=True, **query):
        if name_or_id in self.servers:
            return self.shown(self.servers[name_or_id])
        found = [s for s in self.servers.values() if s.name == name_or_id]
        if len(found) > 1:
            raise sdk_exc.DuplicateResource(
                'More than one Server exists with the name %s' % name_or_id)
        if not found:
            if ignore_missing:
                return None
            raise sdk_exc.NotFoundException(
                message='No Server found for %s' % name_or_id)
        return self.shown(found[0])

    def _start(self, server, action):
        fake = self._lookup(server)
        self.reads_at_actions.append(self.reads)
        allowed, task_state, vm_state, power_state = fns.ACTIONS[action]
        self._check(fake, action)
        self.actions.append((fake.id, action))
        fake.task_state = task_state
        fake.pending = (self.reads_per_task, vm_state, power_state)
        fake.halt_after = None
        if (action in fns.GRACEFUL_STOPS
                and fake.power_state in (RUNNING, GUEST_PAUSED)
                and self.clock is not None):
            timeout = fake.shutdown_timeout(self.kept_properties(fake))
            # A paused guest's CPUs cannot take the ACPI shutdown.
            deaf = fake.ignores_acpi or fake.power_state == GUEST_PAUSED
            wait = (timeout + fns.FORCE_OFF_SECONDS if deaf
                    else min(fns.ACPI_SHUTDOWN_SECONDS, timeout))
            fake.ready_at = self.clock.now + wait
        return fake

    def _action(self, action):
        def act(server):
            self._start(server, action)
        return act

    def reboot_server(self, server, reboot_type):
        self._start(server, 'reboot %s' % reboot_type)

    def rescue_server(self, server, admin_pass=None, image=None):
        fake = self._lookup(server)
        # Nova checks the lock and the state first (409), then the image
        # (400 for one Glance does not have) and the root disk.
        self._check(fake, 'rescue')
        self._check_rescue(fake, getattr(image, 'id', image))
        fake = self._start(server, 'rescue')
        fake.rescue_image = image

    def set_metadata(self, server, **metadata):
        """POST /servers/{id}/metadata, refused as Nova refuses it."""
        fake = self._lookup(server)
        self._check(fake, 'update metadata', fns.METADATA_STATES)
        fake.metadata.update(metadata)
        return self.shown(fake)

    def crash_dump(self, server):
        """os-triggerCrashDump: lock, then vm_state with no task (409)."""
        fake = self._lookup(server)
        self._check(fake, 'trigger_crash_dump', fns.CRASH_DUMP_STATES)
        self.actions.append((fake.id, 'crash-dump'))
