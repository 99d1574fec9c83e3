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

"""Boot interface ``openstack-virtual-media``: the agent from an ISO.

No DHCP and no PXE: the agent's kernel and ramdisk go into an ISO with the
node's ``network_data`` as a config drive (vmedia_iso), the ISO into the
host cloud's Glance as a stable device rescue image (vmedia_images), and
boot device CDROM makes the next boot a Nova rescue with it, the server's
disk kept in place. The instance boots from its disk (boot device DISK);
a ``ramdisk`` deploy boots its own ISO the same way.

As with Ironic's redfish virtual media, the agent's token is generated
before each agent boot and put on the ISO's kernel command line
(``ipa-agent-token``, recorded as pre-generated): the agent never receives
it over the network. A periodic task (vmedia_cleanup) removes what deleted
nodes and finished boots left behind.
"""

from oslo_log import log

from ironic.common import boot_devices
from ironic.common import exception
from ironic.common.i18n import _
from ironic.common import states
from ironic.conductor import periodics
from ironic.conductor import utils as manager_utils
from ironic.drivers import base
from ironic.drivers.modules import boot_mode_utils
from ironic.drivers.modules import deploy_utils
from ironic.drivers import utils as driver_utils

from ironic_openstack_driver import boot_device
from ironic_openstack_driver.conf import CONF
from ironic_openstack_driver import driver_info as os_info
from ironic_openstack_driver import node_access
from ironic_openstack_driver import vmedia_cleanup
from ironic_openstack_driver import vmedia_images
from ironic_openstack_driver import vmedia_iso

LOG = log.getLogger(__name__)

PROPERTIES = {
    'deploy_kernel': _('Agent kernel (URL or Glance UUID in Ironic\'s '
                       'image service) put on the virtual media ISO. '
                       'Defaults to [conductor]deploy_kernel.'),
    'deploy_ramdisk': _('Agent ramdisk for the ISO. Defaults to '
                        '[conductor]deploy_ramdisk.'),
    'rescue_kernel': _('Agent kernel of the rescue ISO. Defaults to '
                       '[conductor]rescue_kernel.'),
    'rescue_ramdisk': _('Agent ramdisk of the rescue ISO. Defaults to '
                        '[conductor]rescue_ramdisk.'),
    'bootloader': _('EFI system partition image for UEFI ISOs. Defaults '
                    'to [conductor]bootloader, then [DEFAULT]esp_image.'),
}


def _agent_files(node, mode):
    """(kernel, ramdisk) hrefs of the agent for ``mode``.

    :raises: MissingParameterValue naming the fields.
    """
    info = driver_utils.get_agent_kernel_ramdisk(node, mode)
    kernel, ramdisk = info.get('%s_kernel' % mode), info.get(
        '%s_ramdisk' % mode)
    if not kernel or not ramdisk:
        raise exception.MissingParameterValue(
            _('Node %(node)s: boot interface openstack-virtual-media needs '
              'the agent to put on its ISO: set driver_info '
              '%(mode)s_kernel and %(mode)s_ramdisk (or [conductor]'
              '%(mode)s_kernel / %(mode)s_ramdisk in ironic.conf).')
            % {'node': node.uuid, 'mode': mode})
    return kernel, ramdisk


def _ramdisk_boot_source(node):
    """(boot_iso, kernel, ramdisk) of a ramdisk deploy's instance_info."""
    i_info = node.instance_info or {}
    boot_iso = i_info.get('boot_iso')
    kernel, ramdisk = i_info.get('kernel'), i_info.get('ramdisk')
    if not boot_iso and not (kernel and ramdisk):
        raise exception.MissingParameterValue(
            _('Node %s: a ramdisk deploy with boot interface '
              'openstack-virtual-media needs instance_info boot_iso, or '
              'kernel and ramdisk.') % node.uuid)
    return boot_iso, kernel, ramdisk


