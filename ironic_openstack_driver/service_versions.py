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

"""A service's version document, read once per connection.

openstacksdk reads Nova's version document before a connection's first
request that negotiates a microversion, and Glance's when it builds the
image proxy. When the service does not answer, it falls back and asks
again (Glance: "Fallback to using that endpoint as the base url", then a
second read, then "the image service ... does not have any supported
versions"; Nova: the request itself), so a hung service cost two
[openstack]api_timeout waits and, for Glance, a message that blamed the
wrong thing. Read here first, from the catalog's URL (or the cloud's
endpoint override): a service that cannot be reached ends the call after
one wait, with the timeout or connection error the caller translates. The
document is kept in the connection's session, where openstacksdk finds it.

A service whose endpoint answers without a usable document is left to
openstacksdk's own discovery, as before.
"""

from keystoneauth1 import discover
from keystoneauth1 import exceptions as ks_exc
from oslo_log import log

#: The services whose version document openstacksdk reads.
DISCOVERED = ('compute', 'image')

LOG = log.getLogger(__name__)


def read_once(conn, read, service, node_uuid):
    """Read the service's version document unless this connection has.

    :param conn: the node's openstacksdk Connection.
    :param read: the store of (session, service) pairs already read
        (caches.CACHES.versions_read).
    :param service: an openstacksdk service type.
    :param node_uuid: the node's UUID, for the log.
    :raises: keystoneauth1 ConnectFailure or ConnectTimeout (and the other
        errors of a login) when the service or Keystone cannot be reached;
        the caller translates them.
    """
    if service not in DISCOVERED or read.has(conn.session, service):
        return
    endpoint = conn.endpoint_for(service)
    if not endpoint:
        # No catalog entry: building the proxy says so.
        return
    try:
        discover.get_discovery(conn.session, endpoint)
    except (ks_exc.DiscoveryFailure, ks_exc.HttpError) as e:
        LOG.debug('Node %(node)s: no %(service)s version document: '
                  '%(error)s', {'node': node_uuid, 'service': service,
                                'error': e})
        return
    read.add(conn.session, service)
