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

"""Power and boot device through Ironic's own conductor code paths.

Ironic reaches the power interface through node_power_action (after its
"already in that state" check reads the power state), through the agent
deploy steps (tear_down_agent, boot_instance), the end of cleaning
(tear_down_inband_cleaning) and the abort of servicing (which calls
set_power_state directly). These tests go through that code, against the
fake Nova's state rules.
"""

from unittest import mock

from ironic.common import boot_devices
from ironic.common import states
from ironic.conductor import servicing
from ironic.conductor import task_manager
from ironic.conductor import utils as manager_utils
from ironic.drivers.modules import agent
from ironic.drivers.modules import agent_client
from ironic.drivers.modules import deploy_utils

from ironic_openstack_driver import boot_device
from tests.unit import base
from tests.unit import fake_nova as fn


class ConductorPathsTestCase(base.OpenStackDriverTestCase):

    def setUp(self):
        super().setUp()
        self.config(post_deploy_get_power_state_retry_interval=1,
                    group='agent')

    def _power_action(self, state):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            manager_utils.node_power_action(task, state)
        self.node.refresh()

    def _boot_device(self, device, persistent=False):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            manager_utils.node_set_boot_device(task, device,
                                               persistent=persistent)

    def _actions(self):
        return [action for _, action in self.nova.actions]

    def _state(self):
        return (self.server.vm_state, self.server.task_state,
                self.server.power_state)


class RescuedGuestOffTestCase(ConductorPathsTestCase):
    """Nova vm_state rescued, power_state SHUTDOWN: IPA powered it off."""

    def setUp(self):
        super().setUp()
        self.server.vm_state = fn.RESCUED
        self.server.power_state = fn.SHUTDOWN

    def test_reads_power_off(self):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            self.assertEqual(states.POWER_OFF,
                             task.driver.power.get_power_state(task))

    def test_power_on_with_persistent_pxe_ends_rescued_running(self):
        self._boot_device(boot_devices.PXE, persistent=True)
        self._power_action(states.POWER_ON)
        # Nova allows only unrescue there; it boots the disk, so rescue
        # follows.
        self.assertEqual(['unrescue', 'rescue'], self._actions())
        self.assertEqual((fn.RESCUED, None, fn.RUNNING), self._state())
        self.assertEqual(self.rescue_image.id, self.server.rescue_image)
        self.assertEqual(states.POWER_ON, self.node.power_state)
        self.assertEqual([], self.nova.refused)

    def test_power_on_with_one_time_pxe_boots_pxe_then_uses_it_up(self):
        self._boot_device(boot_devices.PXE)
        self._power_action(states.POWER_ON)
        self.assertEqual(['unrescue', 'rescue'], self._actions())
        self.assertEqual((fn.RESCUED, None, fn.RUNNING), self._state())
        self.assertEqual({'boot_device': 'disk', 'persistent': True},
                         boot_device.get(self.node))

    def test_power_on_with_disk_unrescues(self):
        self._boot_device(boot_devices.DISK, persistent=True)
        self._power_action(states.POWER_ON)
        self.assertEqual(['unrescue'], self._actions())
        self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())

    def test_power_off_is_done_already(self):
        self._power_action(states.POWER_OFF)
        self.assertEqual([], self._actions())
        self.assertEqual((fn.RESCUED, None, fn.SHUTDOWN), self._state())
        self.assertEqual(states.POWER_OFF, self.node.power_state)

    def test_set_power_state_off_directly_sends_nothing(self):
        # Servicing's abort calls set_power_state without Ironic's check.
        with task_manager.acquire(self.context, self.node.uuid) as task:
            task.driver.power.set_power_state(task, states.POWER_OFF)
        self.assertEqual([], self._actions())
        self.assertEqual([], self.nova.refused)

    def test_reboot_into_pxe(self):
        self._boot_device(boot_devices.PXE)
        self._power_action(states.REBOOT)
        self.assertEqual(['unrescue', 'rescue'], self._actions())
        self.assertEqual((fn.RESCUED, None, fn.RUNNING), self._state())

    def test_reboot_into_disk(self):
        self._power_action(states.REBOOT)
        self.assertEqual(['unrescue'], self._actions())
        self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())

    def test_servicing_abort_leaves_rescue_for_the_disk(self):
        # do_node_service_abort: set_power_state(OFF), tear_down_service,
        # prepare_instance, set_power_state(ON): no stop of the disk.
        self.node.provision_state = states.SERVICEWAIT
        self.node.set_driver_internal_info('agent_start_attempted', True)
        self.node.save()
        with task_manager.acquire(self.context, self.node.uuid) as task:
            servicing.do_node_service_abort(task)
        self.assertEqual(['unrescue'], self._actions())
        self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())


class DeployEndTestCase(ConductorPathsTestCase):
    """The end of a deploy: IPA powers off in-band, then the disk boots."""

    def setUp(self):
        super().setUp()
        # IPA runs in the rescue image (the one-time PXE is used up).
        self.server.vm_state = fn.RESCUED
        self.node.provision_state = states.DEPLOYING
        self.node.save()

    @mock.patch.object(agent_client.AgentClient, 'power_off', autospec=True)
    def test_tear_down_agent_then_boot_instance_unrescues_once(self,
                                                               power_off):
        # Nova sees the in-band power off a few reads later (libvirt's
        # lifecycle event comes ~15 s after the guest stopped).
        power_off.side_effect = lambda client, node: self.server.halt(
            after_reads=2)
        with task_manager.acquire(self.context, self.node.uuid) as task:
            agent.AgentDeploy().tear_down_agent(task)
            self.assertEqual((fn.RESCUED, None, fn.SHUTDOWN), self._state())
            # prepare_instance of a local boot: persistent DISK.
            manager_utils.node_set_boot_device(task, boot_devices.DISK,
                                               persistent=True)
            agent.AgentDeploy().boot_instance(task)
        # No forced power off (no unrescue + stop), one unrescue to boot.
        self.assertEqual(['unrescue'], self._actions())
        self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())
        self.assertEqual([], self.nova.refused)


