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
vmedia_iso) and tagged ``ironic-vmedia-<node>``: an ISO whose content did
not change is found by its name and not uploaded again, and every image of
a node, also those an earlier conductor left behind, is found by its tag.
Module functions over a ``client.NodeClient``; every call goes through the
client's error translation.
"""

from oslo_log import log

from ironic.common.i18n import _

from ironic_openstack_driver.conf import CONF

LOG = log.getLogger(__name__)

NAME_PREFIX = 'ironic-vmedia-'
KEY_LENGTH = 16
#: Stable device rescue: Nova attaches the rescue image as this device and
#: keeps the server's own disk in place (microversion 2.87 for
#: volume-backed servers).
RESCUE_DEVICE = 'cdrom'


def tag(node_uuid):
    """The Glance tag every virtual media ISO of a node carries."""
    return NAME_PREFIX + node_uuid


def image_name(node_uuid, mode, key):
    """The Glance name of a node's ISO for ``mode`` with content ``key``."""
    return '%s%s-%s-%s' % (NAME_PREFIX, node_uuid, mode, key[:KEY_LENGTH])


def node_images(client):
    """Every image of the node's virtual media in Glance (by its tag)."""
    node = client.node.uuid
    with client._errors(_('list the virtual media images of node %s')
                        % node):
        return list(client.conn.image.images(tag=tag(node)))


def find(client, name):
    """The active image named ``name`` of this node, or None."""
    for image in node_images(client):
        if image.name == name and image.status == 'active':
            return image
    return None


def upload(client, path, name, boot_mode):
    """Upload an ISO file to Glance as a stable device rescue image.

    The file is streamed from disk (a file object is the request body),
    never read into memory whole.

    :param path: the ISO on the conductor's disk.
    :param name: see image_name().
    :param boot_mode: 'bios' or 'uefi': hw_firmware_type of the image.
    :returns: the new image's UUID.
    :raises: DriverOperationError when Glance refuses it.
    """
    node = client.node.uuid
    with client._errors(_('upload virtual media ISO %s') % name):
        with open(path, 'rb') as data:
            image = client.conn.image.create_image(
                name, data=data, disk_format='iso', container_format='bare',
                allow_duplicates=True, tags=[tag(node)],
                visibility='private', hw_rescue_device=RESCUE_DEVICE,
                hw_rescue_bus=CONF.openstack.vmedia_rescue_bus,
                hw_firmware_type=boot_mode, ironic_node_uuid=node)
    LOG.info('Node %(node)s: uploaded virtual media ISO %(name)s to Glance '
             'as image %(image)s', {'node': node, 'name': name,
                                    'image': image.id})
    return image.id


def delete_all(client, keep=None):
    """Delete the node's ISOs from Glance, except the image ``keep``.

    Images already gone are fine (another conductor may have removed them).

    :returns: the UUIDs deleted.
    """
    deleted = []
    for image in node_images(client):
        if image.id == keep:
            continue
        with client._errors(_('delete virtual media image %s') % image.id):
            client.conn.image.delete_image(image, ignore_missing=True)
        deleted.append(image.id)
        LOG.info('Node %(node)s: deleted virtual media image %(image)s '
                 '(%(name)s) from Glance', {'node': client.node.uuid,
                                            'image': image.id,
                                            'name': image.name})
    return deleted
