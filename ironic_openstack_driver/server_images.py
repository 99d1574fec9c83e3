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

"""What a server's image says: boot mode, secure boot, shutdown wait.

Nova copies the properties of the image a server is built from into the
server (system metadata) and keeps them, whatever later happens to the
image in Glance; it boots and stops the server by that copy, and shows it
from compute microversion 2.98 (only the standard properties, which
os_shutdown_timeout is not). These functions read that copy per server
where the cloud shows it and fall back to the image in Glance on older
clouds. Nova's listing of all servers (read at microversion 2.1) shows no
properties: a listed server is answered from the copy its last own read
showed, which every read of the server records. Module functions over a
``client.NodeClient``; what they learn is remembered in its ``lookups``
(cloud_lookups.py).
"""

from openstack import exceptions as sdk_exc
from oslo_log import log

from ironic.common import exception
from ironic.common.i18n import _

from ironic_openstack_driver import cloud_lookups
from ironic_openstack_driver.conf import CONF
from ironic_openstack_driver import kept_properties

LOG = log.getLogger(__name__)


def glance_properties(client, image_id):
    """The properties of an image in Glance, or None if it is gone.

    Read once per image. A 404 (the image was deleted, or is not visible
    to the project) is logged once and remembered for
    cloud_lookups.IMAGE_GONE_TTL seconds; any other failure is not
    remembered.

    :raises: DriverOperationError when Glance cannot be read (5xx,
        timeout, no connection...).
    """
    known, props = client.lookups.glance_properties(client.key, image_id)
    if known:
        return props
    with client.translate_errors(_('read image %s, which its server was built '
                                   'from') % image_id):
        try:
            image = client.image.get_image(image_id)
        except sdk_exc.NotFoundException as e:
            LOG.warning('Node %(node)s: image %(image)s, which its '
                        'server was built from, is not in %(cloud)s '
                        '(deleted, or not visible to the project): '
                        '%(error)s. Boot mode %(mode)s '
                        '([openstack]default_boot_mode) is assumed '
                        'where Nova does not show hw_firmware_type; '
                        'not read again for %(ttl)d s.',
                        {'node': client.node.uuid, 'image': image_id,
                         'cloud': client.creds.describe(),
                         'error': e.details or e.message,
                         'mode': CONF.openstack.default_boot_mode,
                         'ttl': cloud_lookups.IMAGE_GONE_TTL})
            client.lookups.remember_glance_properties(client.key,
                                                      image_id, None)
            return None
    props = dict(image.properties or {})
    if image.os_shutdown_timeout is not None:
        props['os_shutdown_timeout'] = image.os_shutdown_timeout
    if image.needs_secure_boot is not None:
        props['os_secure_boot'] = image.needs_secure_boot
    if image.architecture is not None:
        props['architecture'] = image.architecture
    client.lookups.remember_glance_properties(client.key, image_id, props)
    return props


def kept_image_properties(client, server, image_id):
    """The image properties Nova keeps with the server, or None.

    Nova copies them from the image when it builds the server and shows
    them in a server read from microversion 2.98: from the server as read
    (then remembered for this server and image), else (a listing shows
    none) as remembered from an earlier read of this server (see
    remember_kept_properties). None when neither shows them.
    """
    props = kept_properties.embedded_image_properties(server)
    if props is None:
        return client.lookups.server_image_properties(
            client.key, server.id, image_id)
    client.lookups.remember_server_image_properties(
        client.key, server.id, image_id, props)
    return props


def remember_kept_properties(client, server):
    """Remember the image properties a server read shows (2.98), if any."""
    image_id = (server.image or {}).get('id')
    if image_id:
        kept_image_properties(client, server, image_id)


def image_properties(client, server):
    """The properties of the image a server was built from.

    Nova's copy for this server where the cloud shows it (2.98) and it
    was read, else the image in Glance (once per image).

    :returns: (image UUID, properties): UUID None for a volume-backed
        server, properties None for an image Glance no longer has.
    :raises: DriverOperationError when Glance cannot be read.
    """
    image_id = (server.image or {}).get('id')
    if not image_id:
        return None, None
    props = kept_image_properties(client, server, image_id)
    if props is None:
        props = glance_properties(client, image_id)
    return image_id, props


