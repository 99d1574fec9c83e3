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

"""One server listing per cloud serves the power states of many nodes.

Ironic asks every node's power state every sync interval, from several
worker threads. Instead of one GET per node, the driver keeps per cloud (per
connection) a snapshot of all servers, shared by all nodes and threads,
refreshed at most once per [openstack]server_list_max_age seconds. Threads
that find it stale at the same moment wait for one refresh (single flight)
instead of each listing.

A refresh is a delta listing (Nova's changes-since: only the servers saved
since Nova's time when the previous listing was sent, minus
[openstack]server_list_changes_margin, deleted ones included), merged into
the snapshot: when nothing changed, one
request that answers no servers. It is a full paged /servers/detail listing
instead every [openstack]server_list_full_interval seconds and whenever a
delta cannot be trusted (server_delta.py says when).

The snapshot is never trusted where it matters: a server the driver is
acting on, or acted on after the snapshot's listing began, is read fresh;
so is a server that the listing does not contain (or that a delta shows
deleted). When a listing fails, servers are read one at a time until the
next one is due, and that one is a full listing.

The listing is read through the SDK's compute proxy (its session, token
and endpoint) as plain JSON, not as openstacksdk Server resources: building
those costs milliseconds of conductor CPU per server, seconds per sweep at
a thousand nodes, for the five fields a power state needs.
"""

import collections
import dataclasses
import email.utils
import math
import threading
import time
from urllib import parse

from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as sdk_exc
from oslo_log import log

from ironic_openstack_driver import cloud
from ironic_openstack_driver import server_delta

LOG = log.getLogger(__name__)

# Every field ListedServer needs is in Nova's 2.1 server view; later
# microversions make Nova do more work per server (host_status, tags,
# server groups, embedded flavors) that a power sync does not read.
LISTING_MICROVERSION = '2.1'
LISTING_URL = '/servers/detail'


@dataclasses.dataclass(frozen=True)
class ListedServer:
    """A server as a listing shows it.

    What a power state, boot mode and the node binding need, under the
    attribute names of openstacksdk's Server.
    """
    id: str
    vm_state: str
    task_state: str
    power_state: int
    image: dict
    # Shown only to users whose policy allows (admins by default), and
    # host_status only from microversion 2.16: usually None here.
    compute_host: str | None = None
    host_status: str | None = None
    name: str | None = None
    # Of the server's metadata, only the node mark (cloud.NODE_MARK).
    metadata: dict = dataclasses.field(default_factory=dict)

    @classmethod
    def from_nova(cls, body):
        mark = cloud.marked_node(body)
        return cls(id=body['id'], name=body.get('name'),
                   vm_state=body.get('OS-EXT-STS:vm_state'),
                   task_state=body.get('OS-EXT-STS:task_state'),
                   power_state=body.get('OS-EXT-STS:power_state'),
                   # Nova shows "" for a volume-backed server.
                   image=body.get('image') or {},
                   compute_host=body.get('OS-EXT-SRV-ATTR:host', None),
                   host_status=body.get('host_status', None),
                   metadata={cloud.NODE_MARK: mark} if mark else {})


