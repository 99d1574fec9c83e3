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

"""Ironic's fast track on an ``openstack`` node: provide, then deploy.

Ironic's ConductorManager (its RPC methods, run in this thread) walks an
ipxe/direct node from manageable through automated cleaning to available
and deploys it; the agent is tests/unit/fake_agent.FakeAgent, answering
Ironic's AgentClient at its HTTP boundary from inside the server's Nova
rescue. With ``[deploy]fast_track`` the agent boots once (one Nova
rescue) for the cleaning and the deploy, and the deploy ends with the
server unrescued onto its disk; without it, the cleaning's end stops the
server and the deploy rescues it again.
"""

import datetime
import os
from unittest import mock

import fixtures
from oslo_utils import timeutils

from ironic.common import boot_devices
from ironic.common import image_service
from ironic.common import images
from ironic.common import pxe_utils
from ironic.common import states
from ironic.conductor import task_manager
from ironic.conductor import utils as manager_utils
from ironic.tests.unit.objects import utils as obj_utils

from ironic_openstack_driver import boot_device
from ironic_openstack_driver import vmedia_images
from tests.unit import fake_agent
from tests.unit import fake_nova as fn
from tests.unit import test_lifecycle
from tests.unit import test_virtual_media

#: The metadata erase, as a manual cleaning asks for it.
ERASE = {'interface': 'deploy', 'step': 'erase_devices_metadata', 'args': {}}
INSTANCE_INFO = {
    'image_source': 'http://192.0.2.9/instance.img',
    'image_checksum': 'd41d8cd98f00b204e9800998ecf8427e',
    'image_disk_format': 'raw',
}


class FastTrackTestCase(test_lifecycle.ConductorFlowTestCase):
    """A manageable ipxe/direct node whose server runs from its disk."""

    def setUp(self):
        super().setUp()
        self.config(http_url='http://192.0.2.1:8088', group='deploy')
        self.config(dhcp_provider='none', group='dhcp')
        self.config(endpoint_override='http://192.0.2.1:6385',
                    group='service_catalog')
        self.config(automated_clean=True, group='conductor')
        self.config(deploy_logs_collect='never', group='agent')
        # As in the lab: the metadata erase is the one clean step.
        self.config(erase_devices_priority=0,
                    erase_devices_metadata_priority=10, group='deploy')
        self._set_node(provision_state=states.MANAGEABLE,
                       power_state=states.POWER_ON)
        boot_device.set_device(self.node, boot_devices.DISK, True)
        self.node.save()
        # iPXE boots the agent through the node's port (its MAC).
        obj_utils.create_test_port(self.context, node_id=self.node.id,
                                   address='52:54:00:12:34:56')
        self.agent = fake_agent.FakeAgent(self.nova, self.server)
        self.agent.patch(self)
        # The agent's kernel and ramdisk are not downloaded here, nor is
        # the instance image looked at.
        for target, name in ((pxe_utils, 'cache_ramdisk_kernel'),
                             (images, 'is_source_a_path'),
                             (image_service.HttpImageService,
                              'validate_href')):
            self.useFixture(fixtures.MockPatchObject(
                target, name, autospec=True, return_value=False))

    def _heartbeat(self):
        """The agent's heartbeat; False when no agent runs."""
        sent = self.agent.heartbeat(self.conductor, self.context,
                                    self.node.uuid)
        self.node.refresh()
        return sent

    def _wait_for_the_agent(self, state):
        """Heartbeats until the node leaves ``state`` (a wait state)."""
        for _beat in range(3):
            if self.node.provision_state != state:
                return
            self.assertTrue(self._heartbeat(), self._state())
        self.fail('still in %s after 3 heartbeats' % state)

    def _clean(self, steps=None):
        """provide (automated cleaning), or a manual cleaning of steps."""
        if steps is None:
            self._action('provide')
        else:
            self.conductor.do_node_clean(self.context, self.node.uuid, steps)
            self.node.refresh()
        self._wait_for_the_agent(states.CLEANWAIT)
        self.assertIsNone(self.node.last_error)
        self.assertEqual(states.MANAGEABLE if steps else states.AVAILABLE,
                         self.node.provision_state)

    def _deploy(self):
        self._set_node(instance_info=dict(INSTANCE_INFO))
        self.conductor.do_node_deploy(self.context, self.node.uuid)
        self.node.refresh()
        self._wait_for_the_agent(states.DEPLOYWAIT)
        self.assertIsNone(self.node.last_error)
        self.assertEqual(states.ACTIVE, self.node.provision_state)

    def _assert_deployed(self):
        """The instance runs from the server's disk."""
        self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())
        self.assertEqual(states.POWER_ON, self.node.power_state)
        self.assertEqual({'boot_device': boot_devices.DISK,
                          'persistent': True}, boot_device.get(self.node))


