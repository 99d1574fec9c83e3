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

"""NodeClient: one node's requests to its host cloud.

A NodeClient holds the node's parsed driver_info and its cloud's shared
connection (connections.py), and makes the requests every interface needs:
reading the node's server (fresh, or from the cloud's shared listing,
server_snapshot.py), finding servers and images by name, and asking Nova
for a server action. Requests of narrower use are module functions over a
NodeClient: server_reads.py (consoles, ports, flavors, volumes),
server_images.py (the server's image properties) and vmedia_images.py
(virtual media ISOs in Glance). Every request runs inside
NodeClient.translate_errors, which turns openstacksdk and keystoneauth
errors into ironic.common.exception classes (errors.py), the only ones that
cross Ironic's RPC to the API. What the conductor keeps between requests
(connections, names, image properties, listings) is in caches.CACHES.
"""

import contextlib

from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as sdk_exc
from openstack import proxy as sdk_proxy
from oslo_log import log
from oslo_utils import uuidutils

from ironic.common import exception
from ironic.common.i18n import _

from ironic_openstack_driver import binding
from ironic_openstack_driver.caches import CACHES
from ironic_openstack_driver import compute_features
from ironic_openstack_driver.conf import CONF
from ironic_openstack_driver import connections
from ironic_openstack_driver import errors
from ironic_openstack_driver import microversions
from ironic_openstack_driver import server_images
from ironic_openstack_driver import server_state
from ironic_openstack_driver.server_state import Step
from ironic_openstack_driver import service_versions
from ironic_openstack_driver import text

LOG = log.getLogger(__name__)

DRIVER = errors.DRIVER

# Nova API microversions the driver's features need (compute_features).
CRASH_DUMP_MICROVERSION = compute_features.CRASH_DUMP.microversion
VOLUME_BACKED_RESCUE_MICROVERSION = (
    compute_features.VOLUME_BACKED_RESCUE.microversion)


