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

"""server_state's table: every Nova state it decides, row by row.

Pure decisions, no I/O: each table lists (vm_state, power_state,
task_state) with what the driver makes of it, as server_state's module
docstring states it. test_power*.py drive the same rules through Ironic's
conductor and the fake Nova.
"""

import types
import unittest

from ironic.common import states

from ironic_openstack_driver import server_state as ss
from ironic_openstack_driver.server_state import Step

ON, OFF, ERROR = states.POWER_ON, states.POWER_OFF, states.ERROR
PXE, CDROM, DISK = ss.PXE, ss.CDROM, ss.DISK


def server(vm_state, power_state, task_state=None):
    return types.SimpleNamespace(vm_state=vm_state, power_state=power_state,
                                 task_state=task_state, id='server')


# (vm_state, power_state) of every row of the module docstring's table,
# and the states around it.
ACTIVE_RUNNING = (ss.ACTIVE, ss.RUNNING)
ACTIVE_GUEST_OFF = (ss.ACTIVE, ss.SHUTDOWN)
STOPPED = (ss.STOPPED, ss.SHUTDOWN)
RESCUED_RUNNING = (ss.RESCUED, ss.RUNNING)
RESCUED_GUEST_OFF = (ss.RESCUED, ss.SHUTDOWN)
PAUSED = (ss.PAUSED_VM, ss.PAUSED)
SUSPENDED = (ss.SUSPENDED_VM, ss.SUSPENDED)
SHELVED = (ss.SHELVED, ss.SHUTDOWN)
SHELVED_OFFLOADED = (ss.SHELVED_OFFLOADED, ss.NOSTATE)
ERROR_RUNNING = (ss.ERROR, ss.RUNNING)
ACTIVE_HYPERVISOR_PAUSED = (ss.ACTIVE, ss.PAUSED)
RESCUED_HYPERVISOR_PAUSED = (ss.RESCUED, ss.PAUSED)
ACTIVE_NOT_FOUND = (ss.ACTIVE, ss.NOSTATE)
RESCUED_NOT_FOUND = (ss.RESCUED, ss.NOSTATE)


class PowerStateTestCase(unittest.TestCase):
    """What Ironic reads: the "reads" column."""

    TABLE = [
        (ACTIVE_RUNNING, ON),
        (ACTIVE_GUEST_OFF, OFF),
        ((ss.ACTIVE, ss.CRASHED), OFF),
        (STOPPED, OFF),
        ((ss.STOPPED, ss.NOSTATE), OFF),
        (RESCUED_RUNNING, ON),
        (RESCUED_GUEST_OFF, OFF),
        (PAUSED, OFF),
        (SUSPENDED, OFF),
        (SHELVED, OFF),
        (SHELVED_OFFLOADED, OFF),
        (ERROR_RUNNING, ERROR),
        ((ss.ERROR, ss.SHUTDOWN), ERROR),
        (ACTIVE_HYPERVISOR_PAUSED, ON),
        (RESCUED_HYPERVISOR_PAUSED, ON),
        (ACTIVE_NOT_FOUND, ERROR),
        (RESCUED_NOT_FOUND, ERROR),
        ((ss.BUILDING, ss.NOSTATE), OFF),
        ((ss.RESIZED, ss.RUNNING), ON),
        # A power_state Nova does not define.
        ((ss.ACTIVE, 99), ERROR),
    ]

    def test_each_state_reads_as_the_table_says(self):
        for (vm, power), expected in self.TABLE:
            with self.subTest(vm_state=vm, power_state=power):
                self.assertEqual(expected,
                                 ss.power_state(server(vm, power)))

    def test_a_task_under_way_does_not_change_the_read(self):
        for task in ('powering-off', 'rebooting', 'rescuing'):
            with self.subTest(task_state=task):
                self.assertEqual(ON, ss.power_state(
                    server(ss.ACTIVE, ss.RUNNING, task)))

    def test_deleted_servers_are_gone(self):
        for vm in (ss.DELETED, ss.SOFT_DELETED):
            with self.subTest(vm_state=vm):
                self.assertRaises(ss.ServerGone, ss.power_state,
                                  server(vm, ss.NOSTATE))


