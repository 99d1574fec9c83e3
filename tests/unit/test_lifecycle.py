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

"""Adoption, servicing and runbooks, through Ironic's conductor.

Each test drives Ironic's ConductorManager (its RPC methods, run in this
thread) on an ``openstack`` node with the ipxe boot and direct deploy
interfaces, and asserts the Nova actions that each flow takes: adoption
takes none; the power interface's change_power_state step takes the power
action it names and never boots the agent. Ironic 39 drops its own
flow-control steps (power_off, power_on, reboot, hold) from a requested
step list: those tests say what that leaves on a Nova server.
"""

import fixtures
import futurist

from ironic.api.controllers.v1 import utils as api_utils
from ironic.common import boot_devices
from ironic.common import states
from ironic.conductor import manager
from ironic.conductor import task_manager
from ironic.conductor import utils as manager_utils
from ironic import objects
from ironic.tests.unit.objects import utils as obj_utils

from ironic_openstack_driver import boot_device
from tests.unit import base
from tests.unit import fake_nova as fn

# Ironic's own flow-control steps.
POWER_OFF = {'interface': 'power', 'step': 'power_off', 'args': {}}
POWER_ON = {'interface': 'power', 'step': 'power_on', 'args': {}}
REBOOT = {'interface': 'power', 'step': 'reboot', 'args': {}}
HOLD = {'interface': 'deploy', 'step': 'hold', 'args': {}}


def power_step(state):
    """The power interface's change_power_state step."""
    return {'interface': 'power', 'step': 'change_power_state',
            'args': {'state': state}}


STOP = power_step(states.POWER_OFF)
START = power_step(states.POWER_ON)
RESET = power_step(states.REBOOT)
# A step only the agent has: no node offers it without the ramdisk.
ERASE = {'interface': 'deploy', 'step': 'erase_devices_metadata',
         'args': {}}


class ConductorFlowTestCase(base.OpenStackDriverTestCase):
    """An ipxe/direct ``openstack`` node and a conductor to drive it."""

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(fixtures.TempDir()).path
        self.config(enabled_boot_interfaces=['ipxe', 'fake'],
                    enabled_deploy_interfaces=['direct', 'fake'],
                    enabled_network_interfaces=['noop'])
        self.config(http_root=tmp, group='deploy')
        self.config(tftp_root=tmp, tftp_master_path='', group='pxe')
        self.node.boot_interface = 'ipxe'
        self.node.deploy_interface = 'direct'
        self.node.network_interface = 'noop'
        self.node.driver_info = dict(self.node.driver_info,
                                     deploy_kernel='http://k',
                                     deploy_ramdisk='http://r')
        self.node.save()
        self.conductor = manager.ConductorManager('test-host', 'test-topic')
        # The conductor's workers run in this thread, to their end.
        self.conductor._executor = futurist.SynchronousExecutor()
        self.conductor.dbapi = self.dbapi
        self.conductor.conductor = objects.Conductor.register(
            self.context, 'test-host', ['openstack'], '')

    def _state(self):
        s = self.server
        return (s.vm_state, s.task_state, s.power_state)

    def _set_node(self, **fields):
        for key, value in fields.items():
            setattr(self.node, key, value)
        self.node.save()

    def _action(self, verb):
        self.conductor.do_provisioning_action(self.context, self.node.uuid,
                                              verb)
        self.node.refresh()

    def _actions(self):
        return [action for _server, action in self.nova.actions]