def _nova_date(response):
    """Nova's time of an answer (its Date header), epoch seconds, or None."""
    try:
        return email.utils.parsedate_to_datetime(
            response.headers['Date']).timestamp()
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def list_servers(compute, changes_since=None):
    """Servers of the project: all of them page by page, or a delta.

    No explicit limit: Nova pages by its [api]max_limit (1000) and links the
    next page only when a page is full. A delta (changes_since) reads one
    page only: when that page is full the Listing says truncated.

    :param compute: the connection's compute proxy.
    :param changes_since: ISO 8601 time: only the servers Nova saved since
        then, deleted ones included.
    :returns: a server_delta.Listing.
    :raises: openstack.exceptions.SDKException for an HTTP error.
    """
    servers = {}
    deleted = set()
    url = LISTING_URL
    if changes_since:
        url += '?' + parse.urlencode({'changes-since': changes_since},
                                     safe=':')
    clock = sent_at = None
    dated = True
    truncated = False
    while url:
        if sent_at is None:
            sent_at, wall = time.monotonic(), time.time()
        response = compute.get(url, microversion=LISTING_MICROVERSION)
        if clock is None:
            date = _nova_date(response)
            dated = date is not None
            clock = (server_delta.send_time(date, sent_at, time.monotonic())
                     if dated else wall)
        sdk_exc.raise_from_response(response,
                                    error_message='Listing servers failed')
        body = response.json()
        page = body.get('servers') or []
        for raw in page:
            if server_delta.is_deleted(raw):
                deleted.add(raw['id'])
            else:
                servers[raw['id']] = ListedServer.from_nova(raw)
        url = next((link['href'] for link in body.get('servers_links') or []
                    if link.get('rel') == 'next'), None) if page else None
        if url and changes_since:
            truncated = True
            break
    return server_delta.Listing(servers=servers, deleted=frozenset(deleted),
                                clock=clock, sent_at=sent_at,
                                truncated=truncated, dated=dated)


class _Snapshot:
    def __init__(self, started_at, servers, state=None):
        self.started_at = started_at
        self.servers = servers
        # server_delta.State; None after a failed listing.
        self.state = state


def _usable(snapshot, max_age, listed_after):
    return snapshot is not None and \
        time.monotonic() - snapshot.started_at <= max_age and \
        (listed_after is None or snapshot.started_at >= listed_after)