class StepToPowerOnTestCase(unittest.TestCase):
    """A boot of a node that is off, and power on of one that is on."""

    TABLE = [
        # (vm_state, power_state), PXE, CDROM, DISK
        (ACTIVE_RUNNING, Step.RESCUE, Step.RESCUE, Step.DONE),
        (ACTIVE_GUEST_OFF, Step.RESCUE, Step.RESCUE, Step.HARD_REBOOT),
        (STOPPED, Step.RESCUE, Step.RESCUE, Step.START),
        (RESCUED_RUNNING, Step.DONE, Step.DONE, Step.UNRESCUE),
        (RESCUED_GUEST_OFF, Step.UNRESCUE, Step.UNRESCUE, Step.UNRESCUE),
        (PAUSED, Step.UNPAUSE, Step.UNPAUSE, Step.HARD_REBOOT),
        (SUSPENDED, Step.RESUME, Step.RESUME, Step.HARD_REBOOT),
        (SHELVED, Step.UNSHELVE, Step.UNSHELVE, Step.UNSHELVE),
        (SHELVED_OFFLOADED, Step.UNSHELVE, Step.UNSHELVE, Step.UNSHELVE),
        (ERROR_RUNNING, Step.RESCUE, Step.RESCUE, Step.HARD_REBOOT),
        (ACTIVE_HYPERVISOR_PAUSED, Step.RESCUE, Step.RESCUE, Step.DONE),
        (RESCUED_HYPERVISOR_PAUSED, Step.DONE, Step.DONE, Step.UNRESCUE),
        (ACTIVE_NOT_FOUND, Step.RESCUE, Step.RESCUE, Step.HARD_REBOOT),
        (RESCUED_NOT_FOUND, Step.UNRESCUE, Step.UNRESCUE, Step.UNRESCUE),
    ]

    def test_each_state_and_device_takes_the_tables_step(self):
        for (vm, power), *steps in self.TABLE:
            for device, expected in zip((PXE, CDROM, DISK), steps):
                with self.subTest(vm_state=vm, power_state=power,
                                  device=device):
                    self.assertEqual(expected, ss.step_to_power_on(
                        server(vm, power), device))

    def test_a_node_that_is_on_stays_as_it_is_whatever_it_booted(self):
        for vm, power in (ACTIVE_RUNNING, RESCUED_RUNNING,
                          ACTIVE_HYPERVISOR_PAUSED,
                          RESCUED_HYPERVISOR_PAUSED):
            for device in (PXE, CDROM, DISK):
                with self.subTest(vm_state=vm, power_state=power,
                                  device=device):
                    self.assertEqual(Step.DONE, ss.step_to_power_on(
                        server(vm, power), device, any_device=True))

    def test_a_nova_task_or_a_build_is_waited_for(self):
        for vm, power, task in ((ss.STOPPED, ss.SHUTDOWN, 'powering-on'),
                                (ss.ACTIVE, ss.RUNNING, 'rebooting'),
                                (ss.RESCUED, ss.RUNNING, 'unrescuing'),
                                (ss.BUILDING, ss.NOSTATE, None)):
            with self.subTest(vm_state=vm, task_state=task):
                self.assertEqual(Step.WAIT, ss.step_to_power_on(
                    server(vm, power, task), DISK))

    def test_resized_and_deleted_servers_are_refused(self):
        self.assertRaises(ss.UnsupportedServerState, ss.step_to_power_on,
                          server(ss.RESIZED, ss.RUNNING), DISK)
        for vm in (ss.DELETED, ss.SOFT_DELETED):
            with self.subTest(vm_state=vm):
                self.assertRaises(ss.ServerGone, ss.step_to_power_on,
                                  server(vm, ss.NOSTATE), PXE)