class OpenStackVirtualMediaBoot(base.BootInterface):
    """The agent (or a ramdisk instance) from an ISO rescue image."""

    capabilities = ['ramdisk_boot']

    def get_properties(self):
        return dict(os_info.COMMON_PROPERTIES, **PROPERTIES)

    def validate(self, task):
        """Check what the ISO needs, without any network I/O.

        :raises: MissingParameterValue without deploy kernel and ramdisk
            (or, for a ramdisk deploy, instance_info boot_iso or kernel
            and ramdisk).
        :raises: InvalidParameterValue for a malformed driver_info.
        """
        node = task.node
        os_info.parse_driver_info(node)
        if deploy_utils.get_boot_option(node) == 'ramdisk':
            if node.provision_state in (states.DEPLOYING, states.ACTIVE):
                _ramdisk_boot_source(node)
            return
        _agent_files(node, 'deploy')

    def validate_rescue(self, task):
        """The rescue ISO needs rescue kernel and ramdisk."""
        _agent_files(task.node, 'rescue')

    def validate_inspection(self, task):
        """Agent inspection boots the deploy ISO."""
        _agent_files(task.node, 'deploy')

    def prepare_ramdisk(self, task, ramdisk_params):
        """Build and upload the agent's ISO; the next boot rescues with it.

        Like Ironic's own boot interfaces, it first records the boot
        mode of the deploy (driver_internal_info deploy_boot_mode) from
        the server's firmware when the node asks for none: Ironic's
        deploy decides from it whether the agent installs a bootloader.

        :param ramdisk_params: the agent's kernel parameters.
        :raises: MissingParameterValue, ImageCreationFailed,
            DriverOperationError.
        :raises: InvalidParameterValue when the node's boot_mode
            capability differs from the server's firmware.
        """
        node = task.node
        if not driver_utils.need_prepare_ramdisk(node):
            return
        boot_mode_utils.sync_boot_mode(task)
        if manager_utils.is_fast_track(task):
            LOG.debug('Node %s: fast track, the agent runs already; not '
                      'preparing its ISO', node.uuid)
            return
        mode = deploy_utils.rescue_or_deploy_mode(node)
        kernel, ramdisk = _agent_files(node, mode)
        params = dict(ramdisk_params or {})
        # A new token for each boot, known only to Ironic and the ISO.
        manager_utils.add_secret_token(node, pregenerated=True)
        node.save()
        params['ipa-agent-token'] = node.driver_internal_info[
            'agent_secret_token']
        if CONF.debug and 'ipa-debug' not in params:
            params['ipa-debug'] = '1'
        network_data = task.driver.network.get_node_network_data(task)
        inject = vmedia_iso.network_data_files(network_data)
        cmdline = vmedia_iso.kernel_command_line(
            node, params, vmedia_iso.network_kernel_params(network_data))
        self._boot_iso(task, mode, kernel, ramdisk, cmdline, inject,
                       persistent=False)

    def clean_up_ramdisk(self, task):
        """Remove the node's ISOs from Glance (leftovers of others too)."""
        if manager_utils.is_fast_track(task):
            return
        self._remove_images(task)

    def prepare_instance(self, task):
        """Boot the instance: from its disk, or a ramdisk deploy's ISO.

        The deploy's boot mode is recorded first, as in prepare_ramdisk.

        :raises: InvalidParameterValue when the node's boot_mode
            capability differs from the server's firmware.
        """
        node = task.node
        boot_mode_utils.sync_boot_mode(task)
        if deploy_utils.get_boot_option(node) == 'ramdisk':
            boot_iso, kernel, ramdisk = _ramdisk_boot_source(node)
            if boot_iso:
                self._upload(task, 'instance', vmedia_iso.fetch_iso(
                    task, 'instance', boot_iso), persistent=True)
                return
            cmdline = ' '.join(filter(None, [
                (node.instance_info or {}).get('ramdisk_kernel_arguments'),
                'root=/dev/ram0 text']))
            self._boot_iso(task, 'instance', kernel, ramdisk, cmdline,
                           vmedia_iso.network_data_files(
                               task.driver.network.get_node_network_data(
                                   task)), persistent=True)
            return
        self._remove_images(task)
        manager_utils.node_set_boot_device(task, boot_devices.DISK,
                                           persistent=True)

    def clean_up_instance(self, task):
        """Remove a ramdisk deploy's ISO from Glance."""
        self._remove_images(task)

    def _boot_iso(self, task, label, kernel, ramdisk, cmdline, inject,
                  persistent):
        client = node_access.node_client(task)
        # The firmware of the server's image decides, not Ironic's
        # [deploy]default_boot_mode: the ISO must boot on that server.
        mode = client.boot_mode(client.get_server())
        built = vmedia_iso.build(task, label, kernel, ramdisk, cmdline,
                                 inject, mode)
        self._upload(task, label, built, persistent, client, mode)

    def _upload(self, task, label, built, persistent, client=None,
                mode=None):
        """Make ``built`` (path, key) the node's CDROM, uploading if new."""
        node = task.node
        path, key = built
        if client is None:
            client = node_access.node_client(task)
            mode = client.boot_mode(client.get_server())
        name = vmedia_images.image_name(node.uuid, label, key)
        image = vmedia_images.find(client, name)
        if image is not None:
            image_id = image.id
            LOG.info('Node %(node)s: virtual media ISO %(name)s is in '
                     'Glance already (image %(image)s); not uploaded again',
                     {'node': node.uuid, 'name': name, 'image': image_id})
        else:
            image_id = vmedia_images.upload(client, path, name, mode,
                                            server_id=client.server_id())
        vmedia_images.delete_all(client, keep=image_id)
        node.set_driver_internal_info(boot_device.VMEDIA_IMAGE_KEY,
                                      image_id)
        node.save()
        manager_utils.node_set_boot_device(task, boot_devices.CDROM,
                                           persistent=persistent)

    @periodics.periodic(
        spacing=lambda: CONF.openstack.vmedia_cleanup_interval,
        enabled=lambda: CONF.openstack.vmedia_cleanup_interval > 0)
    def _clean_up_leftovers(self, manager, context):
        """Periodic task: remove what deleted and finished nodes left.

        Their ISOs in Glance and in the conductor's cache, and deleted
        nodes' servers left rescued (see vmedia_cleanup).

        :param manager: Ironic's conductor manager.
        :param context: an admin request context.
        """
        vmedia_cleanup.run(manager, context)

    def _remove_images(self, task):
        node = task.node
        client = node_access.node_client(task)
        vmedia_images.delete_all(client)
        if boot_device.vmedia_image(node):
            node.del_driver_internal_info(boot_device.VMEDIA_IMAGE_KEY)
            node.save()
