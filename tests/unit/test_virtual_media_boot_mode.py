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

"""The boot mode of virtual media nodes, through Ironic's deploy code.

A node enrolled by hand has no ``boot_mode`` capability. Ironic's
boot_mode_utils then answer ``[deploy]default_boot_mode`` (UEFI) unless the
boot interface recorded the server's own mode; the direct deploy's
prepare_instance_boot asks the agent to install a bootloader for a
whole-disk image in UEFI mode, which an agent booted in BIOS mode refuses.
The agent here is modelled on ironic-python-agent's install_bootloader.
"""

from unittest import mock

from ironic.common import boot_devices
from ironic.common import exception
from ironic.common import states
from ironic.conductor import task_manager
from ironic.conductor import utils as manager_utils
from ironic.drivers.modules import agent_client
from ironic.drivers.modules import deploy_utils

from ironic_openstack_driver import boot_device
from tests.unit import test_virtual_media

# What the agent answers as the root UUID of a whole-disk image: the MBR's
# disk identifier (sfdisk writes a random one).
DISK_IDENTIFIER = '0x3a1f0c2e'
BIOS_INSTALL_DISABLED = (
    'Install of legacy BIOS bootloaders disabled by '
    'CONF.enable_bios_bootloader_install as part of CVE-2026-43003 '
    'mitigation.')


class FakeAgent:
    """The agent's image commands, booted in ``booted_mode``.

    install_bootloader follows ironic-python-agent's: an agent booted in
    UEFI mode sets up the EFI boot entry; otherwise a root UUID of None or
    0x00000000 means a whole-disk image and nothing is done, and any other
    root UUID needs grub-install, which is disabled by default.
    """

    def __init__(self, booted_mode='bios'):
        self.booted_mode = booted_mode
        self.calls = []

    def command(self, client, node, method, params, wait=False, poll=False):
        self.calls.append((method, params))
        if method == 'standby.get_partition_uuids':
            return {'command_status': 'SUCCEEDED',
                    'command_result': {'root uuid': DISK_IDENTIFIER}}
        if method == 'image.install_bootloader':
            root_uuid = params['root_uuid']
            if (self.booted_mode == 'uefi'
                    or root_uuid in (None, '0x00000000')):
                return {'command_status': 'SUCCEEDED', 'command_error': None}
            return {'command_status': 'FAILED',
                    'command_error': {'type': 'InvalidImage',
                                      'details': BIOS_INSTALL_DISABLED}}
        raise AssertionError('unexpected agent command %s' % method)

    def methods(self):
        return [method for method, params in self.calls]


class BootModeTestCase(test_virtual_media.VirtualMediaTestCase):

    def setUp(self):
        super().setUp()
        # A node enrolled by hand: no properties at all.
        self.node.properties = {}
        self.node.provision_state = states.DEPLOYING
        self.node.instance_info = {
            'image_source': 'http://192.0.2.9/instance.img',
            'image_checksum': 'd41d8cd98f00b204e9800998ecf8427e',
            'image_disk_format': 'raw'}
        self.node.save()
        # As in the lab: no log collection from the agent on a failure.
        self.config(deploy_logs_collect='never', group='agent')
        self.agent = FakeAgent()
        command = mock.patch.object(agent_client.AgentClient, '_command',
                                    autospec=True,
                                    side_effect=self.agent.command)
        command.start()
        self.addCleanup(command.stop)

    def _task(self):
        return task_manager.acquire(self.context, self.node.uuid)

    def _boot_the_agent(self):
        """What the direct deploy's prepare does to boot the agent."""
        with self._task() as task:
            deploy_utils.prepare_agent_boot(task)

    def _agent_wrote_a_whole_disk_image(self):
        self.node.refresh()
        self.node.set_driver_internal_info('is_whole_disk_image', True)
        self.node.save()

    def test_whole_disk_deploy_on_a_bios_server_needs_no_bootloader(self):
        self._boot_the_agent()
        self._agent_wrote_a_whole_disk_image()
        with self._task() as task:
            task.driver.deploy.prepare_instance_boot(task)
            manager_utils.node_power_action(task, states.REBOOT)
        self.assertEqual(['standby.get_partition_uuids'],
                         self.agent.methods())
        self.node.refresh()
        self.assertEqual(states.DEPLOYING, self.node.provision_state)
        self.assertIsNone(self.node.last_error)
        self.assertEqual('bios',
                         self.node.driver_internal_info['deploy_boot_mode'])
        self.assertEqual({'boot_device': boot_devices.DISK,
                          'persistent': True}, boot_device.get(self.node))
        self.assertEqual('active', self.server.vm_state)
        self.assertEqual([], self._vmedia_images())

    def test_each_agent_boot_records_the_servers_mode_again(self):
        # An undeploy drops deploy_boot_mode; the next agent boot (the
        # cleaning after it, then the next deploy) records it again.
        self.node.provision_state = states.CLEANING
        self.node.save()
        self._prepare_cleaning()
        self.node.refresh()
        self.assertEqual('bios',
                         self.node.driver_internal_info['deploy_boot_mode'])
        self.node.del_driver_internal_info('deploy_boot_mode')
        self.node.provision_state = states.DEPLOYING
        self.node.save()
        self._boot_the_agent()
        self.node.refresh()
        self.assertEqual('bios',
                         self.node.driver_internal_info['deploy_boot_mode'])

    def test_a_uefi_capability_on_a_bios_server_fails_before_any_boot(self):
        self.node.properties = {'capabilities': 'boot_mode:uefi'}
        self.node.save()
        with self._task() as task:
            exc = self.assertRaises(exception.InvalidParameterValue,
                                    deploy_utils.prepare_agent_boot, task)
        self.assertIn(self.node.uuid, str(exc))
        self.assertIn('uefi', str(exc))
        self.assertEqual([], self._vmedia_images())
        self.assertEqual([], self.nova.actions)
        self.assertEqual('active', self.server.vm_state)
        self.node.refresh()
        self.assertIsNone(boot_device.vmedia_image(self.node))

    def test_instance_boot_records_the_servers_mode(self):
        # Conductor takeover of an active node calls prepare_instance only.
        self.node.provision_state = states.ACTIVE
        self.node.save()
        with self._task() as task:
            task.driver.boot.prepare_instance(task)
        self.node.refresh()
        self.assertEqual('bios',
                         self.node.driver_internal_info['deploy_boot_mode'])
