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

"""Management interface: boot device, boot mode and NMI of a Nova server."""

from oslo_log import log

from ironic.common import boot_modes
from ironic.common import exception
from ironic.common.i18n import _
from ironic.conductor import task_manager
from ironic.drivers import base

from ironic_openstack_driver import boot_device
from ironic_openstack_driver import boot_mode_check
from ironic_openstack_driver import driver_info as os_info
from ironic_openstack_driver import microversions
from ironic_openstack_driver import node_access
from ironic_openstack_driver import server_health
from ironic_openstack_driver import server_images
from ironic_openstack_driver import server_reads
from ironic_openstack_driver import server_state

LOG = log.getLogger(__name__)


class OpenStackManagement(base.ManagementInterface):
    """Boot device PXE = Nova rescue with an iPXE image; DISK = own disk.

    CDROM = Nova rescue with the node's virtual media ISO, which the boot
    interface openstack-virtual-media uploads to Glance.
    """

    def get_properties(self):
        return os_info.COMMON_PROPERTIES.copy()

    def validate(self, task):
        """Check driver_info without talking to the cloud."""
        os_info.parse_driver_info(task.node)

    def get_supported_boot_devices(self, task):
        return list(boot_device.SUPPORTED)

    @task_manager.require_exclusive_lock
    def set_boot_device(self, task, device, persistent=False):
        """Record the boot device; the next power on or reboot applies it.

        As on a real BMC, a one-time choice applies to the next boot only.
        No action is sent to Nova here; the server is read (from the shared
        listing where it is recent) to check that it is marked for the
        node.

        :raises: InvalidParameterValue for a device other than PXE, CDROM
            or DISK.
        :raises: MissingParameterValue for PXE without any rescue image
            configured, or CDROM without the node's virtual media ISO.
        :raises: InvalidParameterValue when the server is not marked for
            the node, or for PXE or CDROM when the cloud cannot rescue the
            server (a volume-backed one below compute microversion 2.87:
            compute_features.py).
        """
        node = task.node
        if device not in boot_device.SUPPORTED:
            raise exception.InvalidParameterValue(
                _('Node %(node)s: the openstack driver cannot boot from '
                  '%(device)s; it supports %(supported)s.') % {
                      'node': node.uuid, 'device': device,
                      'supported': ', '.join(boot_device.SUPPORTED)})
        info = os_info.parse_driver_info(node)
        if device == server_state.PXE and not os_info.any_rescue_image(info):
            raise exception.MissingParameterValue(
                _('Node %s: boot device PXE needs a rescue image: set '
                  'driver_info openstack_rescue_image, or [openstack]'
                  'rescue_image / uefi_rescue_image in ironic.conf.')
                % node.uuid)
        if (device == server_state.CDROM
                and not boot_device.vmedia_image(node)):
            raise exception.MissingParameterValue(
                _('Node %s: boot device CDROM is Nova rescue with the '
                  'node\'s virtual media ISO, which the boot interface '
                  'openstack-virtual-media uploads when it prepares the '
                  'agent\'s boot; the node has none.') % node.uuid)
        client = node_access.node_client(task)
        server = client.get_server(cached=True)
        microversions.check_boot_device(client, server, device)
        boot_device.set_device(node, device, persistent)
        node.save()
        LOG.info('Node %(node)s: boot device %(device)s (%(kind)s) will be '
                 'used at the next boot', {
                     'node': node.uuid, 'device': device,
                     'kind': 'persistent' if persistent else 'one-time'})

    def get_boot_device(self, task):
        """The boot device the next boot uses, and whether it persists."""
        return boot_device.get(task.node)

    def get_supported_boot_modes(self, task):
        """The server's firmware is fixed by its image: one mode."""
        return [self.get_boot_mode(task)]

    def get_boot_mode(self, task):
        """'uefi' or 'bios', from hw_firmware_type of the server's image.

        Ironic's power sync asks this of every node on every sweep
        (node_cache_boot_mode), under a shared lock, and verify asks it
        once: the shared server listing answers then, as for
        get_power_state.
        """
        client = node_access.node_client(task)
        return client.boot_mode(node_access.read_server(task, client))

    def get_node_health(self, task):
        """OK, WARNING, CRITICAL or None from Nova's view of the server.

        Ironic 39 asks this on every power sync, under a shared lock: the
        shared server listing answers, as for get_power_state, and the
        status of the server's compute host comes from one read of Nova's
        compute services per cloud and [openstack]server_list_max_age
        (host_status.py). ERROR or no host is critical; the host's status
        counts where the credentials see it (admins, by Nova's default
        policy); without it, a server with nothing wrong reads None
        (server_health.health).
        """
        client = node_access.node_client(task)
        server = node_access.read_server(task, client)
        return server_health.health(server, client.host_status(server))

    @task_manager.require_exclusive_lock
    def set_boot_mode(self, task, mode):
        """Accept the mode the server has; refuse any other clearly."""
        if mode not in (boot_modes.UEFI, boot_modes.LEGACY_BIOS):
            raise exception.InvalidParameterValue(
                _('Node %(node)s: unknown boot mode %(mode)s.')
                % {'node': task.node.uuid, 'mode': mode})
        client = node_access.node_client(task)
        server = node_access.read_server(task, client)
        current = client.boot_mode(server)
        if mode != current:
            asked, field = boot_mode_check.explicit_boot_mode(task.node)
            if asked != mode:
                field = _('asked through Ironic')
            known, firmware_source = server_images.firmware(client, server)
            if known is None:
                firmware_source = _('%(why)s; the driver takes it as '
                                    '%(mode)s') % {'why': firmware_source,
                                                   'mode': current}
            raise exception.InvalidParameterValue(
                boot_mode_check.mismatch_message(
                    task.node, mode, field, current, firmware_source))

    @task_manager.require_exclusive_lock
    def inject_nmi(self, task):
        """Send an NMI through Nova's os-triggerCrashDump (2.17)."""
        client = node_access.node_client(task)
        server = client.get_server()
        if not server_state.guest_running(server):
            raise exception.InvalidParameterValue(
                _('Node %(node)s: cannot inject an NMI: the guest of server '
                  '%(server)s does not run (vm_state %(vm)s).') % {
                      'node': task.node.uuid, 'server': server.id,
                      'vm': server.vm_state})
        client.trigger_crash_dump(server)
        LOG.info('Node %s: NMI sent to its server', task.node.uuid)

    def get_sensors_data(self, task):
        raise NotImplementedError()

    def get_mac_addresses(self, task):
        """MACs of every Neutron port of the node's server.

        Ports without IP addresses count too (their MACs are not in the
        server's ``addresses``).

        :returns: a list of MAC addresses, in Neutron's order.
        """
        client = node_access.node_client(task)
        server = client.get_server(cached=True)    # checks the mark
        return [port['mac_address'] for port in
                server_reads.server_ports(client, server.id)]

    def get_secure_boot_state(self, task):
        """Whether the server boots with UEFI secure boot (read-only).

        From ``os_secure_boot`` of the server's image: "required" is on;
        "optional" (on only where the compute host supports it, which the
        API does not show) and unset read as off. Volume-backed servers
        and deleted images read as off. Ironic's power sync asks this of
        every node, under a shared lock, and verify asks it once: the
        shared listing answers, and the image is read once.
        """
        client = node_access.node_client(task)
        return client.secure_boot_required(
            node_access.read_server(task, client))

    @task_manager.require_exclusive_lock
    def set_secure_boot_state(self, task, state):
        """Accept the state the server has; refuse any other clearly."""
        current = self.get_secure_boot_state(task)
        if bool(state) != current:
            raise exception.InvalidParameterValue(
                _('Node %(node)s: secure boot of its Nova server is fixed '
                  'by os_secure_boot of its image (%(current)s) and cannot '
                  'be turned %(state)s; create the server from an image '
                  'with os_secure_boot=%(want)s instead.') % {
                      'node': task.node.uuid,
                      'current': 'on' if current else 'off',
                      'state': 'on' if state else 'off',
                      'want': 'required' if state else 'disabled'})
