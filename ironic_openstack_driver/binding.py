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

"""The binding of a node to its Nova server, checked on every read.

A node's driver_info names its server, but members of the node's owner
project may edit driver_info. What ties a server to its node is a mark in
the host cloud, like a real BMC's credentials: the server's metadata
``ironic_node_uuid`` (cloud.NODE_MARK) holds the node's UUID. Only holders
of the host cloud's credentials set it (ironic-openstack-nodes, or the
operator with ``openstack server set --property``); Ironic's API cannot.

The driver reads the server before each action (power, boot device,
console, inspection, vendor passthru, virtual media), and the power sync
and verify read it from the shared listing, which shows server metadata:
the mark is checked on what is read, with no request of its own. A listed
copy without the mark is read again fresh before it is refused (the
listing may be older than the mark).
"""

from oslo_log import log

from ironic.common import exception
from ironic.common.i18n import _

from ironic_openstack_driver.caches import CACHES
from ironic_openstack_driver import cloud
from ironic_openstack_driver.conf import CONF
from ironic_openstack_driver import text

LOG = log.getLogger(__name__)

REQUIRED = 'required'
WARN = 'warn'

# What caches.CACHES.warned holds for a server driven unmarked ("warn").
_UNMARKED = 'unmarked server'


def is_marked(node, server):
    """Whether the server's mark names this node."""
    return cloud.marked_node(server) == node.uuid.lower()


def enforced():
    """Whether an unmarked server is refused ([openstack]server_binding)."""
    return CONF.openstack.server_binding == REQUIRED


def listed_copy_usable(node, server):
    """Whether a listed copy of the server may answer a read for the node.

    Not when the binding is enforced and the copy shows no mark for the
    node: the listing may be older than the mark, so the server is read
    fresh, and that read decides.
    """
    return is_marked(node, server) or not enforced()


def check(node, server, creds):
    """Refuse a server whose mark does not name the node.

    :param node: the Ironic node.
    :param server: the server as read (openstacksdk Server or a listed
        copy).
    :param creds: the node's cloud.CloudCredentials, for the message.
    :raises: InvalidParameterValue naming the node, the server and the fix,
        unless [openstack]server_binding is "warn" (then a warning is
        logged once per node, server and mark).
    """
    mark = cloud.marked_node(server)
    if mark == node.uuid.lower():
        return
    where = {'node': node.uuid, 'server': server.id,
             'cloud': creds.describe(), 'key': cloud.NODE_MARK,
             'mark': text.shown(mark) if mark else _('none')}
    if not enforced():
        if not CACHES.warned.add((_UNMARKED, node.uuid, server.id, mark)):
            return
        LOG.warning('Node %(node)s: Nova server %(server)s in %(cloud)s is '
                    'not marked for this node (metadata %(key)s: %(mark)s); '
                    'driven anyway because [openstack]server_binding is '
                    '"warn". Mark it: openstack server set --property '
                    '%(key)s=%(node)s %(server)s', where)
        return
    # The other node's UUID goes to the operator's log only.
    LOG.error('Node %(node)s: refused to drive Nova server %(server)s in '
              '%(cloud)s: its metadata %(key)s is %(mark)s, not this '
              'node\'s UUID', where)
    why = (_('its metadata has no %s') % cloud.NODE_MARK if mark is None
           else _('its metadata %s names another node') % cloud.NODE_MARK)
    raise exception.InvalidParameterValue(
        _('Node %(node)s: Nova server %(server)s in %(cloud)s is not marked '
          'for this node (%(why)s), so the driver will not drive it. A '
          'server is driven only by the node its metadata %(key)s names, a '
          'mark set with the host cloud\'s credentials. If it is this '
          'node\'s server, mark it: openstack server set --property '
          '%(key)s=%(node)s %(server)s (or ironic-openstack-nodes bind '
          '--node %(node)s); otherwise correct driver_info '
          'openstack_server.') % dict(where, why=why))
