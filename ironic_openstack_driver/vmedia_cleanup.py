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

"""What virtual media nodes leave behind, found and removed periodically.

Ironic deletes a node in maintenance in any state without calling its
driver (ConductorManager.destroy_node loads no driver but the console's),
and fast track skips clean_up_ramdisk: a node's ISOs in Glance, its ISOs
in the conductor's cache and its server, rescued with the agent's ISO,
would stay. The boot interface's periodic task calls run(), which:

* lists the virtual media ISOs of the driver's project in every cloud it
  knows (the clouds of the nodes of the ``openstack`` hardware type,
  [openstack]cloud, and those this conductor uploaded ISOs to), and groups
  them by node;
* for a node that no longer exists: when its server (recorded on the ISO)
  is still rescued and no other node drives it, unrescues and stops it,
  then deletes the ISOs (kept, and tried again at the next run, while the
  server cannot be released);
* for a node that exists but boots no ISO any more (needs_iso), deletes
  its ISOs under the node's exclusive lock (a busy node is skipped);
* removes the cached ISOs of nodes that no longer exist, builds that never
  ended, and ISOs beyond [openstack]vmedia_cache_max_size (vmedia_cache).

Every conductor runs it; deleting what another conductor deleted already
is harmless.
"""

import dataclasses

from openstack import exceptions as sdk_exc
from oslo_log import log

from ironic.common import boot_devices
from ironic.common import exception
from ironic.common.i18n import _
from ironic.common import states
from ironic.conductor import task_manager
from ironic.db import api as dbapi
from ironic import objects

from ironic_openstack_driver import boot_device
from ironic_openstack_driver import client as os_client
from ironic_openstack_driver.conf import CONF
from ironic_openstack_driver import converge
from ironic_openstack_driver import driver_info as os_info
from ironic_openstack_driver import server_state
from ironic_openstack_driver.server_state import Step
from ironic_openstack_driver import vmedia_cache
from ironic_openstack_driver import vmedia_images

LOG = log.getLogger(__name__)

HARDWARE_TYPE = 'openstack'
#: Provision states in which a node may boot (or run) the agent's ISO.
AGENT_BOOT_STATES = frozenset([
    states.DEPLOYING, states.DEPLOYWAIT, states.DEPLOYHOLD,
    states.CLEANING, states.CLEANWAIT, states.CLEANHOLD,
    states.RESCUING, states.RESCUEWAIT, states.RESCUE,
    states.INSPECTING, states.INSPECTWAIT,
    states.SERVICING, states.SERVICEWAIT, states.SERVICEHOLD])
#: Stands for the clean-up itself where a node is expected in messages.
SCAN_NAME = '(virtual media clean-up)'


@dataclasses.dataclass
class _Node:
    """What the driver's clients read of a node: a stand-in.

    For the listing of a cloud (no node) and for a node that no longer
    exists.
    """

    uuid: str
    driver_info: dict
    driver_internal_info: dict = dataclasses.field(default_factory=dict)


def needs_iso(node):
    """Whether a node may still boot its virtual media ISO.

    While it boots or runs the agent (deploy, cleaning, rescue, inspection,
    servicing, and their waits and holds), and while its next boot is
    CDROM (a ramdisk deploy's instance, or a boot not yet made).
    """
    return (node.provision_state in AGENT_BOOT_STATES
            or boot_device.next_boot(node) == boot_devices.CDROM)


class _Release(converge.PowerOff):
    """Goal: a deleted node's server is neither rescued nor running."""

    def next_step(self, server):
        if server.vm_state == server_state.RESCUED and not server.task_state:
            # Also when the agent powered the guest off: unrescue, so
            # that Nova holds no rescue with the ISO being deleted.
            return Step.UNRESCUE
        return super().next_step(server)


def _client(node_uuid, creds, server='-'):
    node = _Node(node_uuid, {'openstack_server': server})
    return os_client.NodeClient(node, os_info.DriverInfo(
        server=server, credentials=creds))


def _sources():
    """The credential sets to look in, and the servers live nodes drive.

    :returns: (list of CloudCredentials, set of openstack_server values).
    """
    found = {}
    driven = set()
    default = _Node(SCAN_NAME, {'openstack_server': SCAN_NAME})
    if CONF.openstack.cloud:
        try:
            found[os_info.parse_driver_info(default).credentials] = None
        except (exception.InvalidParameterValue,
                exception.MissingParameterValue) as e:
            LOG.warning('The clean-up of virtual media ISOs cannot use '
                        '[openstack]cloud: %s', e)
    for node_uuid, info in dbapi.get_instance().get_nodeinfo_list(
            columns=['uuid', 'driver_info'],
            filters={'driver': HARDWARE_TYPE}):
        info = info or {}
        if info.get('openstack_server'):
            driven.add(info['openstack_server'])
        try:
            creds = os_info.parse_driver_info(
                _Node(node_uuid, info)).credentials
        except (exception.InvalidParameterValue,
                exception.MissingParameterValue):
            continue
        found[creds] = None
    for creds in vmedia_images.clouds_uploaded_to():
        found[creds] = None
    return list(found), driven