class CleaningEndTestCase(ConductorPathsTestCase):

    def setUp(self):
        super().setUp()
        self.server.vm_state = fn.RESCUED     # IPA runs
        self.node.provision_state = states.CLEANING
        self.node.network_interface = 'noop'
        self.node.save()

    def _tear_down_cleaning(self):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            deploy_utils.tear_down_inband_cleaning(task, manage_boot=True)

    def test_agent_running_is_unrescued_and_stopped(self):
        self._tear_down_cleaning()
        self.assertEqual(['unrescue', 'os-stop'], self._actions())
        self.assertEqual((fn.STOPPED, None, fn.SHUTDOWN), self._state())

    def test_agent_powered_off_already_sends_nothing(self):
        self.server.halt()
        self._tear_down_cleaning()
        self.assertEqual([], self._actions())


class FrozenAndShelvedTestCase(ConductorPathsTestCase):
    """Paused, suspended and shelved servers: a boot boots the device."""

    CASES = [
        # vm_state, power_state, actions to PXE, actions to DISK
        (fn.PAUSED, 3, ['unpause', 'rescue'], ['reboot HARD']),
        (fn.SUSPENDED, 7, ['resume', 'rescue'], ['reboot HARD']),
        (fn.SHELVED, fn.SHUTDOWN, ['unshelve', 'rescue'], ['unshelve']),
        (fn.SHELVED_OFFLOADED, fn.SHUTDOWN, ['unshelve', 'rescue'],
         ['unshelve']),
    ]

    def _each(self, check):
        for vm_state, power_state, to_pxe, to_disk in self.CASES:
            for device, expected, end in (
                    (boot_devices.PXE, to_pxe, fn.RESCUED),
                    (boot_devices.DISK, to_disk, fn.ACTIVE)):
                self.nova.actions.clear()
                self.server.vm_state = vm_state
                self.server.power_state = power_state
                self._boot_device(device, persistent=True)
                check(vm_state, device, expected, end)

    def test_all_read_power_off(self):
        def check(vm_state, device, expected, end):
            with task_manager.acquire(self.context, self.node.uuid,
                                      shared=True) as task:
                self.assertEqual(states.POWER_OFF,
                                 task.driver.power.get_power_state(task),
                                 vm_state)
        self._each(check)

    def test_power_on_boots_the_chosen_device(self):
        def check(vm_state, device, expected, end):
            self._power_action(states.POWER_ON)
            self.assertEqual(expected, self._actions(), (vm_state, device))
            self.assertEqual((end, None, fn.RUNNING), self._state(),
                             (vm_state, device))
            self.assertEqual(states.POWER_ON, self.node.power_state)
        self._each(check)

    def test_reboot_boots_the_chosen_device(self):
        def check(vm_state, device, expected, end):
            self._power_action(states.REBOOT)
            self.assertEqual(expected, self._actions(), (vm_state, device))
            self.assertEqual((end, None, fn.RUNNING), self._state(),
                             (vm_state, device))
        self._each(check)

    def test_power_off_leaves_them_as_they_are(self):
        def check(vm_state, device, expected, end):
            with task_manager.acquire(self.context, self.node.uuid) as task:
                task.driver.power.set_power_state(task, states.POWER_OFF)
            self.assertEqual([], self._actions(), vm_state)
            self.assertEqual(vm_state, self.server.vm_state)
        self._each(check)


class OneTimeBootDeviceTestCase(ConductorPathsTestCase):
    """A one-time boot device is used up by a boot, not by a power off."""

    def setUp(self):
        super().setUp()
        self.server.vm_state = fn.RESCUED    # running from PXE (rescue)

    def test_power_off_from_rescue_keeps_a_pending_one_time_pxe(self):
        self._boot_device(boot_devices.PXE)
        self._power_action(states.POWER_OFF)
        # Nova can only unrescue, then stop: the disk runs on the way, but
        # the node did not boot its next boot device.
        self.assertEqual(['unrescue', 'os-stop'], self._actions())
        self.assertEqual({'boot_device': 'pxe', 'persistent': False},
                         boot_device.get(self.node))
        self._power_action(states.POWER_ON)
        self.assertEqual(['unrescue', 'os-stop', 'rescue'], self._actions())
        self.assertEqual((fn.RESCUED, None, fn.RUNNING), self._state())
        self.assertEqual(self.rescue_image.id, self.server.rescue_image)
        self.assertEqual(states.POWER_ON, self.node.power_state)
        # That boot used it up.
        self.assertEqual({'boot_device': 'disk', 'persistent': True},
                         boot_device.get(self.node))

    def test_power_off_keeps_a_pending_one_time_disk(self):
        # Persistent PXE, one-time DISK: the next boot is the disk.
        self._boot_device(boot_devices.PXE, persistent=True)
        self._boot_device(boot_devices.DISK)
        self._power_action(states.POWER_OFF)
        self._power_action(states.POWER_ON)
        self.assertEqual(['unrescue', 'os-stop', 'os-start'],
                         self._actions())
        self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())
        self.assertEqual({'boot_device': 'pxe', 'persistent': True},
                         boot_device.get(self.node))
