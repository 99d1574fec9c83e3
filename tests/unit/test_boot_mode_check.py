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

"""A node that asks for a boot mode its server lacks, through Ironic.

A server's firmware is hw_firmware_type of its image (none: BIOS). A node
that asks for no boot mode (enrolled as Ironic's docs say) takes its
server's: Ironic's boot mode sync reads it through the management
interface before the agent boots. A node that asks for one explicitly
(boot_mode capability, instance_info capabilities or deploy_boot_mode)
that is not the server's is refused by a deploy (the conductor manager's
do_node_deploy) and a cleaning (conductor/cleaning.py) at their power
validation, before the node leaves its state or the server is touched;
the error names the node, the field, both modes and the fixes.
"""

import os
import subprocess

import fixtures
from openstack import exceptions as sdk_exc
from oslo_messaging import rpc

from ironic.common import exception
from ironic.common import images
from ironic.common import states
from ironic.conductor import cleaning
from ironic.conductor import task_manager
from ironic.tests.unit.conductor import mgr_utils

from tests.unit import test_virtual_media


class Base(test_virtual_media.VirtualMediaTestCase):
    """Virtual media boot and direct deploy: cleaning rescues the server."""

    def setUp(self):
        super().setUp()
        # A node enrolled as Ironic's docs say: no properties.
        self.node.properties = {}
        self.node.save()
        self.uefi_disk = self.nova.add_image('disk-uefi',
                                             hw_firmware_type='uefi',
                                             hw_machine_type='q35')
        self.uefi_server = self.nova.add_server(name='node-1',
                                                image_id=self.uefi_disk.id)

    def _use_uefi_server(self):
        self.node.driver_info = dict(self.node.driver_info,
                                     openstack_server=self.uefi_server.id)
        self.node.save()
        self.mark(self.uefi_server, self.node)

    def _set_capability(self, mode):
        self.node.properties = {'capabilities': 'boot_mode:%s' % mode}
        self.node.save()

    def _clean(self):
        """Automated cleaning, as Ironic runs it after provide."""
        self.config(automated_clean=True, group='conductor')
        self.node.provision_state = states.CLEANING
        self.node.target_provision_state = states.AVAILABLE
        self.node.save()
        with self._task() as task:
            cleaning.do_node_clean(task)
        self.node.refresh()

    def _assert_untouched(self):
        self.assertEqual([], self.nova.actions)
        self.assertEqual('active', self.server.vm_state)
        self.assertEqual('active', self.uefi_server.vm_state)
        self.assertEqual([], self._vmedia_images())

    def _assert_not_rescued(self):
        # Ironic's cleaning error handler powers the node off (os-stop);
        # nothing else reached Nova or Glance.
        self.assertEqual([], [a for a in self.nova.actions
                              if a[1] != 'os-stop'])
        self.assertNotIn('rescued', (self.server.vm_state,
                                     self.uefi_server.vm_state))
        self.assertEqual([], self._vmedia_images())
        self.assertIsNone(self.node.driver_internal_info.get(
            'deploy_boot_mode'))


class CleaningTestCase(Base):
    """conductor/cleaning.py, as after provide or undeploy."""

    def test_cleaning_a_bios_server_without_capability_boots_in_bios(self):
        # Ironic's default boot mode is UEFI; the node asks for none and
        # takes its server's firmware through Ironic's boot mode sync.
        self._clean()
        self.assertIsNone(self.node.last_error)
        self.assertEqual(states.CLEANWAIT, self.node.provision_state)
        self.assertEqual('rescue', self.nova.actions[-1][1])
        self.assertEqual('bios', self.node.driver_internal_info.get(
            'deploy_boot_mode'))

    def test_cleaning_a_uefi_server_without_capability_boots_in_uefi(self):
        # A UEFI virtual media ISO carries an EFI system partition image.
        esp = os.path.join(self.tmp, 'esp.img')
        subprocess.run(['mkfs.vfat', '-C', esp, '1440'], check=True,
                       stdout=subprocess.DEVNULL)
        self.config(esp_image=esp)
        self._use_uefi_server()
        self._clean()
        self.assertIsNone(self.node.last_error)
        self.assertEqual(states.CLEANWAIT, self.node.provision_state)
        self.assertEqual('rescue', self.nova.actions[-1][1])
        self.assertEqual('uefi', self.node.driver_internal_info.get(
            'deploy_boot_mode'))

    def test_cleaning_a_uefi_server_with_a_bios_capability_fails(self):
        self._use_uefi_server()
        self._set_capability('bios')
        self._clean()
        self.assertEqual(states.CLEANFAIL, self.node.provision_state)
        error = self.node.last_error
        for part in (self.node.uuid, 'asks for boot mode bios '
                     '(properties/capabilities boot_mode)',
                     'uefi firmware', 'hw_firmware_type=uefi of image %s'
                     % self.uefi_disk.id, 'remove that boot_mode',
                     'set it to uefi', 'hw_firmware_type=bios'):
            self.assertIn(part, error)
        self._assert_not_rescued()

    def test_cleaning_a_bios_server_with_a_uefi_capability_fails(self):
        self._set_capability('UEFI')
        self._clean()
        self.assertEqual(states.CLEANFAIL, self.node.provision_state)
        error = self.node.last_error
        for part in (self.node.uuid, 'asks for boot mode uefi '
                     '(properties/capabilities boot_mode)',
                     'bios firmware', 'sets no hw_firmware_type',
                     self.disk_image.id, 'set it to bios',
                     'hw_firmware_type=uefi'):
            self.assertIn(part, error)
        self._assert_not_rescued()

    def test_cleaning_a_bios_server_with_a_bios_capability_boots_agent(self):
        self._set_capability('bios')
        self._clean()
        self.assertIsNone(self.node.last_error)
        self.assertEqual(states.CLEANWAIT, self.node.provision_state)
        self.assertEqual('rescue', self.nova.actions[-1][1])

    def test_a_uefi_server_without_capability_passes_validation(self):
        self._use_uefi_server()
        for state in (states.CLEANING, states.AVAILABLE):
            self.node.provision_state = state
            self.node.save()
            with self._task() as task:
                task.driver.power.validate(task)

    def test_a_node_that_asks_for_no_mode_is_not_read(self):
        for state in (states.CLEANING, states.AVAILABLE):
            self.node.provision_state = state
            self.node.save()
            with self._task() as task:
                task.driver.power.validate(task)
        self.connection_class.assert_not_called()

    def test_a_volume_backed_server_is_not_refused(self):
        # Its firmware is not read (the volume's image metadata is
        # Cinder's): validation does not guess.
        self._set_capability('uefi')
        self.server.image_id = None
        self.node.provision_state = states.AVAILABLE
        self.node.save()
        with self._task() as task:
            task.driver.power.validate(task)

    def test_the_check_reads_the_listing_and_glance_once(self):
        self._set_capability('uefi')
        self.node.provision_state = states.AVAILABLE
        self.node.save()
        for _ in range(3):
            with task_manager.acquire(self.context, self.node.uuid,
                                      shared=True) as task:
                self.assertRaises(exception.InvalidParameterValue,
                                  task.driver.power.validate, task)
        self.assertEqual(0, self.nova.reads)
        self.assertEqual(1, self.nova.listings)
        self.assertEqual(1, self.nova.image.get_image.call_count)

    def test_a_failing_cloud_leaves_the_check_to_the_actions_read(self):
        # Ironic's power sync validates a node with no power state outside
        # its error handling: a failed read must not raise there.
        self._set_capability('uefi')
        self.node.provision_state = states.AVAILABLE
        self.node.save()
        down = sdk_exc.HttpException(message='Service Unavailable',
                                     http_status=503)
        self.nova.compute.get.side_effect = down
        self.nova.compute.get_server.side_effect = down
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            task.driver.power.validate(task)
        self.nova.compute.get_server.assert_called()

    def test_power_actions_and_verify_states_are_not_checked(self):
        self._set_capability('uefi')
        for state in (states.ENROLL, states.VERIFYING, states.MANAGEABLE,
                      states.ACTIVE, states.DEPLOYFAIL, states.CLEANFAIL):
            self.node.provision_state = state
            self.node.save()
            with self._task() as task:
                task.driver.power.validate(task)
        self.connection_class.assert_not_called()


