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

"""Ironic's agent rescue on an ``openstack`` node, through its conductor.

The conductor's RPC methods (do_node_rescue, heartbeat, do_node_unrescue,
do_provisioning_action) run in this thread on an ipxe/direct node whose
rescue interface is ``agent``; the agent's side (its heartbeat, its answer
to finalize_rescue) is played by the test. Each test asserts the Nova
actions the flow takes and the server's state after it: rescue stops the
server's disk and boots the agent through Nova rescue with the iPXE image;
the agent's finalize_rescue leaves it running there; unrescue leaves Nova's
rescue, stops, and starts the server from its disk.
"""

from unittest import mock

import oslo_messaging as messaging

from ironic.common import boot_devices
from ironic.common import driver_factory
from ironic.common import exception
from ironic.common import pxe_utils
from ironic.common import states
from ironic.conductor import task_manager
from ironic.drivers.modules import agent
from ironic.drivers.modules import agent_client
from ironic.drivers.modules import noop
from ironic.tests.unit.objects import utils as obj_utils

from ironic_openstack_driver import boot_device
from tests.unit import fake_nova as fn
from tests.unit import test_lifecycle

PASSWORD = 'rescue-s3cret'
FINALIZED = {'command_status': 'SUCCEEDED', 'command_error': None,
             'command_result': None}


class RescueInterfacesTestCase(test_lifecycle.ConductorFlowTestCase):

    def test_agent_and_no_rescue_are_supported_no_rescue_first(self):
        hw_type = driver_factory.get_hardware_type('openstack')
        self.assertEqual([noop.NoRescue, agent.AgentRescue],
                         hw_type.supported_rescue_interfaces)

    def test_a_node_gets_no_rescue_by_default_and_agent_on_request(self):
        self.config(enabled_rescue_interfaces=['no-rescue', 'agent'])
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            self.assertIsInstance(task.driver.rescue, noop.NoRescue)
        self.node.rescue_interface = 'agent'
        self.node.save()
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            self.assertIsInstance(task.driver.rescue, agent.AgentRescue)


