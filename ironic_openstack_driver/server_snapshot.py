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
"""

import math
import threading
import time

from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as sdk_exc
from oslo_log import log

LOG = log.getLogger(__name__)


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
            # No explicit limit: Nova pages by its [api]max_limit (1000)
            # and links the next page only when a page is full, while
            # openstacksdk given a limit always asks for one page more.
            try:
                servers = {server.id: server for server in
                           conn.compute.servers(details=True)}
            except (sdk_exc.SDKException, ks_exc.ClientException) as e:
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