def _load(context, node_uuid):
    try:
        return objects.Node.get_by_uuid(context, node_uuid)
    except exception.NodeNotFound:
        return None


def _release(client, driven):
    """Unrescue and stop a deleted node's server; True when done or moot."""
    node = client.node.uuid
    server_id = client.info.server
    try:
        with client.translate_errors(_('read server %s') % server_id):
            try:
                server = client.compute.get_server(server_id)
            except sdk_exc.NotFoundException:
                return True
        if server.id in driven or server.name in driven:
            LOG.info('Node %(node)s was deleted; its server %(server)s is '
                     'driven by another node now and is left alone',
                     {'node': node, 'server': server_id})
            return True
        if server.vm_state != server_state.RESCUED:
            return True
        LOG.warning('Node %(node)s was deleted while its server %(server)s '
                    'was rescued with its virtual media ISO: unrescuing and '
                    'stopping the server', {'node': node,
                                            'server': server_id})
        converge.run(client, _Release(), _('released (not rescued, off)'),
                     CONF.conductor.power_state_change_timeout)
        return True
    except Exception as e:
        LOG.warning('Node %(node)s was deleted; its server %(server)s '
                    'could not be released from its rescue: %(error)s. Its '
                    'virtual media ISOs stay in Glance until the next run '
                    'of the clean-up releases it.',
                    {'node': node, 'server': server_id, 'error': e})
        return False


def _clean_up_deleted(node_uuid, creds, images, driven):
    servers = sorted({vmedia_images.server_of(image) for image in images}
                     - {None, ''})
    released = [_release(_client(node_uuid, creds, server), driven)
                for server in servers]
    if not all(released):
        return
    LOG.info('Node %(node)s no longer exists: deleting its %(count)d '
             'virtual media ISO(s) from Glance',
             {'node': node_uuid, 'count': len(images)})
    vmedia_images.delete(_client(node_uuid, creds), images)


def _clean_up_unneeded(context, node_uuid, creds, images):
    try:
        with task_manager.acquire(
                context, node_uuid, shared=False,
                purpose='removing virtual media ISOs it no longer '
                        'boots') as task:
            node = task.node
            if needs_iso(node):
                return
            LOG.info('Node %(node)s boots no virtual media ISO in '
                     'provision state %(state)s: deleting %(count)d ISO(s) '
                     'from Glance', {'node': node_uuid,
                                     'state': node.provision_state,
                                     'count': len(images)})
            deleted, _refused = vmedia_images.delete(
                _client(node_uuid, creds), images)
            if boot_device.vmedia_image(node) in deleted:
                node.del_driver_internal_info(boot_device.VMEDIA_IMAGE_KEY)
                node.save()
    except (exception.NodeLocked, exception.NodeNotFound):
        return


def _clean_up_cloud(context, creds, driven):
    scan = _client(SCAN_NAME, creds)
    by_node = {}
    for image in vmedia_images.project_images(scan):
        by_node.setdefault(vmedia_images.node_of(image), []).append(image)
    for node_uuid, images in by_node.items():
        try:
            node = _load(context, node_uuid)
            if node is None:
                _clean_up_deleted(node_uuid, creds, images, driven)
            elif not (node.reservation or needs_iso(node)):
                _clean_up_unneeded(context, node_uuid, creds, images)
        except Exception as e:
            LOG.warning('Node %(node)s: the clean-up of its virtual media '
                        'ISOs in %(cloud)s failed: %(error)s; tried again '
                        'at its next run', {'node': node_uuid,
                                            'cloud': creds.describe(),
                                            'error': e})


def _clean_up_cache(context):
    for node_uuid in vmedia_cache.nodes():
        if _load(context, node_uuid) is None:
            vmedia_cache.remove_node(node_uuid)
    vmedia_cache.remove_stale_builds()
    vmedia_cache.enforce_bound()


def run(manager, context):
    """One run of the clean-up (see the module's docstring).

    A cloud that cannot be reached is logged and tried again at the next
    run; the others are cleaned up all the same.

    :param manager: Ironic's conductor manager.
    :param context: an admin request context.
    """
    sources, driven = _sources()
    for creds in sources:
        try:
            _clean_up_cloud(context, creds, driven)
        except Exception as e:
            LOG.warning('The clean-up of virtual media ISOs could not list '
                        'the images of %(cloud)s: %(error)s; tried again at '
                        'its next run', {'cloud': creds.describe(),
                                         'error': e})
    _clean_up_cache(context)