class StepToPowerOffTestCase(unittest.TestCase):
    """Power off: os-stop where the guest may run, nothing where it is off."""

    TABLE = [
        (ACTIVE_RUNNING, Step.STOP),
        # os-stop brings Nova's vm_state in line with the guest.
        (ACTIVE_GUEST_OFF, Step.STOP),
        (STOPPED, Step.DONE),
        (RESCUED_RUNNING, Step.UNRESCUE),
        (RESCUED_GUEST_OFF, Step.DONE),
        (PAUSED, Step.DONE),
        (SUSPENDED, Step.DONE),
        (SHELVED, Step.DONE),
        (SHELVED_OFFLOADED, Step.DONE),
        (ERROR_RUNNING, Step.STOP),
        (ACTIVE_HYPERVISOR_PAUSED, Step.STOP),
        (RESCUED_HYPERVISOR_PAUSED, Step.UNRESCUE),
        (ACTIVE_NOT_FOUND, Step.STOP),
        (RESCUED_NOT_FOUND, Step.DONE),
    ]

    def test_each_state_takes_the_tables_step(self):
        for (vm, power), expected in self.TABLE:
            with self.subTest(vm_state=vm, power_state=power):
                self.assertEqual(expected,
                                 ss.step_to_power_off(server(vm, power)))

    def test_a_nova_task_or_a_build_is_waited_for(self):
        for vm, power, task in ((ss.ACTIVE, ss.RUNNING, 'powering-off'),
                                (ss.STOPPED, ss.SHUTDOWN, 'powering-on'),
                                (ss.BUILDING, ss.NOSTATE, None)):
            with self.subTest(vm_state=vm, task_state=task):
                self.assertEqual(Step.WAIT, ss.step_to_power_off(
                    server(vm, power, task)))

    def test_states_it_cannot_act_on_are_refused(self):
        for vm in (ss.RESIZED, 'migrating'):
            with self.subTest(vm_state=vm):
                self.assertRaises(ss.UnsupportedServerState,
                                  ss.step_to_power_off,
                                  server(vm, ss.RUNNING))
        self.assertRaises(ss.ServerGone, ss.step_to_power_off,
                          server(ss.DELETED, ss.NOSTATE))


class StepToRebootTestCase(unittest.TestCase):
    """Reboot of a node that is on; None: a power on (or a task runs)."""

    TABLE = [
        # (vm_state, power_state), PXE, CDROM, DISK, DISK soft
        (ACTIVE_RUNNING, Step.RESCUE, Step.RESCUE, Step.HARD_REBOOT,
         Step.SOFT_REBOOT),
        # Hard reboot is refused in rescued: leaving rescue restarts.
        (RESCUED_RUNNING, Step.UNRESCUE, Step.UNRESCUE, Step.UNRESCUE,
         Step.UNRESCUE),
        # Frozen CPUs take no ACPI reboot.
        (ACTIVE_HYPERVISOR_PAUSED, Step.RESCUE, Step.RESCUE,
         Step.HARD_REBOOT, Step.HARD_REBOOT),
        (RESCUED_HYPERVISOR_PAUSED, Step.UNRESCUE, Step.UNRESCUE,
         Step.UNRESCUE, Step.UNRESCUE),
    ]
    OFF_STATES = [ACTIVE_GUEST_OFF, STOPPED, RESCUED_GUEST_OFF, PAUSED,
                  SUSPENDED, SHELVED, SHELVED_OFFLOADED, ERROR_RUNNING,
                  ACTIVE_NOT_FOUND, RESCUED_NOT_FOUND]

    def test_each_running_state_takes_the_tables_step(self):
        for (vm, power), pxe, cdrom, disk, soft in self.TABLE:
            for device, is_soft, expected in ((PXE, False, pxe),
                                              (CDROM, False, cdrom),
                                              (DISK, False, disk),
                                              (DISK, True, soft)):
                with self.subTest(vm_state=vm, power_state=power,
                                  device=device, soft=is_soft):
                    self.assertEqual(expected, ss.step_to_reboot(
                        server(vm, power), device, soft=is_soft))

    def test_a_node_that_is_not_on_has_nothing_to_restart(self):
        for vm, power in self.OFF_STATES:
            with self.subTest(vm_state=vm, power_state=power):
                self.assertIsNone(ss.step_to_reboot(server(vm, power),
                                                    DISK))

    def test_a_nova_task_is_waited_for(self):
        self.assertIsNone(ss.step_to_reboot(
            server(ss.ACTIVE, ss.RUNNING, 'rebooting'), DISK))

    def test_resized_and_deleted_servers_are_refused(self):
        self.assertRaises(ss.UnsupportedServerState, ss.step_to_reboot,
                          server(ss.RESIZED, ss.RUNNING), DISK)
        self.assertRaises(ss.ServerGone, ss.step_to_reboot,
                          server(ss.SOFT_DELETED, ss.NOSTATE), DISK)


