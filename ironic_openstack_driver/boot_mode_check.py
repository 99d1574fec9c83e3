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

"""Whether a boot mode the node asks for is its server's firmware.

A Nova server's firmware is fixed by the image it was built from
(server_images.firmware). A node that asks for no boot mode takes its
server's: before each agent boot Ironic's boot_mode_utils.sync_boot_mode
reads the management interface's get_boot_mode (the server's firmware)
and records it as driver_internal_info deploy_boot_mode, which the deploy
then goes by, as it does for real hardware. A node that asks for a mode
explicitly (the boot_mode of its properties/capabilities or of its
instance_info capabilities, or instance_info deploy_boot_mode) keeps it,
and a mode the server does not have would fail only once the agent's boot
is under way: power validation, which Ironic runs before a deploy and
every cleaning, refuses such a node first, before anything is done.
"""

import logging

from openstack import exceptions as sdk_exc
from oslo_log import log

from ironic.common import exception
from ironic.common.i18n import _
from ironic.common import states
from ironic.common import utils as common_utils
from ironic.drivers import utils as drivers_utils

from ironic_openstack_driver.caches import CACHES
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


#: The node's fields that ask for a boot mode explicitly, in the order
#: Ironic's boot_mode_utils.get_boot_mode_for_deploy reads them.
INSTANCE_CAPABILITY = 'instance_info/capabilities boot_mode'
INSTANCE_DEPLOY_BOOT_MODE = 'instance_info/deploy_boot_mode'
NODE_CAPABILITY = 'properties/capabilities boot_mode'

#: Why a server's firmware could not be read (failure_kind).
SERVER_GONE = 'server gone'
CLOUD_FAILS = 'cloud fails'
FAILURE_KINDS = (SERVER_GONE, CLOUD_FAILS)
# What caches.CACHES.warned holds for a node whose server's firmware could
# not be read: (_UNREAD, node UUID, one of FAILURE_KINDS).
_UNREAD = 'firmware unread'


def explicit_boot_mode(node):
    """The boot mode the node's own settings ask for, and their field.

    In Ironic's order (boot_mode_utils.get_boot_mode_for_deploy): the
    boot_mode of instance_info capabilities, instance_info
    deploy_boot_mode, the boot_mode capability of the node's properties.
    The mode recorded by the last agent boot (driver_internal_info
    deploy_boot_mode: the server's, read through get_boot_mode) and
    [deploy]default_boot_mode are not asked by the node: with neither of
    the fields above, Ironic's boot mode sync takes the server's firmware.

    :param node: an Ironic node.
    :returns: ('uefi' or 'bios' as the field says it, lower case, the
        field), or (None, None) when the node asks for no mode.
    """
    instance_caps = common_utils.parse_instance_info_capabilities(node)
    for field, value in (
            (INSTANCE_CAPABILITY, instance_caps.get('boot_mode')),
            (INSTANCE_DEPLOY_BOOT_MODE,
             node.instance_info.get('deploy_boot_mode')),
            (NODE_CAPABILITY,
             drivers_utils.get_node_capability(node, 'boot_mode'))):
        if value:
            return str(value).lower(), field
    return None, None


def mismatch_message(node, mode, field, firmware, firmware_source):
    """The error of a node that asks for a mode its server does not have.

    :param node: the Ironic node.
    :param mode: the boot mode asked of the node.
    :param field: where that mode is asked (the node's field, or how it
        was asked through Ironic).
    :param firmware: the firmware of the node's server.
    :param firmware_source: where that comes from (the image property).
    """
    return _('Node %(node)s asks for boot mode %(mode)s (%(field)s), but '
             'its Nova server boots with %(firmware)s firmware '
             '(%(firmware_source)s), which cannot be changed through '
             'Ironic. Either remove that boot_mode from the node (a node '
             'that asks for none takes its server\'s firmware) or set it '
             'to %(firmware)s, or use a server built from an image with '
             'hw_firmware_type=%(mode)s.') % {
                 'node': node.uuid, 'mode': mode, 'field': field,
                 'firmware': firmware, 'firmware_source': firmware_source}


def failure_kind(error):
    """Why the read of a server's firmware failed, one of FAILURE_KINDS.

    :param error: the DriverOperationError of the read (the library's
        error it was translated from is its cause or context).
    :returns: SERVER_GONE when Nova answered that the server does not
        exist (404); CLOUD_FAILS for any other failure (the cloud or the
        network down, an error answer, a login refused).
    """
    seen = []
    while error is not None and error not in seen:
        if isinstance(error, sdk_exc.NotFoundException):
            return SERVER_GONE
        seen.append(error)
        error = error.__cause__ or error.__context__
    return CLOUD_FAILS


def unread_log_level(first):
    """The level of the line that says the firmware was not read.

    :param first: whether it is the node's first failure of its kind
        since its last successful read (or ever).
    :returns: WARNING the first time, DEBUG while the failure lasts:
        Ironic's power sync validates the node at every sweep.
    """
    return logging.WARNING if first else logging.DEBUG


def _firmware(task):
    """The firmware of the task's server, and where it comes from.

    Says once per node and kind of failure (failure_kind) when it cannot
    be read, at DEBUG after that until a read succeeds again.

    :returns: server_images.firmware's (firmware or None, where it comes
        from or why it is unknown); None when it cannot be read now.
    :raises: InvalidParameterValue, MissingParameterValue, as the read of
        the server does (driver_info, a server not marked for the node).
    """
    node = task.node
    try:
        client = node_access.node_client(task)
        server = client.get_server(cached=True)
        found = server_images.firmware(client, server)
    except exception.DriverOperationError as e:
        kind = failure_kind(e)
        first = CACHES.warned.add((_UNREAD, node.uuid, kind))
        LOG.log(unread_log_level(first),
                'Node %(node)s: its boot mode is not checked against its '
                'server\'s firmware, which cannot be read now '
                '(%(kind)s%(then)s): %(error)s',
                {'node': node.uuid, 'kind': kind, 'error': e,
                 'then': '; said at DEBUG level until a read succeeds'
                 if first else ''})
        return None
    for kind in FAILURE_KINDS:
        CACHES.warned.discard((_UNREAD, node.uuid, kind))
    return found


def check(task):
    """Refuse a node that asks for a boot mode its server does not have.

    Checked only in CHECKED_STATES, and only for a node that asks for a
    mode (explicit_boot_mode): nothing is read for the others. The server
    comes from the cloud's shared listing where it is recent, and its
    image properties from what the driver remembers (at most one Glance
    read per image). A server whose firmware is unknown (volume-backed,
    or its image gone from Glance) or cannot be read now (the cloud
    fails) is not refused.

    :param task: a TaskManager instance.
    :raises: InvalidParameterValue when the modes differ, naming the node,
        the field, both modes and the fixes; when the server is not marked
        for the node.
    """
    node = task.node
    if node.provision_state not in CHECKED_STATES:
        return
    mode, field = explicit_boot_mode(node)
    if mode is None:
        return
    # Ironic's power sync validates nodes without a recorded power state
    # outside its error handling: a failed read must not end its sweep.
    # The action's own read of the server reports it.
    found = _firmware(task)
    if found is None:
        return
    firmware, firmware_source = found
    if firmware is None:
        LOG.debug('Node %(node)s: firmware of its server unknown (%(why)s); '
                  'its boot mode is not checked against it',
                  {'node': node.uuid, 'why': firmware_source})
        return
    if mode != firmware:
        raise exception.InvalidParameterValue(mismatch_message(
            node, mode, field, firmware, firmware_source))
