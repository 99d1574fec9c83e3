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

"""What a conductor remembers of its host clouds' names and images.

One object per conductor (caches.CACHES.lookups), bounded and locked, shared by
all nodes and threads. Every entry belongs to one connection key (one cloud and
credential set, see connections.py):

* server names: the UUID a server name stood for. A full listing of the
  cloud revalidates every name it covers (revalidate_server_names): a name
  that now stands for another server follows it, one that stands for none
  or for several is forgotten, so that its node looks it up again and gets
  a clear error. A read of the server that shows another name, and a 404,
  forget it too (client.py);
* the image properties Nova keeps with a server (system metadata, shown
  from compute microversion 2.98), by server and image: they do not change
  while the server keeps its image;
* Glance's properties of an image, for clouds older than 2.98; an image
  Glance answered 404 for is remembered as gone for IMAGE_GONE_TTL seconds.
  Other failures (5xx, timeouts, no connection) are not remembered.

Beyond [openstack]cache_max_entries the least recently used entry is
dropped.
"""

import collections
import threading
import time

#: Seconds an image Glance answered 404 for is taken as gone before it is
#: read again.
IMAGE_GONE_TTL = 600.0

_SERVER_NAME = 'server name'
_SERVER_IMAGE = 'server image properties'
_GLANCE = 'glance image properties'


class CloudLookups:
    """Names and image properties of host clouds, by connection key.

    :param max_size: entries kept at most, an int or a callable read at
        each insertion; beyond, the least recently used one is dropped.
    """

    def __init__(self, max_size):
        self.max_size = max_size
        self._entries = collections.OrderedDict()
        self._lock = threading.Lock()

    def _get(self, entry):
        with self._lock:
            value = self._entries.get(entry)
            if value is not None:
                self._entries.move_to_end(entry)
            return value

    def _put(self, entry, value):
        with self._lock:
            self._entries[entry] = value
            self._entries.move_to_end(entry)
            bound = (self.max_size() if callable(self.max_size)
                     else self.max_size)
            while len(self._entries) > bound:
                self._entries.popitem(last=False)

    def _pop(self, entry):
        with self._lock:
            self._entries.pop(entry, None)

    # Server names.

    def server_id(self, key, name):
        """The UUID remembered for a server name, or None."""
        return self._get((_SERVER_NAME, key, name))

    def remember_server_id(self, key, name, server_id):
        self._put((_SERVER_NAME, key, name), server_id)

    def forget_server_id(self, key, name):
        self._pop((_SERVER_NAME, key, name))

    def revalidate_server_names(self, key, servers):
        """Follow a full listing of the cloud of ``key``.

        :param key: the connection key the listing was made with.
        :param servers: every server the listing showed, each with ``id``
            and ``name`` (server_snapshot.ListedServer).
        """
        named = collections.defaultdict(set)
        for server in servers:
            named[server.name].add(server.id)
        with self._lock:
            for entry in [e for e in self._entries
                          if e[0] == _SERVER_NAME and e[1] == key]:
                ids = named.get(entry[2], ())
                if len(ids) == 1:
                    self._entries[entry] = next(iter(ids))
                else:
                    del self._entries[entry]

    # Image properties Nova keeps with a server.

    def server_image_properties(self, key, server_id, image_id):
        """What Nova keeps of the image of a server, or None if unknown."""
        return self._get((_SERVER_IMAGE, key, server_id, image_id))

    def remember_server_image_properties(self, key, server_id, image_id,
                                         properties):
        self._put((_SERVER_IMAGE, key, server_id, image_id),
                  dict(properties))

    # Glance.

    def glance_properties(self, key, image_id):
        """What is remembered of an image in Glance.

        :returns: (known, properties): known False when Glance must be
            read; properties None for an image Glance did not find.
        """
        read = self._get((_GLANCE, key, image_id))
        if read is None:
            return False, None
        read_at, properties = read
        if properties is None and time.monotonic() - read_at >= \
                IMAGE_GONE_TTL:
            return False, None
        return True, properties

    def remember_glance_properties(self, key, image_id, properties):
        """Remember an image's properties, or None: Glance answered 404."""
        self._put((_GLANCE, key, image_id), (time.monotonic(), properties))

    def clear(self):
        with self._lock:
            self._entries.clear()

    def __len__(self):
        return len(self._entries)
