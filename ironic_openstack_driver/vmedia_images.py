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

"""The virtual media ISOs of nodes in the host cloud's Glance.

Each ISO is a private image named ``ironic-vmedia-<node>-<mode>-<key>``
(key: the first 16 hex digits of the hash of its content, see
vmedia_iso), tagged ``ironic-vmedia-<node>`` and carrying the properties
``ironic_node_uuid`` and ``ironic_server`` (the server it was made for).
An image is the driver's only when its owner is the driver's project (the
project of the connection's token) and its name or ``ironic_node_uuid``
names the node: a tag set by someone else on an image of theirs never makes
the driver delete it, and an image whose tag was lost is still found by
the listing of the project's images (``project_images``, which the
clean-up periodic task makes). An ISO whose content did not change is
found by its name and not uploaded again. Module functions over a
``client.NodeClient``; every call goes through the client's error
translation.
"""

from openstack import exceptions as sdk_exc
from oslo_log import log
from oslo_utils import uuidutils

from ironic.common.i18n import _

from ironic_openstack_driver.caches import CACHES
from ironic_openstack_driver.conf import CONF

LOG = log.getLogger(__name__)

NAME_PREFIX = 'ironic-vmedia-'
KEY_LENGTH = 16
#: Stable device rescue: Nova attaches the rescue image as this device and
#: keeps the server's own disk in place (microversion 2.87 for
#: volume-backed servers).
RESCUE_DEVICE = 'cdrom'
#: Image properties naming the node and the server an ISO was made for.
NODE_PROPERTY = 'ironic_node_uuid'
SERVER_PROPERTY = 'ironic_server'
#: The only visibility a virtual media ISO may have: it carries the
#: agent's token.
VISIBILITY = 'private'


def clouds_uploaded_to():
    """Credential sets this conductor uploaded ISOs with, oldest first.

    Remembered in memory only (caches.CACHES.clouds_uploaded_to, at most
    [openstack]cache_max_clouds) for the clean-up periodic task: a deleted
    node's cloud may be one no other node uses.
    """
    return CACHES.clouds_uploaded_to.members()


def tag(node_uuid):
    """The Glance tag every virtual media ISO of a node carries."""
    return NAME_PREFIX + node_uuid


def image_name(node_uuid, mode, key):
    """The Glance name of a node's ISO for ``mode`` with content ``key``."""
    return '%s%s-%s-%s' % (NAME_PREFIX, node_uuid, mode, key[:KEY_LENGTH])


def project_id(client):
    """The driver's project in the host cloud: owner of the ISOs it uploads.

    :returns: the project ID, or None for a token scoped to no project.
    """
    return client.project_id()


def _property(image, name):
    value = getattr(image, name, None)
    if value is None:
        value = (image.properties or {}).get(name)
    return value


def node_of(image):
    """UUID of the node an image was made for, from its properties or name.

    None for an image that is no virtual media ISO.
    """
    node = _property(image, NODE_PROPERTY)
    if node:
        return node if uuidutils.is_uuid_like(node) else None
    name = image.name or ''
    if name.startswith(NAME_PREFIX):
        # <prefix><36-character UUID>-<mode>-<key>
        candidate = name[len(NAME_PREFIX):len(NAME_PREFIX) + 36]
        if (name[len(NAME_PREFIX) + 36:len(NAME_PREFIX) + 37] == '-'
                and uuidutils.is_uuid_like(candidate)):
            return candidate
    return None


def server_of(image):
    """UUID of the server an ISO was made for, or None (older ISOs)."""
    return _property(image, SERVER_PROPERTY)


def _ours(image, project, node=None):
    """Whether an image is a virtual media ISO of the driver's project."""
    if not project or image.owner != project:
        return False
    made_for = node_of(image)
    return made_for is not None and (node is None or made_for == node)


def _no_project(client):
    LOG.warning('Node %s: the host cloud credentials are scoped to no '
                'project, so the driver cannot tell its own virtual media '
                'ISOs in Glance from others\' and leaves them alone.',
                client.node.uuid)


