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

"""Everything a conductor keeps in memory between requests, in one owner.

``CACHES`` (one ConductorCaches per conductor process, like the session
cache of Ironic's redfish driver) holds every store the driver keeps beyond
one call, shared by all nodes and threads:

==================  ======================================  ===============
store               what                                    bound
==================  ======================================  ===============
connections         openstacksdk Connections, by cloud and  cache_max_clouds
                    credential set (connections.py)
lookups             server names, image properties          cache_max_entries
                    (cloud_lookups.py)
snapshots           one listing of all servers per cloud    cache_max_clouds
                    (server_snapshot.py); the servers       cache_max_entries
                    acted on since it began
clouds_uploaded_to  credential sets this conductor          cache_max_clouds
                    uploaded virtual media ISOs with
warned              warnings already given once (a server   cache_max_entries
                    not marked for its node, a slow stop,
                    a node's firmware that cannot be read)
host_statuses       compute host statuses read from Nova's  cache_max_clouds
                    compute services, per cloud
                    (host_status.py)
tasks               per Ironic task: its NodeClient, the    the task's life
                    power state read under its lock
versions_read       the services whose version document     their
                    each connection read                    connection's
                    (service_versions.py)                   life
==================  ======================================  ===============

The bounds are [openstack]cache_max_clouds and cache_max_entries, read at
each insertion: beyond its bound a store drops its least recently used
entries. The tasks store is keyed weakly: an entry goes with its task;
versions_read is keyed weakly by the connection's session: an entry goes
with its connection.

The locking rule: each store guards its entries with its own lock, held
only while it reads or changes them and never together with another
store's lock; no store lock is held across a request to a cloud (the
connections store holds its lock while it builds a Connection, which reads
clouds.yaml and sends nothing). The locks held across a request are the
single-flight locks of a server listing (one per cloud, in snapshots) and
of a compute services read (one per cloud, in host_statuses): threads that
need the same answer wait for it instead of asking too.

The ISO files on disk are not memory and have their own bound
([openstack]vmedia_cache_max_size, vmedia_cache.py).

``reset()`` empties every store (tests, and a reload of the configuration
that changes clouds).
"""

import collections
import threading
import weakref

from ironic_openstack_driver import cloud_lookups
from ironic_openstack_driver.conf import CONF
from ironic_openstack_driver import connections
from ironic_openstack_driver import host_status
from ironic_openstack_driver import server_snapshot


def max_clouds():
    """The bound of the stores kept per cloud ([openstack]cache_max_clouds)."""
    return CONF.openstack.cache_max_clouds


def max_entries():
    """The bound of the stores kept per server, name or image."""
    return CONF.openstack.cache_max_entries


class RecentSet:
    """A set that keeps its most recently added members, bounded.

    :param max_size: the bound: an int, or a callable read at each
        insertion.
    """

    def __init__(self, max_size):
        self.max_size = max_size
        self._members = collections.OrderedDict()
        self._lock = threading.Lock()

    def add(self, member):
        """Add (or refresh) a member; True when it was not there before."""
        bound = self.max_size() if callable(self.max_size) else self.max_size
        with self._lock:
            new = member not in self._members
            self._members[member] = None
            self._members.move_to_end(member)
            while len(self._members) > bound:
                self._members.popitem(last=False)
            return new

    def discard(self, member):
        """Remove a member if there; True when it was there."""
        with self._lock:
            if member not in self._members:
                return False
            del self._members[member]
            return True

    def members(self):
        """The members, least recently added first."""
        with self._lock:
            return list(self._members)

    def __contains__(self, member):
        with self._lock:
            return member in self._members

    def __len__(self):
        return len(self._members)

    def clear(self):
        with self._lock:
            self._members.clear()


class VersionsRead:
    """The services whose version document a session has read.

    Keyed weakly by the keystoneauth session (one per connection): the
    entries go with their connection.
    """

    def __init__(self):
        self._read = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def has(self, session, service):
        with self._lock:
            return service in self._read.get(session, ())

    def add(self, session, service):
        with self._lock:
            self._read.setdefault(session, set()).add(service)

    def clear(self):
        with self._lock:
            self._read.clear()

    def __len__(self):
        with self._lock:
            return len(self._read)


class TaskState:
    """What the driver keeps for one Ironic task, while the task lives.

    Keyed weakly by the task: an entry goes when Ironic drops its task.
    Each entry is a dict of named values (node_access.py says which).
    """

    def __init__(self):
        self._entries = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, task, name, default=None):
        with self._lock:
            return self._entries.get(task, {}).get(name, default)

    def set(self, task, name, value):
        with self._lock:
            self._entries.setdefault(task, {})[name] = value

    def setdefault(self, task, name, value):
        """The value of ``name`` for the task, set to ``value`` if unset."""
        with self._lock:
            return self._entries.setdefault(task, {}).setdefault(name, value)

    def pop(self, task, name, default=None):
        with self._lock:
            return self._entries.get(task, {}).pop(name, default)

    def has(self, task, name):
        with self._lock:
            return name in self._entries.get(task, {})

    def __len__(self):
        return len(self._entries)

    def clear(self):
        with self._lock:
            self._entries.clear()


class ConductorCaches:
    """The owner of every in-memory store of the driver (module docstring)."""

    def __init__(self):
        self.connections = connections.ConnectionCache(max_size=max_clouds)
        self.lookups = cloud_lookups.CloudLookups(max_size=max_entries)
        # Each full listing of a cloud revalidates the server names looked
        # up in it.
        self.snapshots = server_snapshot.ServerSnapshots(
            on_full_listing=self.lookups.revalidate_server_names,
            max_clouds=max_clouds, max_servers=max_entries)
        self.clouds_uploaded_to = RecentSet(max_clouds)
        self.warned = RecentSet(max_entries)
        self.host_statuses = host_status.HostStatuses(max_clouds)
        self.tasks = TaskState()
        self.versions_read = VersionsRead()

    def stores(self):
        """Every store, by name."""
        return {'connections': self.connections, 'lookups': self.lookups,
                'snapshots': self.snapshots,
                'clouds_uploaded_to': self.clouds_uploaded_to,
                'warned': self.warned, 'host_statuses': self.host_statuses,
                'tasks': self.tasks, 'versions_read': self.versions_read}

    def reset(self):
        """Empty every store."""
        for store in self.stores().values():
            store.clear()


CACHES = ConductorCaches()


def reset():
    """Empty every store of the conductor's caches (tests use it)."""
    CACHES.reset()
