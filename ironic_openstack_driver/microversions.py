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

"""The compute microversions a node's connection uses, and checks of them.

openstacksdk sends each compute request at the newest microversion that
both it (per resource) and the cloud's Nova offer, read from Nova's version
document once per connection (service_versions.py). Under a compute
microversion cap ([openstack]compute_microversion_cap, or the node's
driver_info openstack_compute_microversion_cap) below what Nova offers, the
connection's compute proxy is pinned to the cap (keystoneauth's
default_microversion): every request without a microversion of its own
goes at the cap, and openstacksdk's own checks (supports_microversion) see
the cloud as one whose newest microversion is the cap. Requests that name
their microversion keep it: the listing at 2.1, and os-services at 2.11,
or at 2.1 where the cap is below 2.11 (host_status.py). The decisions are
compute_features.py's; these functions are the I/O over a
``client.NodeClient``.
"""

from openstack import utils as sdk_utils
from oslo_log import log

from ironic.common import exception
from ironic.common.i18n import _

from ironic_openstack_driver import compute_features

LOG = log.getLogger(__name__)


#: What caches.CACHES.versions_read records of a connection pinned.
PINNED = 'compute microversion cap'


def pin_once(node, creds, conn, compute, read):
    """pin() a connection's compute proxy, the first time it is used.

    :param read: caches.CACHES.versions_read, which records it per
        connection session.
    """
    if not read.has(conn.session, PINNED):
        pin(node, creds, compute)
        read.add(conn.session, PINNED)


def pin(node, creds, compute):
    """Pin a compute proxy to the credentials' cap, when below Nova's.

    Called once per connection, after Nova's version document is read.

    :param node: the Ironic node, for the log.
    :param creds: the node's CloudCredentials (compute_microversion_cap).
    :param compute: the connection's compute proxy.
    """
    cap = creds.compute_microversion_cap
    if not cap:
        return
    data = compute.get_endpoint_data()
    cloud_max = getattr(data, 'max_microversion', None)
    version = compute_features.pinned(cap, cloud_max)
    if version is None:
        LOG.debug('Node %(node)s: compute microversion cap %(cap)s is not '
                  'below what Nova offers (%(max)s) in %(cloud)s',
                  {'node': node.uuid, 'cap': cap, 'cloud': creds.describe(),
                   'max': compute_features.version_text(cloud_max)
                   if cloud_max else None})
        return
    compute.default_microversion = version
    LOG.info('Node %(node)s: compute requests to %(cloud)s use microversion '
             '%(version)s at most (compute_microversion_cap; Nova offers '
             '%(max)s)', {'node': node.uuid, 'cloud': creds.describe(),
                          'version': version,
                          'max': compute_features.version_text(cloud_max)})


def newest(client):
    """The newest compute microversion the node's requests may use, or None.

    The pinned cap, else the newest Nova offers; None when Nova shows no
    version document.
    """
    compute = client.compute
    if compute.default_microversion:
        return compute.default_microversion
    with client.translate_errors(_('read the Nova API version')):
        data = compute.get_endpoint_data()
    cloud_max = getattr(data, 'max_microversion', None)
    return compute_features.version_text(cloud_max) if cloud_max else None


def offers(client, feature):
    """Whether the node's requests may use a compute feature.

    :param feature: a compute_features.Feature.
    """
    with client.translate_errors(_('read the Nova API version')):
        return sdk_utils.supports_microversion(client.compute,
                                               feature.microversion)


def check(client, feature, what, error=exception.InvalidParameterValue):
    """Refuse, before any action, what the node's cloud cannot do.

    :param feature: the compute_features.Feature that ``what`` needs.
    :param what: what was asked of the node, for the message.
    :param error: the Ironic exception class to raise.
    :raises: ``error`` naming the node, the feature, the microversion it
        needs and the one the driver uses, when the cloud's Nova (or the
        cap) is below it.
    """
    if offers(client, feature):
        return
    message = compute_features.unsupported_message(
        client.node.uuid, what, feature, newest(client),
        client.creds.describe(),
        capped=bool(client.compute.default_microversion))
    if error is exception.DriverOperationError:
        # Ironic's message ends the reason with its own period.
        raise error(driver='openstack', reason=message.rstrip('.'))
    raise error(message)


def check_boot_device(client, server, device):
    """Refuse a boot device the node's server cannot boot on this cloud.

    PXE and CDROM boot through Nova's rescue, which a volume-backed server
    has only from microversion 2.87.

    :param server: the node's server as read.
    :param device: the Ironic boot device.
    :raises: InvalidParameterValue naming the node, the feature and the
        microversion.
    """
    volume_backed = not (server.image or {}).get('id')
    feature = compute_features.boot_device_feature(device, volume_backed)
    if feature is not None:
        check(client, feature, _('boot device %(device)s of %(kind)s server '
                                 '%(server)s') % {
            'device': device, 'server': server.id,
            'kind': _('volume-backed') if volume_backed
            else _('image-backed')})
