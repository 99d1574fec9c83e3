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

"""What the console, vendor, inspect and management interfaces read.

Remote consoles, the console log, the server's Neutron ports and their
networks, its flavor, image and root volume: module functions over a
``client.NodeClient``, kept apart from the power path. Every call goes
through the client's error translation
(``NodeClient.translate_errors``).
"""

from openstack import exceptions as sdk_exc
from oslo_log import log

from ironic.common import exception
from ironic.common.i18n import _

from ironic_openstack_driver.client import DRIVER
from ironic_openstack_driver import compute_features
from ironic_openstack_driver import server_state

LOG = log.getLogger(__name__)

#: Every remote console type Nova knows (POST /servers/{id}/remote-consoles).
CONSOLE_TYPES = ('serial', 'novnc', 'spice-html5', 'rdp-html5', 'webmks')
#: What Nova answers when a console type is not enabled or the virt driver
#: has none (ConsoleTypeUnavailable, 400) or does not implement it (501).
_CONSOLE_UNAVAILABLE = (400, 501)


def _try_console(client, server, console_type):
    """A remote console of one type, or (None, Nova's refusal)."""
    with client.translate_errors(
            _('open a %(type)s console of server %(server)s')
            % {'type': console_type, 'server': server.id},
            policy=compute_features.REMOTE_CONSOLE.policy):
        try:
            console = client.compute.create_console(
                server, console_type)
        except sdk_exc.HttpException as e:
            if e.status_code not in _CONSOLE_UNAVAILABLE:
                raise
            return None, (e.details or e.message)
    return console, None


def remote_console(client, server, console_types):
    """Open the first Nova remote console the cloud offers for a server.

    Each call makes a new console (Nova's tokens expire); the URL it holds
    is a credential: callers must neither log nor store it.

    :param client: the node's NodeClient.
    :param server: the server as last read.
    :param console_types: Nova console types in order of preference.
    :returns: a dict with 'type' and 'url'.
    :raises: DriverOperationError when the cloud offers none of them; the
        message names Nova's answer for each and the types it does offer.
    """
    refused = {}
    for console_type in console_types:
        console, why = _try_console(client, server, console_type)
        if console:
            return {'type': console_type, 'url': console['url']}
        refused[console_type] = why
        LOG.debug('Node %(node)s: Nova offers no %(type)s console for '
                  'server %(server)s: %(why)s', {
                      'node': client.node.uuid, 'type': console_type,
                      'server': server.id, 'why': why})
    offered = [other for other in CONSOLE_TYPES
               if other not in refused
               and _try_console(client, server, other)[0]]
    raise exception.DriverOperationError(
        driver=DRIVER,
        reason=_('node %(node)s: %(cloud)s offers none of the console '
                 'types asked for ([openstack]console_types) for server '
                 '%(server)s: %(refused)s; it offers %(offered)s') % {
                     'node': client.node.uuid,
                     'cloud': client.creds.describe(), 'server': server.id,
                     'refused': '; '.join('%s: %s' % item
                                          for item in refused.items()),
                     'offered': ', '.join(offered) or _('no console type')})


def console_output(client, server, lines):
    """The last lines of the server's console log (os-getConsoleOutput).

    A stopped server whose hypervisor shows no console while the guest
    is off (Nova's libvirt driver with the serial console enabled answers
    404) reads as empty: a powered-off machine prints nothing, and its
    next boot starts a new log.

    :param server: the server as just read (its power state decides
        whether a 404 means "off").
    :param lines: how many lines from the end.
    :returns: the text, possibly empty.
    :raises: DriverOperationError when Nova has no log for a server that
        is not stopped (e.g. a libvirt guest without a serial port: 404).
    """
    with client.translate_errors(
            _('read the console log of server %s') % server.id,
            policy=compute_features.CONSOLE_OUTPUT.policy):
        try:
            reply = client.compute.get_server_console_output(
                server, length=lines)
        except sdk_exc.NotFoundException:
            if server.power_state != server_state.SHUTDOWN:
                raise
            LOG.debug('Node %(node)s: server %(server)s is stopped and '
                      'Nova shows no console for it: its console log '
                      'reads as empty',
                      {'node': client.node.uuid, 'server': server.id})
            return ''
    return reply.get('output') or ''


def server_ports(client, server_id):
    """Every Neutron port of a server, with or without IP addresses.

    The server's ``addresses`` show only ports that have an IP; the
    device_id filter of Neutron's port listing finds them all.

    :returns: a list of dicts with id, mac_address, network_id, name and
        fixed_ips, in Neutron's order.
    """
    with client.translate_errors(_('list the Neutron ports of server %s')
                                 % server_id):
        ports = list(client.proxy('network').ports(device_id=server_id))
    return [{'id': port.id, 'mac_address': port.mac_address,
             'network_id': port.network_id, 'name': port.name,
             'fixed_ips': list(port.fixed_ips or [])} for port in ports]


def network_names(client, network_ids):
    """Names of Neutron networks by ID.

    For Nova's NIC order (the server's addresses name networks) and
    [openstack]physical_networks entries by name. A network the cloud's
    user cannot see (404) has no name here.
    """
    names = {}
    for network_id in sorted(set(network_ids)):
        with client.translate_errors(_('read network %s') % network_id):
            try:
                names[network_id] = client.proxy('network').get_network(
                    network_id).name
            except sdk_exc.NotFoundException:
                LOG.debug('Node %(node)s: network %(net)s of its server '
                          'is not visible to the host cloud\'s user',
                          {'node': client.node.uuid, 'net': network_id})
    return names


def server_flavor(client, server):
    """vcpus, ram (MiB), disk (GiB) and name of the server's flavor.

    Nova embeds the flavor in the server from microversion 2.47; older
    clouds name only its ID, which is then read (it may be deleted).
    """
    flavor = server.flavor
    if flavor is not None and not flavor.vcpus and flavor.id:
        with client.translate_errors(_('read flavor %s') % flavor.id):
            flavor = client.compute.get_flavor(flavor.id)
    if flavor is None or not flavor.vcpus or not flavor.ram:
        raise exception.HardwareInspectionFailure(
            error=_('node %(node)s: Nova shows no flavor figures for server '
                    '%(server)s') % {'node': client.node.uuid,
                                     'server': server.id})
    return {'vcpus': flavor.vcpus, 'ram': flavor.ram, 'disk': flavor.disk,
            'name': flavor.original_name or flavor.name or flavor.id}


def server_image(client, server):
    """The Glance image the server was built from, or None.

    None for a volume-backed server and for an image deleted since.
    """
    image_id = (server.image or {}).get('id')
    if not image_id:
        return None
    with client.translate_errors(_('read image %s') % image_id):
        try:
            return client.proxy('image').get_image(image_id)
        except sdk_exc.NotFoundException:
            LOG.info('Node %(node)s: image %(image)s of its server is '
                     'deleted', {'node': client.node.uuid, 'image': image_id})
            return None


def root_volume_gb(client, server):
    """Size in GiB of a volume-backed server's root volume, or None.

    The root volume is the attachment on the server's root device name
    where Nova shows it (admin), else the first device in name order
    (/dev/vda before /dev/vdb).
    """
    with client.translate_errors(_('list the volumes of server %s')
                                 % server.id):
        attachments = sorted(
            client.compute.volume_attachments(server),
            key=lambda a: (a.device != server.root_device_name,
                           a.device or ''))
        if not attachments:
            return None
        volume = client.proxy('block_storage').get_volume(
            attachments[0].volume_id)
    return volume.size