class ServerSnapshots:
    """Snapshots of all servers, one per connection key.

    What it keeps shrinks as it goes: a server's last action is forgotten
    once the snapshots that began before it are replaced (it no longer
    keeps any listing from answering), or at once when its cloud has no
    snapshot and no listing under way; beyond ``max_clouds`` clouds the
    least recently listed one is forgotten, beyond ``max_servers`` servers
    the least recently acted on.

    :param on_full_listing: called with the connection key and the
        ListedServers of each full listing, or None.
    :param max_clouds: snapshots kept at most (an int, a callable read at
        each listing, or None: no bound).
    :param max_servers: servers' last actions kept at most (likewise);
        beyond, the least recent one is forgotten.
    """

    def __init__(self, on_full_listing=None, max_clouds=None,
                 max_servers=None):
        self._on_full_listing = on_full_listing
        self._max_clouds = max_clouds
        self._max_servers = max_servers
        # Least recently listed first.
        self._snapshots = collections.OrderedDict()
        self._refresh_locks = {}
        self._lock = threading.Lock()
        # (connection key, server id) -> when the driver last finished
        # acting on it; math.inf while it acts (a wait loop runs). Least
        # recently changed first.
        self._activity = collections.OrderedDict()

    def _refresh_lock(self, key):
        with self._lock:
            return self._refresh_locks.setdefault(key, threading.Lock())

    def begin_action(self, key, server_id):
        bound = _bound(self._max_servers)
        with self._lock:
            self._activity[(key, server_id)] = math.inf
            self._activity.move_to_end((key, server_id))
            while bound is not None and len(self._activity) > bound:
                self._activity.popitem(last=False)

    def end_action(self, key, server_id):
        with self._lock:
            listing = self._refresh_locks.get(key)
            if key not in self._snapshots and not (
                    listing is not None and listing.locked()):
                # No listing of the cloud is kept or under way: the next
                # one begins after now, and this action cannot make it
                # stale.
                self._activity.pop((key, server_id), None)
                return
            self._activity[(key, server_id)] = time.monotonic()
            self._activity.move_to_end((key, server_id))

    def lookup(self, key, conn, server_id, max_age, full_interval=0,
               margin=10.0, listed_after=None):
        """The server as of a recent listing, or None: then read it fresh.

        :param key: the connection key (one cloud and credential set).
        :param conn: what to list with if needed: anything with a
            ``compute`` proxy (an openstacksdk Connection, a NodeClient).
        :param max_age: seconds a listing may be re-used.
        :param full_interval: seconds between full listings; the refreshes
            between them are delta listings. 0: every listing is full.
        :param margin: seconds a delta reaches back before the previous
            listing (see server_delta).
        :param listed_after: time.monotonic() before which the listing
            must not have begun: a read as fresh as a GET sent then.
            Callers that wait together for one listing share it.
        """
        snapshot = self._snapshots.get(key)
        if not _usable(snapshot, max_age, listed_after):
            snapshot = self._refresh(key, conn, max_age, full_interval,
                                     margin, listed_after)
        acted_at = self._activity.get((key, server_id))
        if acted_at is not None and acted_at >= snapshot.started_at:
            return None
        return snapshot.servers.get(server_id)

    def _refresh(self, key, conn, max_age, full_interval, margin,
                 listed_after):
        with self._refresh_lock(key):
            # Another thread may have listed while this one waited.
            snapshot = self._snapshots.get(key)
            if _usable(snapshot, max_age, listed_after):
                return snapshot
            try:
                snapshot = self._list(key, snapshot, conn.compute,
                                      full_interval, margin)
            except (sdk_exc.SDKException, ks_exc.ClientException,
                    ValueError) as e:   # ValueError: a body not JSON
                # Remember the failure for max_age too: each node then
                # reads its own server (and reports that error, if any)
                # instead of every thread repeating a failing listing.
                LOG.warning('Listing the servers of a cloud failed; power '
                            'states are read one server at a time for the '
                            'next %(age)s s: %(error)s',
                            {'age': max_age, 'error': e})
                snapshot = _Snapshot(time.monotonic(), {},
                                     server_delta.State(None, None, None))
            self._keep(key, snapshot)
            return snapshot

    def _keep(self, key, snapshot):
        """Store a cloud's new snapshot; forget what no longer matters."""
        bound = _bound(self._max_clouds)
        with self._lock:
            replaced = self._snapshots.get(key)
            self._snapshots[key] = snapshot
            self._snapshots.move_to_end(key)
            while bound is not None and len(self._snapshots) > bound:
                gone = self._snapshots.popitem(last=False)[0]
                self._refresh_locks.pop(gone, None)
            if replaced is None:
                return
            # An action that ended before the replaced snapshot began can
            # keep neither it (a lookup may still hold it) nor the new one
            # from answering; one under way (math.inf) still does.
            for entry, acted_at in list(self._activity.items()):
                if entry[0] == key and acted_at < replaced.started_at:
                    del self._activity[entry]

    def __len__(self):
        """Servers whose last action is remembered, and snapshots."""
        return len(self._activity) + len(self._snapshots)

    def _list(self, key, snapshot, compute, full_interval, margin):
        """A new snapshot, from a full listing or a delta.

        The delta is merged into snapshot.
        """
        state = snapshot.state if snapshot is not None else None
        started_at = time.monotonic()
        reason = server_delta.full_listing_reason(state, started_at,
                                                  full_interval)
        if reason is None:
            delta = list_servers(compute, server_delta.changes_since(
                state, margin))
            reason = server_delta.untrusted_delta_reason(state, delta,
                                                         margin)
            if reason is None:
                return _Snapshot(
                    started_at, server_delta.merge(snapshot.servers, delta),
                    server_delta.State.after(delta, state.full_started_at))
            started_at = time.monotonic()
        LOG.debug('Full listing of the servers of a cloud: %s', reason)
        listing = list_servers(compute)
        if self._on_full_listing is not None:
            self._on_full_listing(key, listing.servers.values())
        return _Snapshot(started_at, listing.servers,
                         server_delta.State.after(listing, started_at))

    def clear(self):
        with self._lock:
            self._snapshots.clear()
            self._refresh_locks.clear()
            self._activity.clear()


def _bound(max_size):
    return max_size() if callable(max_size) else max_size