class ServerFactsTestCase(unittest.TestCase):

    def test_booted_device(self):
        self.assertEqual(PXE, ss.booted_device(server(*RESCUED_RUNNING)))
        self.assertEqual(DISK, ss.booted_device(server(*ACTIVE_RUNNING)))

    def test_pxe_and_cdrom_are_rescues(self):
        self.assertEqual([True, True, False],
                         [ss.is_rescue(d) for d in (PXE, CDROM, DISK)])

    def test_on_only_where_nova_means_the_guest_to_run_and_it_does(self):
        on = {ACTIVE_RUNNING, RESCUED_RUNNING, ACTIVE_HYPERVISOR_PAUSED,
              RESCUED_HYPERVISOR_PAUSED}
        for (vm, power), _read in PowerStateTestCase.TABLE:
            with self.subTest(vm_state=vm, power_state=power):
                self.assertEqual((vm, power) in on,
                                 ss.is_on(server(vm, power)))

    def test_power_changing_only_in_power_tasks(self):
        for task in sorted(ss.POWER_TASKS):
            with self.subTest(task_state=task):
                self.assertTrue(ss.power_changing(
                    server(ss.ACTIVE, ss.RUNNING, task)))
        for task in (None, 'spawning', 'image_snapshot', 'migrating'):
            with self.subTest(task_state=task):
                self.assertFalse(ss.power_changing(
                    server(ss.ACTIVE, ss.RUNNING, task)))

    def test_locked_refusal(self):
        for reason, expected in (
                ('Instance 1234 is locked', True),
                ('Instance 1234 is locked.', True),
                ("Cannot 'os-stop' instance 1234 while it is in "
                 "task_state powering-off", False),
                ('', False), (None, False)):
            with self.subTest(reason=reason):
                self.assertEqual(expected, ss.is_locked_refusal(reason))


class SyncMayForceTestCase(unittest.TestCase):

    def test_only_a_record_unchanged_since_an_unfinished_action_holds(self):
        unfinished = {'target': states.POWER_OFF,
                      'recorded': states.POWER_ON}
        self.assertTrue(ss.sync_may_force(states.POWER_ON, None))
        self.assertFalse(ss.sync_may_force(states.POWER_ON, unfinished))
        # Ironic recorded another state since.
        self.assertTrue(ss.sync_may_force(states.POWER_OFF, unfinished))
        self.assertTrue(ss.sync_may_force(None, unfinished))
        # Forcing the state asked does not undo it.
        self.assertTrue(ss.sync_may_force(
            states.POWER_OFF, {'target': states.POWER_OFF,
                               'recorded': states.POWER_OFF}))
        # What earlier releases wrote (a plain state) holds nothing.
        self.assertTrue(ss.sync_may_force(states.POWER_ON,
                                          states.POWER_OFF))