def node_images(client):
    """The node's virtual media ISOs in Glance, found by their tag.

    Only images owned by the driver's project whose name or
    ``ironic_node_uuid`` names the node count; an ISO whose tag was lost
    is found by ``project_images`` instead.
    """
    node = client.node.uuid
    project = project_id(client)
    if not project:
        _no_project(client)
        return []
    with client.translate_errors(_('list the virtual media images of node %s')
                                 % node):
        images = client.image.images(owner=project, tag=tag(node))
        return [image for image in images if _ours(image, project, node)]


def project_images(client):
    """Every virtual media ISO of the driver's project, any node.

    One listing of the project's images (the clean-up periodic task's);
    an ISO is recognised by its name or its ``ironic_node_uuid``, with or
    without its tag.
    """
    project = project_id(client)
    if not project:
        _no_project(client)
        return []
    with client.translate_errors(_('list the images of project %s') % project):
        return [image for image in client.image.images(owner=project)
                if _ours(image, project)]


def find(client, name):
    """The active, private image named ``name`` of this node, or None.

    An image of that name whose visibility is not private is not re-used
    (the driver deletes it with the node's other ISOs).
    """
    node = client.node.uuid
    project = project_id(client)
    if not project:
        return None
    with client.translate_errors(_('find virtual media image %s') % name):
        for image in client.image.images(owner=project, name=name):
            if (image.name == name and image.status == 'active'
                    and image.visibility == VISIBILITY
                    and _ours(image, project, node)):
                return image
    return None


def upload(client, path, name, boot_mode, server_id=None):
    """Upload an ISO file to Glance as a stable device rescue image.

    The file is streamed from disk (a file object is the request body),
    never read into memory whole. The image is private: visible to the
    driver's project only.

    :param path: the ISO on the conductor's disk.
    :param name: see image_name().
    :param boot_mode: 'bios' or 'uefi': hw_firmware_type of the image.
    :param server_id: UUID of the node's server, recorded on the image
        (the clean-up of a deleted node's server finds it there).
    :returns: the new image's UUID.
    :raises: DriverOperationError when Glance refuses it.
    """
    node = client.node.uuid
    CACHES.clouds_uploaded_to.add(client.creds)
    with client.translate_errors(_('upload virtual media ISO %s') % name):
        with open(path, 'rb') as data:
            image = client.image.create_image(
                name, data=data, disk_format='iso', container_format='bare',
                allow_duplicates=True, tags=[tag(node)],
                visibility=VISIBILITY, hw_rescue_device=RESCUE_DEVICE,
                hw_rescue_bus=CONF.openstack.vmedia_rescue_bus,
                hw_firmware_type=boot_mode,
                **{NODE_PROPERTY: node, SERVER_PROPERTY: server_id or ''})
    LOG.info('Node %(node)s: uploaded virtual media ISO %(name)s to Glance '
             'as image %(image)s', {'node': node, 'name': name,
                                    'image': image.id})
    return image.id


def delete(client, images, keep=None):
    """Delete images of the node from Glance, except the image ``keep``.

    Images already gone are fine (another conductor may have removed
    them). An image Glance refuses to delete (403: protected, or a policy)
    is logged and left for the clean-up periodic task to try again; the
    others are deleted all the same.

    :returns: (UUIDs deleted, UUIDs refused).
    """
    deleted, refused = [], []
    for image in images:
        if image.id == keep:
            continue
        with client.translate_errors(_('delete virtual media image %s')
                                     % image.id):
            try:
                client.image.delete_image(image, ignore_missing=True)
            except sdk_exc.ForbiddenException as e:
                LOG.warning('Node %(node)s: Glance refuses to delete virtual '
                            'media image %(image)s (%(name)s): %(error)s. '
                            'The clean-up periodic task tries again; an '
                            'image set protected must be unprotected '
                            '(openstack image set --unprotected).',
                            {'node': client.node.uuid, 'image': image.id,
                             'name': image.name,
                             'error': e.details or e.message})
                refused.append(image.id)
                continue
        deleted.append(image.id)
        LOG.info('Node %(node)s: deleted virtual media image %(image)s '
                 '(%(name)s) from Glance', {'node': client.node.uuid,
                                            'image': image.id,
                                            'name': image.name})
    return deleted, refused


def delete_all(client, keep=None):
    """Delete the node's ISOs from Glance, except the image ``keep``.

    :returns: the UUIDs deleted.
    """
    return delete(client, node_images(client), keep)[0]