class AdoptionTestCase(ConductorFlowTestCase):

    def setUp(self):
        super().setUp()
        self._set_node(provision_state=states.ENROLL, power_state=None)

    def test_manage_and_adopt_a_running_server_take_no_nova_action(self):
        self._action('manage')
        self.assertEqual(states.MANAGEABLE, self.node.provision_state)
        self._action('adopt')
        self.assertEqual(states.ACTIVE, self.node.provision_state)
        self.assertIsNone(self.node.last_error)
        self.assertEqual(states.POWER_ON, self.node.power_state)
        self.assertEqual([], self.nova.actions)
        self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())
        self.assertEqual({'boot_device': boot_devices.DISK,
                          'persistent': True},
                         boot_device.get(self.node))

    def test_a_stopped_server_is_adopted_powered_off(self):
        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        self._action('manage')
        self._action('adopt')
        self.assertEqual(states.ACTIVE, self.node.provision_state)
        self.assertEqual(states.POWER_OFF, self.node.power_state)
        self.assertEqual([], self.nova.actions)

    def test_an_adopted_node_power_cycles_from_its_disk(self):
        self._action('manage')
        self._action('adopt')
        with task_manager.acquire(self.context, self.node.uuid) as task:
            manager_utils.node_power_action(task, states.POWER_OFF)
            manager_utils.node_power_action(task, states.POWER_ON)
            manager_utils.node_power_action(task, states.REBOOT)
        self.assertEqual(['os-stop', 'os-start', 'reboot HARD'],
                         self._actions())
        self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())
        self.assertIsNone(self.server.rescue_image)

    def test_adoption_with_virtual_media_takes_no_nova_action(self):
        self.config(enabled_boot_interfaces=['openstack-virtual-media',
                                             'ipxe', 'fake'])
        self._set_node(boot_interface='openstack-virtual-media')
        self._action('manage')
        self._action('adopt')
        self.assertEqual(states.ACTIVE, self.node.provision_state)
        self.assertIsNone(self.node.last_error)
        self.assertEqual([], self.nova.actions)

    def test_adoption_keeps_the_recorded_boot_device(self):
        # Ironic sets no boot device while it adopts (node_set_boot_device
        # returns in ADOPTING): a PXE choice recorded before stays, and
        # the next boot would rescue the server into iPXE. Boot device
        # DISK set before the adoption (enroll --adopt does) avoids it.
        self._action('manage')
        for device in (boot_devices.PXE, boot_devices.DISK):
            self.conductor.set_boot_device(self.context, self.node.uuid,
                                           device, persistent=True)
            self.node.refresh()
            self.assertEqual({'boot_device': device, 'persistent': True},
                             boot_device.get(self.node))
        self._action('adopt')
        with task_manager.acquire(self.context, self.node.uuid) as task:
            manager_utils.node_power_action(task, states.REBOOT)
        self.assertEqual(['reboot HARD'], self._actions())
        self.assertIsNone(self.server.rescue_image)


class ServicingTestCase(ConductorFlowTestCase):

    def setUp(self):
        super().setUp()
        self._set_node(provision_state=states.ACTIVE,
                       power_state=states.POWER_ON)

    def _service(self, steps, disable_ramdisk=False):
        self.conductor.do_node_service(self.context, self.node.uuid, steps,
                                       disable_ramdisk=disable_ramdisk)
        self.node.refresh()

    def test_power_steps_cycle_the_disk_without_the_agent(self):
        self._service([STOP, START, RESET], disable_ramdisk=True)
        self.assertEqual(states.ACTIVE, self.node.provision_state)
        self.assertIsNone(self.node.last_error)
        self.assertFalse(self.node.maintenance)
        self.assertEqual(states.POWER_ON, self.node.power_state)
        self.assertEqual(['os-stop', 'os-start', 'reboot HARD'],
                         self._actions())
        self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())
        self.assertIsNone(self.server.rescue_image)

    def test_soft_power_steps_are_novas_graceful_actions(self):
        self._service([power_step(states.SOFT_POWER_OFF), START,
                       power_step(states.SOFT_REBOOT)],
                      disable_ramdisk=True)
        self.assertEqual(states.ACTIVE, self.node.provision_state)
        self.assertIsNone(self.node.last_error)
        self.assertEqual(['os-stop', 'os-start', 'reboot SOFT'],
                         self._actions())
        self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())

    def test_power_steps_alone_never_boot_the_agent(self):
        # Without disable_ramdisk too: Ironic boots the agent (a rescue
        # with iPXE) only for a step that needs it.
        self._service([RESET])
        self.assertEqual(states.ACTIVE, self.node.provision_state)
        self.assertEqual(['reboot HARD'], self._actions())

    def test_a_stopped_node_is_serviced_back_on(self):
        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        self._set_node(power_state=states.POWER_OFF)
        self._service([START], disable_ramdisk=True)
        self.assertEqual(states.ACTIVE, self.node.provision_state)
        self.assertEqual(states.POWER_ON, self.node.power_state)
        self.assertEqual(['os-start'], self._actions())

    def test_an_unknown_power_state_fails_the_step_before_nova(self):
        self._service([STOP, power_step('off')], disable_ramdisk=True)
        self.assertEqual(states.SERVICEFAIL, self.node.provision_state)
        self.assertIn('argument state must be one of', self.node.last_error)
        self.assertIn(self.node.uuid, self.node.last_error)
        self.assertEqual(['os-stop'], self._actions())

    def test_ironics_flow_control_steps_are_dropped(self):
        # Ironic 39's step validation (conductor/steps.py) leaves
        # power_off, hold, power_on and reboot out of the steps it runs:
        # the service ends at once, Nova sees nothing.
        self._service([POWER_OFF, HOLD, POWER_ON, REBOOT],
                      disable_ramdisk=True)
        self.assertEqual(states.ACTIVE, self.node.provision_state)
        self.assertEqual([], self.nova.actions)

    def test_an_agent_step_without_ramdisk_takes_no_nova_action(self):
        # No node offers an agent step without the agent: Ironic refuses
        # the list before any step runs. Ironic 39 records the refusal in
        # last_error and leaves the node in servicing (do_node_service
        # re-raises it, outside its error handler).
        self._service([STOP, ERASE], disable_ramdisk=True)
        self.assertIn('erase_devices_metadata', self.node.last_error)
        self.assertEqual(states.SERVICING, self.node.provision_state)
        self.assertEqual([], self.nova.actions)
        self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())