class DeployValidationTestCase(mgr_utils.ServiceSetUpMixin, Base):
    """The conductor manager's do_node_deploy, as the API calls it."""

    def setUp(self):
        super().setUp()
        self.node.provision_state = states.AVAILABLE
        self.node.target_provision_state = None
        self.node.instance_info = {
            'image_source': 'http://192.0.2.9/instance.img',
            'image_checksum': 'd41d8cd98f00b204e9800998ecf8427e',
            'image_disk_format': 'raw'}
        self.node.save()
        # Ironic asks the image's web server whether the URL is a
        # directory first; none answers here.
        self.useFixture(fixtures.MockPatchObject(
            images, 'is_source_a_path', autospec=True, return_value=False))
        self._start_service()

    def _deploy(self):
        exc = self.assertRaises(rpc.ExpectedException,
                                self.service.do_node_deploy,
                                self.context, self.node.uuid)
        self.assertEqual(exception.InstanceDeployFailure, exc.exc_info[0])
        self.node.refresh()
        return str(exc.exc_info[1])

    def test_a_bios_server_without_capability_validates_for_deploy(self):
        # As openstack baremetal node validate asks the conductor.
        result = self.service.validate_driver_interfaces(self.context,
                                                         self.node.uuid)
        self.assertEqual({'result': True}, result['power'])
        self._assert_untouched()

    def test_deploy_of_a_bios_server_with_a_uefi_capability_is_refused(self):
        self._set_capability('uefi')
        error = self._deploy()
        for part in (self.node.uuid, 'asks for boot mode uefi '
                     '(properties/capabilities boot_mode)', 'bios firmware',
                     self.disk_image.id, 'set it to bios',
                     'hw_firmware_type=uefi'):
            self.assertIn(part, error)
        self.assertEqual(states.AVAILABLE, self.node.provision_state)
        self.assertIsNone(self.node.target_provision_state)
        self.assertIsNone(self.node.reservation)
        self._assert_untouched()

    def test_deploy_of_a_uefi_server_with_a_bios_capability_is_refused(self):
        self._use_uefi_server()
        self._set_capability('bios')
        error = self._deploy()
        self.assertIn('hw_firmware_type=uefi of image %s'
                      % self.uefi_disk.id, error)
        self.assertIn('set it to uefi', error)
        self.assertEqual(states.AVAILABLE, self.node.provision_state)
        self._assert_untouched()

    def test_deploy_asking_uefi_in_instance_info_names_that_source(self):
        self.node.instance_info = dict(self.node.instance_info,
                                       capabilities={'boot_mode': 'uefi'})
        self.node.save()
        error = self._deploy()
        self.assertIn('asks for boot mode uefi (instance_info/capabilities '
                      'boot_mode)', error)
        self._assert_untouched()

    def test_deploy_asking_bios_in_deploy_boot_mode_names_that_field(self):
        self._use_uefi_server()
        self.node.instance_info = dict(self.node.instance_info,
                                       deploy_boot_mode='bios')
        self.node.save()
        error = self._deploy()
        self.assertIn('asks for boot mode bios (instance_info/'
                      'deploy_boot_mode)', error)
        self.assertIn('uefi firmware', error)
        self._assert_untouched()