def secure_boot_required(client, server):
    """Whether the server's image says os_secure_boot=required.

    As boot_mode: from the properties Nova keeps with the server,
    else from the image in Glance. "optional" (on only where the
    compute host supports it, which the API does not show), unset, an
    image Glance no longer has and a volume-backed server read as off.
    """
    props = image_properties(client, server)[1] or {}
    return props.get('os_secure_boot') == 'required'


def firmware(client, server):
    """The firmware Nova boots the server with, and where that comes from.

    From hw_firmware_type of the server's image, as Nova kept it with the
    server (or, on clouds that do not show that copy, as the image in
    Glance says: see image_properties). An image without hw_firmware_type
    boots with BIOS (SeaBIOS) under Nova's libvirt driver, except an
    image for aarch64 (hw_architecture, Glance's architecture), which
    Nova boots with UEFI.

    :returns: ('uefi' or 'bios', a phrase naming the image property it
        comes from), or (None, why it is unknown): a volume-backed server
        (the volume's image metadata is not read) or an image that Glance
        no longer has and Nova does not show.
    :raises: DriverOperationError when Glance cannot be read.
    """
    image_id, props = image_properties(client, server)
    if not image_id:
        return None, _('server %s is volume-backed: its image properties '
                       'are not read') % server.id
    if props is None:
        return None, _('image %(image)s of server %(server)s is not in '
                       'Glance any more and Nova does not show its '
                       'properties') % {'image': image_id,
                                        'server': server.id}
    value = props.get('hw_firmware_type')
    if value in ('uefi', 'bios'):
        return value, _('hw_firmware_type=%(value)s of image %(image)s, '
                        'which server %(server)s was built from') % {
                            'value': value, 'image': image_id,
                            'server': server.id}
    arch = props.get('hw_architecture') or props.get('architecture')
    if arch == 'aarch64':
        return 'uefi', _('image %(image)s of server %(server)s sets no '
                         'hw_firmware_type and hw_architecture=aarch64: '
                         'Nova boots it with UEFI') % {
                             'image': image_id, 'server': server.id}
    return 'bios', _('image %(image)s of server %(server)s sets no '
                     'hw_firmware_type: Nova\'s libvirt driver boots it '
                     'with BIOS') % {'image': image_id, 'server': server.id}


def boot_mode(client, server):
    """'uefi' or 'bios': the firmware of the server's image.

    As firmware() says, read per server from the image properties Nova
    keeps with it (shown from microversion 2.98; they outlive the image
    and any later change of it): from this read, or from the last read of
    the server that showed them (a listing shows none). Else (a cloud
    below 2.98, a server not yet read on its own) from the image in
    Glance (once per image); else, for an image that is gone,
    [openstack]default_boot_mode. Volume-backed servers (no image) are
    taken as BIOS.
    """
    mode = firmware(client, server)[0]
    if mode is not None:
        return mode
    if not (server.image or {}).get('id'):
        return 'bios'
    return CONF.openstack.default_boot_mode


def shutdown_timeout(client, server):
    """Seconds Nova's graceful stop may wait for this server's guest.

    Nova waits up to the os_shutdown_timeout of the image the server
    was built from (kept with the server), else the compute's
    [DEFAULT]shutdown_timeout. Nova's API shows neither (2.98 embeds
    only standard image properties, and os_shutdown_timeout is not
    one): this reads the image in Glance, which may have changed since
    the server was built.

    :returns: (seconds, where it comes from), seconds None when unknown.
    """
    image_id = (server.image or {}).get('id')
    if not image_id:
        return None, _('the server is volume-backed')
    props = kept_properties.embedded_image_properties(server) or {}
    if 'os_shutdown_timeout' not in props:
        try:
            props = glance_properties(client, image_id)
        except exception.DriverOperationError as e:
            return None, _('image %(image)s cannot be read now: '
                           '%(error)s') % {'image': image_id,
                                           'error': e}
        if props is None:
            return None, _('image %s cannot be read') % image_id
    value = props.get('os_shutdown_timeout')
    if value is None:
        return None, _('image %s sets no os_shutdown_timeout') % image_id
    try:
        return int(value), _('os_shutdown_timeout of image %s') % image_id
    except (TypeError, ValueError):
        return None, _('image %(image)s has a malformed '
                       'os_shutdown_timeout %(value)r') % {
                           'image': image_id, 'value': value}