class RunbookTestCase(ConductorFlowTestCase):
    """Manual cleaning with a runbook's steps, as Ironic's API passes them.

    The API checks the runbook against the node's traits and hands the
    conductor the runbook's steps and its disable_ramdisk.
    """

    def setUp(self):
        super().setUp()
        self._set_node(provision_state=states.MANAGEABLE,
                       power_state=states.POWER_ON)
        self.node.traits = objects.TraitList.create(
            self.context, self.node.id, ['CUSTOM_POWER_CYCLE'])

    def _runbook(self, steps, disable_ramdisk=True):
        return obj_utils.create_test_runbook(
            self.context, name='CUSTOM_POWER_CYCLE',
            traits=['CUSTOM_POWER_CYCLE'],
            steps=[dict(step, order=i) for i, step in enumerate(steps)],
            disable_ramdisk=disable_ramdisk)

    def _clean(self, runbook):
        runbook = objects.Runbook.get_by_name(self.context, runbook.name)
        self.conductor.do_node_clean(
            self.context, self.node.uuid,
            list(api_utils.convert_steps(runbook.steps)),
            disable_ramdisk=runbook.disable_ramdisk)
        self.node.refresh()

    def test_a_reboot_runbook_runs_without_the_agent(self):
        # Ironic's API takes a step once per runbook (as for a deploy
        # template): a power cycle is one reboot step.
        self._clean(self._runbook([RESET]))
        self.assertEqual(states.MANAGEABLE, self.node.provision_state)
        self.assertIsNone(self.node.last_error)
        self.assertEqual(states.POWER_ON, self.node.power_state)
        self.assertEqual(['reboot HARD'], self._actions())
        self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())

    def test_a_power_step_runbook_without_disable_ramdisk_skips_the_agent(
            self):
        self._clean(self._runbook([STOP], disable_ramdisk=False))
        self.assertEqual(states.MANAGEABLE, self.node.provision_state)
        self.assertEqual(states.POWER_OFF, self.node.power_state)
        self.assertEqual(['os-stop'], self._actions())

    def test_a_runbook_naming_an_agent_step_is_refused(self):
        self._clean(self._runbook([STOP, ERASE]))
        self.assertEqual(states.CLEANFAIL, self.node.provision_state)
        self.assertIn('erase_devices_metadata', self.node.last_error)
        # No step ran; Ironic's tear-down of cleaning stops the server,
        # as on any node whose cleaning fails before its steps.
        self.assertEqual(['os-stop'], self._actions())