class NodeClient:
    """The host-cloud operations for one node (one Ironic task)."""

    def __init__(self, node, info):
        self.node = node
        self.info = info
        self.last_refusal = None
        self.creds = info.credentials
        self.conn, self.key = connections.get_connection(
            CACHES.connections, node, self.creds)
        self.lookups = CACHES.lookups

    def translate_errors(self, action, policy=None):
        """Turn library errors in the block into Ironic exceptions.

        See errors.translate_errors; a 401, 403 or an unreachable Keystone
        also drops the cached connection, and a timeout names the service
        that did not answer (connections.error_hooks).

        :param action: what the block does, for the message.
        :param policy: the Nova policy rule of the block's request, named
            when Nova refuses it (403), or None.
        """
        return errors.translate_errors(
            self.node, self.creds, action, policy=policy,
            **connections.error_hooks(CACHES.connections, self.node,
                                      self.creds))

    def proxy(self, service):
        """The connection's openstacksdk proxy of a service.

        Building it logs in to Keystone and looks the service up in the
        catalog; Nova's and Glance's version documents are read once per
        connection first (service_versions.py). Errors there are
        translated like any other.

        :param service: 'compute', 'image', 'network' or 'block_storage'.
        :raises: DriverOperationError naming the field to check.
        """
        name = errors.SERVICE_NAMES.get(service, service)
        with self.translate_errors(_('read the %s API versions') % name):
            service_versions.read_once(self.conn, CACHES.versions_read,
                                       service, self.node.uuid)
        with self.translate_errors(_('log in and find the %s endpoint')
                                   % service):
            found = getattr(self.conn, service)
            if not isinstance(found, sdk_proxy.Proxy):
                # openstacksdk defers a missing catalog entry to first use;
                # an auth URL that is no URL ends here too.
                errors.check_auth_url(self.node, self.creds, self.conn)
                raise ks_exc.EndpointNotFound(
                    _('region %(region)s of the catalog has no %(service)s '
                      'endpoint') % {
                          'region': self.conn.config.get_region_name(
                              service) or _('(default)'),
                          'service': service})
        return found

    @property
    def compute(self):
        """The compute proxy (Nova's version document read: proxy()).

        Under a compute microversion cap below what Nova offers, the proxy
        is pinned to the cap once (microversions.pin_once).
        """
        compute = self.proxy('compute')
        if self.creds.compute_microversion_cap:
            microversions.pin_once(self.node, self.creds, self.conn,
                                   compute, CACHES.versions_read)
        return compute

    @property
    def image(self):
        return self.proxy('image')

    def project_id(self):
        """The project of the connection's token, or None (no project).

        :raises: DriverOperationError when the login fails.
        """
        with self.translate_errors(_('read the project of the '
                                     'credentials')):
            return self.conn.current_project_id

    def _find(self, kind, finder, ref, field):
        """UUID of the one server or image of a name.

        :raises: InvalidParameterValue when the name matches nothing or
            several.
        """
        where = {'node': self.node.uuid, 'kind': kind,
                 'ref': text.shown(ref),
                 'field': field, 'cloud': self.creds.describe()}
        with self.translate_errors(_('find %(kind)s "%(ref)s"') % where):
            try:
                return finder(ref, ignore_missing=False).id
            except sdk_exc.NotFoundException:
                raise exception.InvalidParameterValue(
                    _('Node %(node)s: %(field)s "%(ref)s" matches no '
                      '%(kind)s in %(cloud)s.') % where)
            except sdk_exc.DuplicateResource:
                raise exception.InvalidParameterValue(
                    _('Node %(node)s: %(field)s "%(ref)s" matches '
                      'several %(kind)ss in %(cloud)s; use its UUID.')
                    % where)

    def server_id(self):
        """UUID of the node's server (driver_info openstack_server).

        A name is looked up once, then remembered (cloud_lookups.py says
        until when).
        """
        ref = self.info.server
        if uuidutils.is_uuid_like(ref):
            return ref
        found = self.lookups.server_id(self.key, ref)
        if found is None:
            found = self._find('server', self.compute.find_server, ref,
                               'driver_info openstack_server')
            self.lookups.remember_server_id(self.key, ref, found)
        return found

    def _name_moved(self, server):
        """Whether a server read by a remembered name no longer holds it.

        Either the server shows another name (renamed: the name is then
        forgotten), or the listing that answered the read found the name
        elsewhere (see cloud_lookups). The next server_id() follows it.
        """
        ref = self.info.server
        if uuidutils.is_uuid_like(ref):
            return False
        name = getattr(server, 'name', None)
        if name is not None and name != ref:
            LOG.info('Node %(node)s: server %(server)s is now named '
                     '%(name)s, not %(ref)s (driver_info openstack_server): '
                     'looking the name up again',
                     {'node': self.node.uuid, 'server': server.id,
                      'name': text.shown(name), 'ref': text.shown(ref)})
            self.lookups.forget_server_id(self.key, ref)
            return True
        return self.lookups.server_id(self.key, ref) != server.id

    def get_server(self, cached=False, deadline=None, listed_after=None):
        """The node's server, read fresh from Nova, if marked for the node.

        A read that fails with a reset connection or a 5xx is tried once
        more, if there is time before ``deadline`` (time.monotonic()). When
        the server named in driver_info no longer holds that name (renamed,
        or a full listing found the name elsewhere), the name is looked up
        again and that server read.

        :param cached: a recent listing of all servers may answer instead
            (see server_snapshot), unless the driver acts on this server.
        :param listed_after: with ``cached``, only a listing begun at or
            after this time.monotonic() may answer.
        :raises: DriverOperationError when the server does not exist.
        :raises: InvalidParameterValue when its name now matches no server
            or several, or when the server is not marked for the node
            (binding.check).
        """
        server = self._read_server(cached, deadline, listed_after)
        if self._name_moved(server):
            server = self._read_server(cached, deadline, listed_after)
        binding.check(self.node, server, self.creds)
        return server

    def _read_server(self, cached, deadline, listed_after):
        server_id = self.server_id()
        max_age = CONF.openstack.server_list_max_age
        if cached and max_age > 0:
            with self.translate_errors(_('list servers')):
                server = CACHES.snapshots.lookup(
                    self.key, self, server_id, max_age,
                    full_interval=CONF.openstack.server_list_full_interval,
                    margin=CONF.openstack.server_list_changes_margin,
                    listed_after=listed_after)
            if server is not None and binding.listed_copy_usable(self.node,
                                                                 server):
                return server
        with self.translate_errors(_('read server %s') % server_id,
                                   policy=compute_features.SHOW.policy):
            try:
                server = errors.read_retrying(
                    lambda: self.compute.get_server(server_id), self.node,
                    _('server %s') % server_id, deadline)
            except sdk_exc.NotFoundException:
                # A name may now point at another server: resolve again.
                self.lookups.forget_server_id(self.key, self.info.server)
                raise exception.DriverOperationError(
                    driver=DRIVER,
                    reason=_('node %(node)s: Nova server %(server)s was not '
                             'found in %(cloud)s (deleted?); fix driver_info '
                             'openstack_server') % {
                                 'node': self.node.uuid,
                                 'server': text.shown(self.info.server),
                                 'cloud': self.creds.describe()})
        # What Nova keeps of its image answers later listed reads.
        server_images.remember_kept_properties(self, server)
        return server

    @contextlib.contextmanager
    def acting(self):
        """Mark the server busy while the block runs.

        Until the block ends, and for listings that began before it ended,
        power states are read fresh.
        """
        server_id = self.server_id()
        CACHES.snapshots.begin_action(self.key, server_id)
        try:
            yield
        finally:
            CACHES.snapshots.end_action(self.key, server_id)

    def host_status(self, server):
        """Nova's host_status of the server's host, or None (host_status)."""
        return CACHES.host_statuses.status(
            self.key, lambda: self.compute,
            getattr(server, 'compute_host', None),
            CONF.openstack.server_list_max_age)

    def offers(self, feature):
        """Whether the node's compute requests may use a feature.

        :param feature: a compute_features.Feature (microversions.offers).
        """
        return microversions.offers(self, feature)

    def boot_mode(self, server):
        """'uefi' or 'bios': see server_images.boot_mode."""
        return server_images.boot_mode(self, server)

    def secure_boot_required(self, server):
        """See server_images.secure_boot_required."""
        return server_images.secure_boot_required(self, server)

    def shutdown_timeout(self, server):
        """See server_images.shutdown_timeout."""
        return server_images.shutdown_timeout(self, server)

    def image_id(self, ref):
        """UUID of a Glance image given by name or UUID.

        A name is looked up at each use (once per rescue): a rescue image
        re-uploaded under the same name gets a new UUID.
        """
        if uuidutils.is_uuid_like(ref):
            return ref
        return self._find('image', self.image.find_image, ref,
                          'rescue image')

    def act(self, server, step, rescue_image=None):
        """Ask Nova for one server action.

        :param server: the server as last read.
        :param step: a server_state.Step naming a Nova action.
        :param rescue_image: image UUID, for Step.RESCUE.
        :returns: True when Nova accepted the action, False when it
            answered 409 because the server's state changed meanwhile
            (the caller reads the server again and decides anew).
        """
        compute = self.compute
        calls = {
            Step.START: lambda: compute.start_server(server),
            Step.STOP: lambda: compute.stop_server(server),
            Step.HARD_REBOOT: lambda: compute.reboot_server(server, 'HARD'),
            Step.SOFT_REBOOT: lambda: compute.reboot_server(server, 'SOFT'),
            # Positional image: its keyword was renamed across releases.
            Step.RESCUE: lambda: compute.rescue_server(server, None,
                                                       rescue_image),
            Step.UNRESCUE: lambda: compute.unrescue_server(server),
            Step.UNPAUSE: lambda: compute.unpause_server(server),
            Step.RESUME: lambda: compute.resume_server(server),
            Step.UNSHELVE: lambda: compute.unshelve_server(server),
        }
        LOG.debug('Node %(node)s: %(step)s on server %(server)s '
                  '(vm_state %(vm)s, power_state %(power)s)',
                  {'node': self.node.uuid, 'step': step.value,
                   'server': server.id, 'vm': server.vm_state,
                   'power': server.power_state})
        with self.translate_errors(_('%(step)s server %(server)s') % {
                'step': step.value, 'server': server.id},
                policy=compute_features.policy_rule(step)):
            try:
                calls[step]()
            except sdk_exc.ConflictException as e:
                reason = e.details or e.message
                if server_state.is_locked_refusal(reason):
                    # Not a race: it stays until someone unlocks the server.
                    raise exception.DriverOperationError(
                        driver=DRIVER,
                        reason=_('node %(node)s: Nova refuses %(step)s of '
                                 'server %(server)s in %(cloud)s: %(reason)s'
                                 '; unlock the server (openstack server '
                                 'unlock) to let Ironic drive it') % {
                                     'node': self.node.uuid,
                                     'step': step.value, 'server': server.id,
                                     'cloud': self.creds.describe(),
                                     'reason': reason})
                LOG.debug('Node %(node)s: Nova refused %(step)s for now: '
                          '%(error)s', {'node': self.node.uuid,
                                        'step': step.value, 'error': reason})
                self.last_refusal = reason
                return False
        return True

    def trigger_crash_dump(self, server):
        """Send an NMI to the guest (os-triggerCrashDump)."""
        microversions.check(self, compute_features.CRASH_DUMP,
                            _('inject_nmi'),
                            error=exception.DriverOperationError)
        with self.translate_errors(_('trigger a crash dump of server %s')
                                   % server.id,
                                   policy=compute_features.CRASH_DUMP.policy):
            self.compute.trigger_server_crash_dump(server)