class WithFastTrackTestCase(FastTrackTestCase):

    def setUp(self):
        super().setUp()
        self.config(fast_track=True, group='deploy')

    def test_a_deploy_right_after_cleaning_boots_the_agent_once(self):
        self._clean()
        self._deploy()
        # One rescue for both (one agent boot), and the deploy's end
        # leaves Nova's rescue for the disk.
        self.assertEqual(['rescue', 'unrescue'], self._actions())
        self.assertEqual(1, self.agent.boots)
        self._assert_deployed()
        self.assertEqual(
            ['clean.get_clean_steps', 'clean.execute_clean_step',
             'deploy.get_deploy_steps', 'deploy.execute_deploy_step',
             'standby.get_partition_uuids', 'standby.power_off'],
            self.agent.names())

    def test_the_agent_runs_on_in_rescue_reading_power_on(self):
        self._clean()
        # Ironic's tear-down of cleaning found the node on with a
        # recent heartbeat: no power off; the agent keeps heartbeating.
        self.assertEqual(['rescue'], self._actions())
        self.assertEqual((fn.RESCUED, None, fn.RUNNING), self._state())
        self.assertEqual(states.POWER_ON, self.node.power_state)
        beat = self.node.driver_internal_info['agent_last_heartbeat']
        self.assertTrue(self._heartbeat())
        self.assertLessEqual(
            beat, self.node.driver_internal_info['agent_last_heartbeat'])
        with task_manager.acquire(self.context, self.node.uuid) as task:
            self.assertTrue(manager_utils.is_fast_track(task))
        # The boot device stays the disk; the PXE boot was one-time.
        self.assertEqual({'boot_device': boot_devices.DISK,
                          'persistent': True}, boot_device.get(self.node))

    def test_a_cleaning_of_a_node_whose_agent_runs_rescues_nothing(self):
        # provide, manage, a manual cleaning, provide, deploy: one boot.
        self._clean()
        self._action('manage')
        self._clean([ERASE])
        # The ipxe interface's prepare_ramdisk set a one-time PXE; fast
        # track skipped the reboot that would use it: it waits, as on a
        # BMC, until the deploy sets the disk.
        self.assertEqual({'boot_device': boot_devices.PXE,
                          'persistent': False}, boot_device.get(self.node))
        self._clean()
        self._deploy()
        self.assertEqual(['rescue', 'unrescue'], self._actions())
        self.assertEqual(1, self.agent.boots)
        self._assert_deployed()

    def test_the_cleaning_after_an_undeploy_keeps_the_agent_for_a_deploy(
            self):
        self._clean()
        self._deploy()
        self.conductor.do_node_tear_down(self.context, self.node.uuid)
        self.node.refresh()
        self._wait_for_the_agent(states.CLEANWAIT)
        self.assertEqual(states.AVAILABLE, self.node.provision_state)
        self._deploy()
        # The undeploy stops the instance; its cleaning boots the agent,
        # which the second deploy uses.
        self.assertEqual(['rescue', 'unrescue', 'os-stop', 'rescue',
                          'unrescue'], self._actions())
        self.assertEqual(2, self.agent.boots)
        self._assert_deployed()

    def test_a_heartbeat_older_than_fast_track_timeout_boots_it_again(self):
        self._clean()
        later = timeutils.utcnow() + datetime.timedelta(
            seconds=301)    # [deploy]fast_track_timeout is 300 s
        with mock.patch.object(timeutils, 'utcnow', autospec=True,
                               return_value=later):
            self._deploy()
        # Ironic's deploy powers the node off (unrescue, stop) and
        # boots the agent anew.
        self.assertEqual(['rescue', 'unrescue', 'os-stop', 'rescue',
                          'unrescue'], self._actions())
        self.assertEqual(2, self.agent.boots)
        self._assert_deployed()

    def test_power_off_stops_the_agent_and_ends_fast_track(self):
        self._clean()
        with task_manager.acquire(self.context, self.node.uuid) as task:
            manager_utils.node_power_action(task, states.POWER_OFF)
            # Ironic forgets the agent it powered off.
            self.assertNotIn('agent_url', task.node.driver_internal_info)
            self.assertFalse(manager_utils.is_fast_track(task))
        self.assertEqual(['rescue', 'unrescue', 'os-stop'], self._actions())
        self.assertEqual((fn.STOPPED, None, fn.SHUTDOWN), self._state())
        self.assertFalse(self._heartbeat())
        self._deploy()
        self.assertEqual(2, self.agent.boots)
        self._assert_deployed()


