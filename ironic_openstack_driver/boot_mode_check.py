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

"""Whether the boot mode Ironic deploys a node in is its server's firmware.

Ironic cleans and deploys a node in the mode boot_mode_utils.get_boot_mode
answers: secure boot asked in instance_info (UEFI), else the boot_mode of
instance_info capabilities, the node's boot_mode capability, the mode its
last agent boot recorded (driver_internal_info deploy_boot_mode, removed at
undeploy), else [deploy]default_boot_mode (uefi unless the conductor says
otherwise). A Nova server's firmware is fixed by the image it was built
from (server_images.firmware). When the two differ, Ironic's boot mode
sync refuses the node's mode when the agent boots, after the node left its
stable state, or (a node that asks for no mode) takes the server's mode
for that one boot while [deploy]default_boot_mode decides before it.
Power validation, which Ironic runs before a deploy and every cleaning,
refuses such a node first, before anything is done.
"""

from oslo_log import log

from ironic.common import exception
from ironic.common.i18n import _
from ironic.common import states
from ironic.common import utils as common_utils
from ironic.drivers.modules import boot_mode_utils
from ironic.drivers import utils as drivers_utils

from ironic_openstack_driver import node_access
from ironic_openstack_driver import server_images

LOG = log.getLogger(__name__)

#: Provision states in which Ironic validates the power interface just
#: before it boots the agent: a deploy (from available) and every
#: cleaning (automated after provide or undeploy, and manual), which
#: validates again once the node is cleaning. Elsewhere (enroll, verify,
#: manageable, active, tear down, power actions of other states) the mode
#: is not checked, so that a node can always be powered, verified and
#: undeployed.
CHECKED_STATES = frozenset([states.AVAILABLE, states.CLEANING])


def node_boot_mode(node):
    """The mode Ironic deploys the node in, and where it comes from.

    :returns: ('uefi' or 'bios', a phrase naming its source).
    :raises: InvalidParameterValue when the node's settings disagree
        (Ironic's own check).
    """
    mode = boot_mode_utils.get_boot_mode(node)
    if boot_mode_utils.is_secure_boot_requested(node):
        return mode, _('secure_boot:true in its instance_info capabilities')
    if common_utils.parse_instance_info_capabilities(node).get('boot_mode'):
        return mode, _('boot_mode of its instance_info capabilities')
    if node.instance_info.get('deploy_boot_mode'):
        return mode, _('its instance_info deploy_boot_mode')
    if drivers_utils.get_node_capability(node, 'boot_mode'):
        return mode, _('its boot_mode capability')
    if node.driver_internal_info.get('deploy_boot_mode'):
        return mode, _('the mode its last agent boot recorded '
                       '(driver_internal_info deploy_boot_mode)')
    return mode, _('Ironic\'s [deploy]default_boot_mode, as it has no '
                   'boot_mode capability')


def mismatch_message(node, mode, source, firmware, firmware_source):
    """The error of a node whose boot mode is not its server's firmware.

    :param node: the Ironic node.
    :param mode: the boot mode asked of the node.
    :param source: where that mode comes from.
    :param firmware: the firmware of the node's server.
    :param firmware_source: where that comes from (the image property).
    """
    return _('Node %(node)s: Ironic would deploy it in %(mode)s mode '
             '(%(source)s), but its Nova server boots with %(firmware)s '
             'firmware (%(firmware_source)s), which cannot be changed '
             'through Ironic. Either set the node\'s boot mode to the '
             'server\'s (the capability boot_mode:%(firmware)s in its '
             'properties/capabilities, e.g. openstack baremetal node set '
             '%(node)s --property capabilities=boot_mode:%(firmware)s, '
             'keeping any other capability), or use a server built from '
             'an image with hw_firmware_type=%(mode)s.') % {
                 'node': node.uuid, 'mode': mode, 'source': source,
                 'firmware': firmware, 'firmware_source': firmware_source}


def check(task):
    """Refuse a node whose deploy boot mode is not its server's firmware.

    Checked only in CHECKED_STATES. The server comes from the cloud's
    shared listing where it is recent, and its image properties from what
    the driver remembers (at most one Glance read per image): no request
    per validation beyond those. A server whose firmware is unknown
    (volume-backed, or its image gone from Glance) or cannot be read now
    (the cloud fails) is not refused.

    :param task: a TaskManager instance.
    :raises: InvalidParameterValue when the modes differ, naming the node,
        both modes, their sources and the two fixes; when the server is not
        marked for the node.
    """
    node = task.node
    if node.provision_state not in CHECKED_STATES:
        return
    try:
        client = node_access.node_client(task)
        server = client.get_server(cached=True)
        firmware, firmware_source = server_images.firmware(client, server)
    except exception.DriverOperationError as e:
        # Ironic's power sync validates nodes without a recorded power
        # state outside its error handling: a failed read must not end
        # its sweep. The action's own read of the server reports it.
        LOG.warning('Node %(node)s: its boot mode is not checked against '
                    'its server\'s firmware, which cannot be read now: '
                    '%(error)s', {'node': node.uuid, 'error': e})
        return
    if firmware is None:
        LOG.debug('Node %(node)s: firmware of its server unknown (%(why)s); '
                  'its boot mode is not checked against it',
                  {'node': node.uuid, 'why': firmware_source})
        return
    mode, source = node_boot_mode(node)
    if mode != firmware:
        raise exception.InvalidParameterValue(mismatch_message(
            node, mode, source, firmware, firmware_source))