class AgentRescueTestCase(test_lifecycle.ConductorFlowTestCase):
    """An active ipxe/direct node with the agent rescue interface."""

    def setUp(self):
        super().setUp()
        self.config(enabled_rescue_interfaces=['no-rescue', 'agent'])
        self.config(http_url='http://192.0.2.1:8088', group='deploy')
        # DHCP answers come from outside Ironic (the lab's dnsmasq).
        self.config(dhcp_provider='none', group='dhcp')
        # The agent's ipa-api-url on its kernel command line.
        self.config(endpoint_override='http://192.0.2.1:6385',
                    group='service_catalog')
        self._set_node(provision_state=states.ACTIVE,
                       power_state=states.POWER_ON,
                       rescue_interface='agent',
                       driver_info=dict(self.node.driver_info,
                                        rescue_kernel='http://k',
                                        rescue_ramdisk='http://r'))
        # The instance runs from its disk, as a deploy leaves it.
        boot_device.set_device(self.node, boot_devices.DISK, True)
        self.node.save()
        # iPXE boots the agent through the node's port (its MAC).
        obj_utils.create_test_port(self.context, node_id=self.node.id,
                                   address='52:54:00:12:34:56')
        finalize = mock.patch.object(agent_client.AgentClient,
                                     'finalize_rescue', autospec=True,
                                     return_value=FINALIZED)
        self.finalize = finalize.start()
        self.addCleanup(finalize.stop)
        # The agent's kernel and ramdisk are not downloaded here.
        cache = mock.patch.object(pxe_utils, 'cache_ramdisk_kernel',
                                  autospec=True)
        cache.start()
        self.addCleanup(cache.stop)

    def _rescue(self):
        self.conductor.do_node_rescue(self.context, self.node.uuid, PASSWORD)
        self.node.refresh()

    def _heartbeat(self):
        """The agent's lookup (Ironic hands it a token), then heartbeat."""
        token = self.conductor.get_node_with_token(
            self.context, self.node.uuid).driver_internal_info[
                'agent_secret_token']
        self.conductor.heartbeat(self.context, self.node.uuid,
                                 'https://192.0.2.10:9999', '13.0.0',
                                 agent_token=token)
        self.node.refresh()

    def _unrescue(self):
        self.conductor.do_node_unrescue(self.context, self.node.uuid)
        self.node.refresh()

    def test_rescue_stops_the_disk_and_boots_the_agent_through_ipxe(self):
        self._rescue()
        self.assertIsNone(self.node.last_error)
        self.assertEqual(states.RESCUEWAIT, self.node.provision_state)
        self.assertIsNone(self.node.last_error)
        self.assertEqual(states.POWER_ON, self.node.power_state)
        self.assertEqual(['os-stop', 'rescue'], self._actions())
        self.assertEqual((fn.RESCUED, None, fn.RUNNING), self._state())
        self.assertEqual(self.rescue_image.id, self.server.rescue_image)
        # The agent's PXE boot was one-time: the disk is the next boot.
        self.assertEqual({'boot_device': boot_devices.DISK,
                          'persistent': True}, boot_device.get(self.node))
        # The password waits for the agent, hashed beside it.
        self.assertEqual(PASSWORD,
                         self.node.instance_info['rescue_password'])
        self.assertTrue(self.node.instance_info['hashed_rescue_password'])

    def test_finalize_rescue_leaves_the_agent_running_in_novas_rescue(self):
        self._rescue()
        self._heartbeat()
        self.assertEqual(states.RESCUE, self.node.provision_state)
        self.assertIsNone(self.node.last_error)
        self.assertEqual(states.POWER_ON, self.node.power_state)
        # finalize_rescue went to the agent once, with the password
        # hashed (the agent writes the hash for the rescue user).
        self.assertEqual(1, self.finalize.call_count)
        # Nova saw nothing after the rescue that booted the agent.
        self.assertEqual(['os-stop', 'rescue'], self._actions())
        self.assertEqual((fn.RESCUED, None, fn.RUNNING), self._state())
        self.assertNotIn('rescue_password', self.node.instance_info)
        self.assertNotIn('hashed_rescue_password', self.node.instance_info)

    def test_unrescue_starts_the_server_from_its_disk(self):
        self._rescue()
        self._heartbeat()
        self._unrescue()
        self.assertEqual(states.ACTIVE, self.node.provision_state)
        self.assertIsNone(self.node.last_error)
        self.assertFalse(self.node.maintenance)
        self.assertEqual(states.POWER_ON, self.node.power_state)
        # Power off from RESCUE leaves Nova's rescue and stops; power on
        # starts the disk.
        self.assertEqual(['os-stop', 'rescue', 'unrescue', 'os-stop',
                          'os-start'], self._actions())
        self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())
        self.assertEqual({'boot_device': boot_devices.DISK,
                          'persistent': True}, boot_device.get(self.node))

    def test_rescue_twice_boots_the_agent_each_time(self):
        for _round in range(2):
            self._rescue()
            self._heartbeat()
            self.assertEqual(states.RESCUE, self.node.provision_state)
            self._unrescue()
            self.assertEqual(states.ACTIVE, self.node.provision_state)
        self.assertEqual(['os-stop', 'rescue', 'unrescue', 'os-stop',
                          'os-start'] * 2, self._actions())
        self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())

    def test_a_rescued_node_rescued_again_boots_the_agent_anew(self):
        # rescue is allowed from the rescue state: the running agent's
        # server leaves Nova's rescue on its way off, then rescues again.
        self._rescue()
        self._heartbeat()
        self._rescue()
        self.assertEqual(states.RESCUEWAIT, self.node.provision_state)
        self.assertIsNone(self.node.last_error)
        self.assertEqual(['os-stop', 'rescue', 'unrescue', 'os-stop',
                          'rescue'], self._actions())
        self.assertEqual((fn.RESCUED, None, fn.RUNNING), self._state())

    def test_unrescue_after_an_abort_starts_the_server_from_its_disk(self):
        # Ironic's abort in rescue wait only cleans up: the agent's
        # server stays in Nova's rescue, powered on, until an unrescue.
        self._rescue()
        self._action('abort')
        self.assertEqual(states.RESCUEFAIL, self.node.provision_state)
        self.assertEqual(states.POWER_ON, self.node.power_state)
        self.assertEqual(['os-stop', 'rescue'], self._actions())
        self.assertEqual((fn.RESCUED, None, fn.RUNNING), self._state())
        self.assertNotIn('rescue_password', self.node.instance_info)
        self._unrescue()
        self.assertEqual(states.ACTIVE, self.node.provision_state)
        self.assertIsNone(self.node.last_error)
        self.assertEqual(states.POWER_ON, self.node.power_state)
        self.assertEqual(['os-stop', 'rescue', 'unrescue', 'os-stop',
                          'os-start'], self._actions())
        self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())

    def test_a_failed_finalize_fails_the_rescue_with_the_agents_error(self):
        self.finalize.return_value = {
            'command_status': 'FAILED',
            'command_error': 'cannot write the password file'}
        self._rescue()
        self._heartbeat()
        self.assertEqual(states.RESCUEFAIL, self.node.provision_state)
        self.assertIn('cannot write the password file',
                      self.node.last_error)
        self.assertNotIn(PASSWORD, self.node.last_error)
        self.assertNotIn('rescue_password', self.node.instance_info)
        # Ironic's rescue error handler powers the node off.
        self.assertEqual(states.POWER_OFF, self.node.power_state)
        self.assertEqual((fn.STOPPED, None, fn.SHUTDOWN), self._state())

    def test_rescue_without_a_rescue_ramdisk_is_refused_before_nova(self):
        info = dict(self.node.driver_info)
        del info['rescue_ramdisk']
        self._set_node(driver_info=info)
        exc = self.assertRaises(messaging.rpc.ExpectedException,
                                self.conductor.do_node_rescue, self.context,
                                self.node.uuid, PASSWORD)
        self.assertIs(exception.InstanceRescueFailure, exc.exc_info[0])
        self.assertIn('rescue_ramdisk', str(exc.exc_info[1]))
        self.assertIn(self.node.uuid, str(exc.exc_info[1]))
        self.node.refresh()
        self.assertEqual(states.ACTIVE, self.node.provision_state)
        self.assertNotIn('rescue_password', self.node.instance_info)
        self.assertEqual([], self.nova.actions)
        self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())
