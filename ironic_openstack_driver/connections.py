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

"""The conductor's cache of openstacksdk Connections.

One Connection (one Keystone session, hence one token) per cloud and
credential set, shared by all nodes and threads of a conductor. A cached
connection is dropped and opened anew when it may have gone bad:

* the cloud answered 401 or 403, or Keystone could not be reached (the error
  translation, errors.translate_errors, calls ``evict``, see error_hooks): a
  rotated secret, a revoked token, a moved Keystone. Not when Nova, Glance or
  another service behind the token cannot be reached or does not answer in time
  (errors.drops_connection): the session and its token stay good, and a new
  connection would only add a login and a version discovery to every node's
  next request while that service is down (one token per node per power sync
  during a Nova outage). A service moved to another URL is found by the next
  new connection (one of the causes here, or a conductor restart);
* the clouds.yaml file it was read from changed (a rotated application
  credential secret is picked up without a conductor restart);
* it is the least recently used one beyond [openstack]cache_max_clouds.

Nodes whose compute microversion caps differ get connections of their own:
a connection's compute requests are pinned to its cap (client.py).

The cache itself is caches.CACHES.connections; the functions here take it
as their first argument.
"""

import collections
import hashlib
import os
import threading

from oslo_log import log

from ironic.common.i18n import _

from ironic_openstack_driver import cloud
from ironic_openstack_driver.conf import CONF
from ironic_openstack_driver import errors

LOG = log.getLogger(__name__)

_SALT = os.urandom(16)


def _secret_digest(*secrets):
    """A digest of the secrets that keys the cache but never leaves it."""
    blob = '\0'.join(s or '' for s in secrets).encode('utf-8')
    return hashlib.sha256(_SALT + blob).hexdigest()


def connection_key(creds, clouds_yaml):
    """The cache key of a credential set (it holds no secret)."""
    return (clouds_yaml, creds.cloud, creds.auth_url, creds.username,
            creds.user_domain_name, creds.project_name,
            creds.project_domain_name, creds.application_credential_id,
            creds.region_name, creds.cacert, creds.insecure,
            creds.compute_microversion_cap,
            _secret_digest(creds.password,
                           creds.application_credential_secret))


def _file_stamp(path):
    """What tells a changed file apart: (mtime ns, size, inode), or None."""
    if not path:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class ConnectionCache:
    """Connections by key, bounded, each tied to its clouds.yaml's state.

    :param max_size: connections kept at most, an int or a callable read at
        each new connection; beyond, the least recently used is dropped.
    """

    def __init__(self, max_size):
        self.max_size = max_size
        self._entries = collections.OrderedDict()  # key -> (stamp, conn)
        self._lock = threading.Lock()

    def get(self, key, clouds_yaml, uses_file, opener):
        """The connection for ``key``, opened by ``opener()`` if needed.

        :param clouds_yaml: path of the clouds.yaml the credentials come
            from, or None.
        :param uses_file: whether the credentials are a clouds.yaml entry
            (then a change of that file opens a new connection).
        :returns: (connection, whether it was opened now).
        """
        stamp = _file_stamp(clouds_yaml) if uses_file else None
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == stamp:
                self._entries.move_to_end(key)
                return entry[1], False
            conn = opener()
            self._entries[key] = (stamp, conn)
            self._entries.move_to_end(key)
            bound = (self.max_size() if callable(self.max_size)
                     else self.max_size)
            while len(self._entries) > bound:
                self._entries.popitem(last=False)
            return conn, True

    def peek(self, key):
        """The cached connection for ``key``, or None; opens nothing."""
        with self._lock:
            entry = self._entries.get(key)
        return entry[1] if entry is not None else None

    def evict(self, key):
        """Forget a connection: the next use opens a new one."""
        with self._lock:
            return self._entries.pop(key, None) is not None

    def clear(self):
        with self._lock:
            self._entries.clear()

    def __len__(self):
        return len(self._entries)


def _connection_key(creds):
    return connection_key(creds, CONF.openstack.clouds_yaml)


def get_connection(cache, node, creds):
    """The shared openstacksdk Connection for a set of credentials.

    Connections are built on first use and kept (see the module's
    docstring for when they are dropped): keystoneauth re-uses the token
    until it nears expiry and then re-authenticates by itself.

    :param cache: the conductor's ConnectionCache.
    :returns: (connection, its cache key).
    :raises: InvalidParameterValue when the cloud is not configured.
    """
    key = _connection_key(creds)

    def opener():
        with errors.translate_errors(node, creds,
                                     _('load the configuration'),
                                     **error_hooks(cache, node, creds)):
            return cloud.open_connection(
                creds, clouds_yaml=CONF.openstack.clouds_yaml,
                api_timeout=CONF.openstack.api_timeout,
                pool_size=pool_size())

    conn, opened = cache.get(key, CONF.openstack.clouds_yaml,
                             bool(creds.cloud), opener)
    if opened:
        LOG.debug('Opened a connection to %s for node %s',
                  creds.describe(), node.uuid)
    return conn, key


def pool_size():
    """HTTP connections to keep per host of a cloud.

    [openstack]connection_pool_size, or when 0 the most requests Ironic's
    conductor sends at once: its worker pool or its power sync workers.
    """
    return (CONF.openstack.connection_pool_size
            or max(CONF.conductor.workers_pool_size,
                   CONF.conductor.sync_power_state_workers))


def evict(cache, node, creds, why):
    """Drop the cached connection of a credential set (it may be bad)."""
    if cache.evict(_connection_key(creds)):
        LOG.info('Node %(node)s: dropped the connection to %(cloud)s '
                 '(%(why)s); the next request opens a new one',
                 {'node': node.uuid, 'cloud': creds.describe(), 'why': why})


def endpoints(conn):
    """(URL, service type) of each endpoint a connection knows.

    Read from its token's catalog and its Keystone URL, as they are: this
    sends no request (no catalog yet: only Keystone).
    """
    try:
        auth = conn.session.auth
    except Exception:   # a connection whose configuration is broken
        return []
    found = [(getattr(auth, 'auth_url', None), 'identity')]
    access = getattr(auth, 'auth_ref', None)
    catalog = getattr(getattr(access, 'service_catalog', None), 'catalog',
                      None) or []
    for service in catalog:
        for endpoint in service.get('endpoints') or []:
            found.append((endpoint.get('url') or endpoint.get('publicURL'),
                          service.get('type')))
    return found


def service_at(cache, creds, url):
    """The name of the service (Nova...) of a cloud at a request URL.

    :returns: the name, or None when the credential set has no cached
        connection or no endpoint of it matches.
    """
    conn = cache.peek(_connection_key(creds))
    return errors.service_at(url, endpoints(conn)) if conn else None


def error_hooks(cache, node, creds):
    """What errors.translate_errors needs to know of the cached connection.

    A 401, 403 or an unreachable Keystone drops the cached connection
    (``evict``); a timeout names the service that did not answer
    (``locate``).

    :returns: keyword arguments ``evict`` and ``locate`` for
        errors.translate_errors.
    """
    return {'evict': lambda why: evict(cache, node, creds, why),
            'locate': lambda url: service_at(cache, creds, url)}