class WithoutFastTrackTestCase(FastTrackTestCase):

    def test_the_deploy_boots_the_agent_again(self):
        self._clean()
        # Ironic's tear-down of cleaning powers the node off.
        self.assertEqual(['rescue', 'unrescue', 'os-stop'], self._actions())
        self.assertEqual(states.POWER_OFF, self.node.power_state)
        self._deploy()
        self.assertEqual(['rescue', 'unrescue', 'os-stop', 'rescue',
                          'unrescue'], self._actions())
        self.assertEqual(2, self.agent.boots)
        self._assert_deployed()


class VirtualMediaFastTrackTestCase(FastTrackTestCase):
    """The same node with boot interface openstack-virtual-media."""

    # mkisofs builds the ISOs.
    block_execute = False

    def setUp(self):
        super().setUp()
        self.config(fast_track=True, group='deploy')
        tmp = self.useFixture(fixtures.TempDir()).path
        self.config(enabled_boot_interfaces=['openstack-virtual-media',
                                             'ipxe', 'fake'],
                    isolinux_bin=test_virtual_media.ISOLINUX_BIN)
        self.config(file_url_allowed_paths=[tmp], group='conductor')
        self.config(vmedia_cache_dir=os.path.join(tmp, 'cache'),
                    group='openstack')
        for name in ('kernel', 'ramdisk'):
            with open(os.path.join(tmp, name), 'wb') as f:
                f.write(name.encode() * 1000)
        self._set_node(boot_interface='openstack-virtual-media',
                       network_data=test_virtual_media.NETWORK_DATA,
                       driver_info=dict(
                           self.node.driver_info,
                           deploy_kernel='file://%s/kernel' % tmp,
                           deploy_ramdisk='file://%s/ramdisk' % tmp))

    def _isos(self):
        tag = vmedia_images.tag(self.node.uuid)
        return [i.id for i in self.nova.images.values()
                if tag in (i.tags or [])]

    def test_a_deploy_right_after_cleaning_boots_the_iso_once(self):
        self._clean()
        self.assertEqual(['rescue'], self._actions())
        # Fast track kept the ISO the agent runs from.
        (iso,) = self._isos()
        self.assertEqual(iso, self.server.rescue_image)
        self._deploy()
        self.assertEqual(['rescue', 'unrescue'], self._actions())
        self.assertEqual(1, self.agent.boots)
        self._assert_deployed()
        # The instance boots from its disk: the ISO is gone.
        self.assertEqual([], self._isos())
        self.assertIsNone(boot_device.vmedia_image(self.node))

    def test_a_cleaning_of_a_node_whose_agent_runs_keeps_its_token(self):
        self._clean()
        (iso,) = self._isos()
        token = self.agent.token
        self._action('manage')
        # No new ISO (its token would not be the running agent's): the
        # agent's heartbeats carry on the manual cleaning.
        self._clean([ERASE])
        self.assertEqual([iso], self._isos())
        self.assertEqual(token, self.agent.token)
        self.assertEqual(['rescue'], self._actions())
        self.assertEqual(1, self.agent.boots)
        self.assertEqual({'boot_device': boot_devices.DISK,
                          'persistent': True}, boot_device.get(self.node))
