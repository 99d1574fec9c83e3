"""One server listing per cloud serves the power states of many nodes.

Ironic asks every node's power state every sync interval, from several
worker threads. Instead of one GET per node, the driver keeps per cloud (per
connection) a snapshot of all servers from one paged /servers/detail
listing, shared by all nodes and threads, refreshed at most once per
[openstack]server_list_max_age seconds. Threads that find it stale at the
same moment wait for one refresh (single flight) instead of each listing.

The snapshot is never trusted where it matters: a server the driver is
acting on, or acted on after the snapshot's listing began, is read fresh;
so is a server that the listing does not contain. When a listing fails,
servers are read one at a time until the next one is due.

The listing is read through the SDK's compute proxy (its session, token
and endpoint) as plain JSON, not as openstacksdk Server resources: building
those costs milliseconds of conductor CPU per server, seconds per sweep at
a thousand nodes, for the five fields a power state needs.
"""

import dataclasses
import math
import threading
import time

from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as sdk_exc
from oslo_log import log

LOG = log.getLogger(__name__)

# Every field ListedServer needs is in Nova's 2.1 server view; later
# microversions make Nova do more work per server (host_status, tags,
# server groups, embedded flavors) that a power sync does not read.
LISTING_MICROVERSION = '2.1'
LISTING_URL = '/servers/detail'


@dataclasses.dataclass(frozen=True)
class ListedServer:
    """A server as a listing shows it: what a power state and boot mode
    need, under the attribute names of openstacksdk's Server."""
    id: str
    vm_state: str
    task_state: str
    power_state: int
    image: dict
    # Shown only to users whose policy allows (admins by default), and
    # host_status only from microversion 2.16: usually None here.
    compute_host: str | None = None
    host_status: str | None = None

    @classmethod
    def from_nova(cls, body):
        return cls(id=body['id'],
                   vm_state=body.get('OS-EXT-STS:vm_state'),
                   task_state=body.get('OS-EXT-STS:task_state'),
                   power_state=body.get('OS-EXT-STS:power_state'),
                   # Nova shows "" for a volume-backed server.
                   image=body.get('image') or {},
                   compute_host=body.get('OS-EXT-SRV-ATTR:host', None),
                   host_status=body.get('host_status', None))


def list_servers(compute):
    """All servers of the project, page by page: {server id: ListedServer}.

    No explicit limit: Nova pages by its [api]max_limit (1000) and links the
    next page only when a page is full.

    :param compute: the connection's compute proxy.
    :raises: openstack.exceptions.SDKException for an HTTP error.
    """
    servers = {}
    url = LISTING_URL
    while url:
        response = compute.get(url, microversion=LISTING_MICROVERSION)
        sdk_exc.raise_from_response(response,
                                    error_message='Listing servers failed')
        body = response.json()
        page = body.get('servers') or []
        servers.update((raw['id'], ListedServer.from_nova(raw))
                       for raw in page)
        url = next((link['href'] for link in body.get('servers_links') or []
                    if link.get('rel') == 'next'), None) if page else None
    return servers


class _Snapshot:
    def __init__(self, started_at, servers):
        self.started_at = started_at
        self.servers = servers


class ServerSnapshots:
    """Snapshots of all servers, one per connection key."""

    def __init__(self):
        self._snapshots = {}
        self._refresh_locks = {}
        self._lock = threading.Lock()
        # (connection key, server id) -> when the driver last finished
        # acting on it; math.inf while it acts (a wait loop runs).
        self._activity = {}

    def _refresh_lock(self, key):
        with self._lock:
            return self._refresh_locks.setdefault(key, threading.Lock())

    def begin_action(self, key, server_id):
        with self._lock:
            self._activity[(key, server_id)] = math.inf

    def end_action(self, key, server_id):
        with self._lock:
            self._activity[(key, server_id)] = time.monotonic()

    def lookup(self, key, conn, server_id, max_age):
        """The server as of a recent listing, or None: then read it fresh.

        :param key: the connection key (one cloud and credential set).
        :param conn: the openstacksdk Connection, to list with if needed.
        :param max_age: seconds a listing may be re-used.
        """
        snapshot = self._snapshots.get(key)
        if snapshot is None or time.monotonic() - snapshot.started_at > \
                max_age:
            snapshot = self._refresh(key, conn, max_age)
        acted_at = self._activity.get((key, server_id))
        if acted_at is not None and acted_at >= snapshot.started_at:
            return None
        return snapshot.servers.get(server_id)

    def _refresh(self, key, conn, max_age):
        with self._refresh_lock(key):
            # Another thread may have listed while this one waited.
            snapshot = self._snapshots.get(key)
            if snapshot is not None and \
                    time.monotonic() - snapshot.started_at <= max_age:
                return snapshot
            started_at = time.monotonic()
            try:
                servers = list_servers(conn.compute)
            except (sdk_exc.SDKException, ks_exc.ClientException,
                    ValueError) as e:   # ValueError: a body not JSON
                # Remember the failure for max_age too: each node then
                # reads its own server (and reports that error, if any)
                # instead of every thread repeating a failing listing.
                LOG.warning('Listing the servers of a cloud failed; power '
                            'states are read one server at a time for the '
                            'next %(age)s s: %(error)s',
                            {'age': max_age, 'error': e})
                servers = {}
            snapshot = _Snapshot(started_at, servers)
            self._snapshots[key] = snapshot
            return snapshot

    def clear(self):
        with self._lock:
            self._snapshots.clear()
            self._activity.clear()
