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

"""Guests the hypervisor paused or lost under a server Nova means to run.

Nova shows vm_state active (or rescued) with power_state PAUSED when
libvirt paused the guest (an I/O error, ``virsh suspend``), and NOSTATE
when its hypervisor does not find the guest. Nova's own power sync ignores
both on purpose; Ironic's power sync (do_sync_power_state, with
force_power_state_during_sync as by default) must leave such a server
alone too, while explicit power actions (node_power_action) still work.
"""

from ironic.common import boot_devices
from ironic.common import faults
from ironic.common import states
from ironic.conductor import manager
from ironic.conductor import task_manager

from tests.unit import fake_nova as fn
from tests.unit import test_power_transitions as transitions


class UnexpectedGuestStateTestCase(transitions.ConductorPathsTestCase):

    GUEST = None

    def setUp(self):
        super().setUp()
        self.config(server_list_max_age=0, group='openstack')
        self.node.provision_state = states.ACTIVE
        self.node.power_state = states.POWER_ON
        self.node.save()
        self.server.power_state = self.GUEST

    def _sync(self, count=0):
        """One pass of Ironic's power sync over the node."""
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            count = manager.do_sync_power_state(task, count)
        self.node.refresh()
        return count

    def _read(self):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            return task.driver.power.get_power_state(task)


class HypervisorPausedTestCase(UnexpectedGuestStateTestCase):

    GUEST = fn.GUEST_PAUSED

    def test_reads_power_on_in_active_and_rescued(self):
        for vm_state in (fn.ACTIVE, fn.RESCUED):
            self.server.vm_state = vm_state
            self.assertEqual(states.POWER_ON, self._read(), vm_state)

    def test_novas_own_pause_still_reads_off(self):
        self.server.vm_state = fn.PAUSED
        self.assertEqual(states.POWER_OFF, self._read())

    def test_power_sync_leaves_it_alone_sync_after_sync(self):
        count = 0
        for _ in range(3):
            count = self._sync(count)
            self.assertEqual(0, count)
        self.assertEqual([], self._actions())
        self.assertEqual((fn.ACTIVE, None, fn.GUEST_PAUSED), self._state())
        self.assertEqual(states.POWER_ON, self.node.power_state)
        self.assertFalse(self.node.maintenance)
        self.assertIsNone(self.node.last_error)
        # What the operator sees of it: the node's health.
        self.assertEqual('Warning', self.node.health)

    def test_power_sync_leaves_a_rescued_paused_guest_alone(self):
        self.node.provision_state = states.RESCUE
        self.node.save()
        self.server.vm_state = fn.RESCUED
        self._sync()
        self._sync()
        self.assertEqual([], self._actions())
        self.assertEqual((fn.RESCUED, None, fn.GUEST_PAUSED), self._state())

    def test_health_is_ok_again_when_the_guest_runs_again(self):
        # Admin credentials: Nova shows them the host's status, which OK
        # needs (a member's node then has no health: test_node_health).
        self.nova.admin = True
        self._sync()
        self.server.power_state = fn.RUNNING     # virsh resume
        self._sync()
        self.assertEqual('OK', self.node.health)
        self.assertEqual([], self._actions())
        self.assertEqual(states.POWER_ON, self.node.power_state)

    def test_power_on_does_nothing_as_on_a_hung_machine(self):
        self._power_action(states.POWER_ON)
        self.assertEqual([], self._actions())
        self.assertEqual(states.POWER_ON, self.node.power_state)

    def test_power_off_stops(self):
        self._power_action(states.POWER_OFF)
        self.assertEqual(['os-stop'], self._actions())
        self.assertEqual((fn.STOPPED, None, fn.SHUTDOWN), self._state())
        self.assertEqual(states.POWER_OFF, self.node.power_state)

    def test_power_off_from_rescue_unrescues_then_stops(self):
        self.server.vm_state = fn.RESCUED
        self._power_action(states.POWER_OFF)
        self.assertEqual(['unrescue', 'os-stop'], self._actions())
        self.assertEqual((fn.STOPPED, None, fn.SHUTDOWN), self._state())

    def test_reboot_and_soft_reboot_are_hard_reboots(self):
        # Frozen CPUs cannot take an ACPI reboot.
        for action in (states.REBOOT, states.SOFT_REBOOT):
            self.nova.actions.clear()
            self.server.power_state = fn.GUEST_PAUSED
            self._power_action(action)
            self.assertEqual(['reboot HARD'], self._actions(), action)
            self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())

    def test_reboot_into_pxe_rescues(self):
        self._boot_device(boot_devices.PXE)
        self._power_action(states.REBOOT)
        self.assertEqual(['rescue'], self._actions())
        self.assertEqual((fn.RESCUED, None, fn.RUNNING), self._state())
        self.assertEqual(self.rescue_image.id, self.server.rescue_image)

    def test_reboot_from_rescue_into_disk_unrescues(self):
        self.server.vm_state = fn.RESCUED
        self._power_action(states.REBOOT)
        self.assertEqual(['unrescue'], self._actions())
        self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())


class GuestNotFoundTestCase(UnexpectedGuestStateTestCase):

    GUEST = fn.NOSTATE

    def test_reads_error_in_active_and_rescued(self):
        for vm_state in (fn.ACTIVE, fn.RESCUED):
            self.server.vm_state = vm_state
            self.assertEqual(states.ERROR, self._read(), vm_state)

    def test_no_state_elsewhere_still_reads_off(self):
        for vm_state in (fn.STOPPED, fn.SHELVED_OFFLOADED):
            self.server.vm_state = vm_state
            self.assertEqual(states.POWER_OFF, self._read(), vm_state)

    def test_power_sync_never_acts_and_ends_in_maintenance(self):
        # Ironic's handling of a power state it cannot read: failed syncs
        # are counted, and after power_state_sync_max_retries the node
        # goes into maintenance (fault "power failure"); nothing is sent
        # to Nova on the way.
        self.config(power_state_sync_max_retries=3, group='conductor')
        count = 0
        for expected in (1, 2, 3):
            count = self._sync(count)
            self.assertEqual(expected, count)
            self.assertFalse(self.node.maintenance)
            self.assertEqual(states.POWER_ON, self.node.power_state)
        self._sync(count)
        self.assertTrue(self.node.maintenance)
        self.assertEqual(faults.POWER_FAILURE, self.node.fault)
        self.assertEqual([], self._actions())
        self.assertEqual((fn.ACTIVE, None, fn.NOSTATE), self._state())

    def test_guest_found_again_before_max_retries_needs_nothing(self):
        count = self._sync()
        self.server.power_state = fn.RUNNING
        self.assertEqual(0, self._sync(count))
        self.assertEqual([], self._actions())
        self.assertEqual(states.POWER_ON, self.node.power_state)

    def test_explicit_actions_work_as_nova_allows_in_active(self):
        for action, nova_action, end in (
                (states.POWER_ON, 'reboot HARD', (fn.ACTIVE, None,
                                                  fn.RUNNING)),
                (states.REBOOT, 'reboot HARD', (fn.ACTIVE, None,
                                                fn.RUNNING)),
                (states.POWER_OFF, 'os-stop', (fn.STOPPED, None,
                                               fn.SHUTDOWN))):
            self.nova.actions.clear()
            self.server.vm_state, self.server.power_state = (fn.ACTIVE,
                                                             fn.NOSTATE)
            self._power_action(action)
            self.assertEqual([nova_action], self._actions(), action)
            self.assertEqual(end, self._state(), action)
            self.assertIsNone(self.node.last_error)
