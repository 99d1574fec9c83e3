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

from unittest import mock

from ironic.common import exception
from ironic.common import states
from ironic.conductor import task_manager
from ironic.conductor import utils as manager_utils

from ironic_openstack_driver import boot_device
from ironic_openstack_driver import converge
from ironic_openstack_driver import driver_info
from ironic_openstack_driver import power as os_power
from tests.unit import base
from tests.unit import fake_nova as fn


class PowerStateTestCase(base.OpenStackDriverTestCase):
    """Reads of single servers (test_server_snapshot tests the listing)."""

    def setUp(self):
        super().setUp()
        self.config(server_list_max_age=0, group='openstack')

    def _power_state(self):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            return task.driver.power.get_power_state(task)

    def test_power_state_follows_nova_power_state(self):
        cases = [
            (fn.ACTIVE, fn.RUNNING, None, states.POWER_ON),
            (fn.STOPPED, fn.SHUTDOWN, None, states.POWER_OFF),
            # The guest shut itself down; Nova's vm_state lags behind.
            (fn.ACTIVE, fn.SHUTDOWN, None, states.POWER_OFF),
            # Rescued (booted from PXE) and running.
            (fn.RESCUED, fn.RUNNING, None, states.POWER_ON),
            (fn.RESCUED, fn.SHUTDOWN, None, states.POWER_OFF),
            (fn.ACTIVE, fn.RUNNING, 'powering-off', states.POWER_ON),
            (fn.STOPPED, fn.SHUTDOWN, 'powering-on', states.POWER_OFF),
            # A paused guest's CPUs do not run (server_state says why).
            (fn.PAUSED, 3, None, states.POWER_OFF),
            (fn.SUSPENDED, 7, None, states.POWER_OFF),
            (fn.SHELVED_OFFLOADED, fn.SHUTDOWN, None, states.POWER_OFF),
            (fn.ERROR, fn.RUNNING, None, states.ERROR),
            (fn.ACTIVE, 6, None, states.POWER_OFF),   # crashed
        ]
        for vm_state, power_state, task_state, expected in cases:
            self.server.vm_state = vm_state
            self.server.power_state = power_state
            self.server.task_state = task_state
            self.assertEqual(expected, self._power_state(),
                             (vm_state, power_state, task_state))

    def test_power_state_is_one_server_read(self):
        self._power_state()
        self.assertEqual(1, self.nova.compute.get_server.call_count)
        self.assertEqual([], self.nova.actions)

    def test_deleted_server_is_a_clear_error(self):
        del self.nova.servers[self.server.id]
        exc = self.assertRaises(exception.DriverOperationError,
                                self._power_state)
        self.assertIn(self.node.uuid, str(exc))
        self.assertIn('not found', str(exc))

    def test_soft_deleted_server_is_a_clear_error(self):
        self.server.vm_state = 'soft-delete'
        exc = self.assertRaises(exception.DriverOperationError,
                                self._power_state)
        self.assertIn('deleted', str(exc))

    def test_server_by_unique_name(self):
        self.node.driver_info = {'openstack_server': 'node-0'}
        self.node.save()
        self.assertEqual(states.POWER_ON, self._power_state())
        self.assertEqual(states.POWER_ON, self._power_state())
        # The name is resolved once, then the UUID is used.
        self.assertEqual(1, self.nova.compute.find_server.call_count)
        self.nova.compute.get_server.assert_called_with(self.server.id)

    def test_server_name_matching_several_is_refused(self):
        self.nova.add_server(name='node-0')
        self.node.driver_info = {'openstack_server': 'node-0'}
        self.node.save()
        exc = self.assertRaises(exception.InvalidParameterValue,
                                self._power_state)
        self.assertIn('several', str(exc))
        self.assertIn(self.node.uuid, str(exc))

    def test_server_name_matching_none_is_refused(self):
        self.node.driver_info = {'openstack_server': 'nope'}
        self.node.save()
        exc = self.assertRaises(exception.InvalidParameterValue,
                                self._power_state)
        self.assertIn('matches no server', str(exc))

    def test_supported_power_states(self):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            self.assertEqual(
                sorted([states.POWER_ON, states.POWER_OFF, states.REBOOT,
                        states.SOFT_REBOOT, states.SOFT_POWER_OFF]),
                sorted(task.driver.power.get_supported_power_states(task)))

    def test_validate_does_no_io(self):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            task.driver.power.validate(task)
        self.connection_class.assert_not_called()

    def test_properties(self):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            self.assertEqual(driver_info.COMMON_PROPERTIES,
                             task.driver.power.get_properties())


class SetPowerStateTestCase(base.OpenStackDriverTestCase):

    def _set(self, state, timeout=None):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            task.driver.power.set_power_state(task, state, timeout=timeout)

    def _reboot(self):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            task.driver.power.reboot(task)

    def _state(self):
        s = self.server
        return (s.vm_state, s.task_state, s.power_state)

    def _set_boot_device(self, device, persistent=False):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            task.driver.management.set_boot_device(task, device, persistent)

    def test_power_on_from_stopped_starts(self):
        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        self._set(states.POWER_ON)
        self.assertEqual([(self.server.id, 'os-start')], self.nova.actions)
        self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())

    def test_power_on_when_on_does_nothing(self):
        self._set(states.POWER_ON)
        self.assertEqual([], self.nova.actions)

    def test_power_on_rescued_running_does_nothing(self):
        self.server.vm_state = fn.RESCUED
        self._set(states.POWER_ON)
        self.assertEqual([], self.nova.actions)

    def test_power_on_guest_shut_itself_down_hard_reboots(self):
        # vm_state still ACTIVE: os-start would be refused with 409.
        self.server.power_state = fn.SHUTDOWN
        self._set(states.POWER_ON)
        self.assertEqual([(self.server.id, 'reboot HARD')],
                         self.nova.actions)
        self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())

    def test_power_on_from_error_hard_reboots(self):
        self.server.vm_state = fn.ERROR
        self._set(states.POWER_ON)
        self.assertEqual([(self.server.id, 'reboot HARD')],
                         self.nova.actions)

    def test_power_on_from_paused_suspended_shelved_boots_the_disk(self):
        # A fresh boot of the disk, not a resume of the old guest
        # (test_power_transitions has the PXE cases).
        for vm_state, power, action in ((fn.PAUSED, 3, 'reboot HARD'),
                                        (fn.SUSPENDED, 7, 'reboot HARD'),
                                        (fn.SHELVED_OFFLOADED, 4,
                                         'unshelve')):
            self.nova.actions.clear()
            self.server.vm_state, self.server.power_state = vm_state, power
            self._set(states.POWER_ON)
            self.assertEqual([(self.server.id, action)], self.nova.actions)
            self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())

    def test_power_on_with_pxe_rescues_with_the_rescue_image(self):
        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        self._set_boot_device('pxe')
        self._set(states.POWER_ON)
        self.assertEqual([(self.server.id, 'rescue')], self.nova.actions)
        self.assertEqual((fn.RESCUED, None, fn.RUNNING), self._state())
        self.assertEqual(self.rescue_image.id, self.server.rescue_image)

    def test_one_time_pxe_is_used_up_by_the_boot(self):
        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        self._set_boot_device('pxe', persistent=False)
        self._set(states.POWER_ON)
        self.node.refresh()
        self.assertEqual({'boot_device': 'disk', 'persistent': True},
                         boot_device.get(self.node))
        # The next reboot leaves rescue: back to the disk.
        self._reboot()
        self.assertEqual('unrescue', self.nova.actions[-1][1])
        self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())

    def test_persistent_pxe_stays(self):
        self._set_boot_device('pxe', persistent=True)
        self._reboot()
        self.assertEqual((fn.RESCUED, None, fn.RUNNING), self._state())
        self._reboot()
        # Rescued -> rescued again: unrescue, then rescue.
        self.assertEqual(['rescue', 'unrescue', 'rescue'],
                         [a for _, a in self.nova.actions])
        self.assertEqual((fn.RESCUED, None, fn.RUNNING), self._state())

    def test_one_time_pxe_kept_when_power_on_finds_it_running(self):
        self._set_boot_device('pxe', persistent=False)
        self._set(states.POWER_ON)
        self.node.refresh()
        self.assertEqual({'boot_device': 'pxe', 'persistent': False},
                         boot_device.get(self.node))

    def test_power_off_stops(self):
        self._set(states.POWER_OFF)
        self.assertEqual([(self.server.id, 'os-stop')], self.nova.actions)
        self.assertEqual((fn.STOPPED, None, fn.SHUTDOWN), self._state())

    def test_power_off_when_off_does_nothing(self):
        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        self._set(states.POWER_OFF)
        self.assertEqual([], self.nova.actions)

    def test_power_off_guest_already_down_syncs_nova(self):
        self.server.power_state = fn.SHUTDOWN
        self._set(states.POWER_OFF)
        self.assertEqual([(self.server.id, 'os-stop')], self.nova.actions)
        self.assertEqual(fn.STOPPED, self.server.vm_state)

    def test_power_off_from_rescue_unrescues_then_stops(self):
        self.server.vm_state = fn.RESCUED
        self._set(states.POWER_OFF)
        self.assertEqual(['unrescue', 'os-stop'],
                         [a for _, a in self.nova.actions])
        self.assertEqual((fn.STOPPED, None, fn.SHUTDOWN), self._state())
        self.assertEqual([], self.nova.refused)

    def test_power_off_from_error_stops(self):
        self.server.vm_state = fn.ERROR
        self._set(states.POWER_OFF)
        self.assertEqual(fn.STOPPED, self.server.vm_state)

    def test_soft_power_off_is_a_graceful_stop(self):
        self._set(states.SOFT_POWER_OFF, timeout=600)
        self.assertEqual([(self.server.id, 'os-stop')], self.nova.actions)

    def test_power_off_refused_with_disable_power_off(self):
        self.node.disable_power_off = True
        self.node.save()
        for state in (states.POWER_OFF, states.SOFT_POWER_OFF):
            self.assertRaises(exception.PowerStateFailure, self._set, state)
        self.assertEqual([], self.nova.actions)

    def test_reboot_with_disable_power_off_never_stops(self):
        self.node.disable_power_off = True
        self.node.save()
        self._reboot()
        self.assertEqual(['reboot HARD'], [a for _, a in self.nova.actions])

    def test_hard_reboot_when_on(self):
        self._reboot()
        self.assertEqual([(self.server.id, 'reboot HARD')],
                         self.nova.actions)
        self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())

    def test_reboot_when_off_powers_on(self):
        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        self._reboot()
        self.assertEqual([(self.server.id, 'os-start')], self.nova.actions)

    def test_soft_reboot(self):
        self._set(states.SOFT_REBOOT)
        self.assertEqual([(self.server.id, 'reboot SOFT')],
                         self.nova.actions)

    def test_reboot_into_pxe_rescues(self):
        self._set_boot_device('pxe')
        self._reboot()
        self.assertEqual([(self.server.id, 'rescue')], self.nova.actions)
        self.assertEqual(fn.RESCUED, self.server.vm_state)

    def test_reboot_from_rescue_never_asks_nova_for_a_reboot(self):
        # Nova refuses reboot in RESCUED; leaving rescue is the reboot.
        self.server.vm_state = fn.RESCUED
        self._reboot()
        self.assertEqual([(self.server.id, 'unrescue')], self.nova.actions)
        self.assertEqual([], self.nova.refused)

    def test_soft_reboot_from_rescue(self):
        self.server.vm_state = fn.RESCUED
        self._set(states.SOFT_REBOOT)
        self.assertEqual([(self.server.id, 'unrescue')], self.nova.actions)

    def test_running_task_is_waited_out_not_failed(self):
        # A stop is running; power on waits for it, then starts.
        self.server.task_state = 'powering-off'
        self.server.pending = (3, fn.STOPPED, fn.SHUTDOWN)
        self._set(states.POWER_ON)
        self.assertEqual([(self.server.id, 'os-start')], self.nova.actions)
        self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())

    def test_conflict_from_a_race_is_retried_after_a_read(self):
        # Someone else starts a task between our read and our action.
        real_stop = self.nova.compute.stop_server.side_effect

        def racing_stop(server):
            self.nova.compute.stop_server.side_effect = real_stop
            self.server.task_state = 'rebooting_hard'
            self.server.pending = (2, fn.ACTIVE, fn.RUNNING)
            return real_stop(server)

        self.nova.compute.stop_server.side_effect = racing_stop
        self._set(states.POWER_OFF)
        self.assertEqual([(self.server.id, 'os-stop')], self.nova.refused)
        self.assertEqual([(self.server.id, 'os-stop')], self.nova.actions)
        self.assertEqual(fn.STOPPED, self.server.vm_state)

    def test_waits_poll_fast_then_back_off_not_fixed_sleeps(self):
        self.config(state_poll_max_interval=0.3, group='openstack')
        self.nova.reads_per_task = converge.FAST_POLLS + 5
        self._set(states.POWER_OFF)
        pauses = [c.args[0] for c in self.sleep.call_args_list
                  if c.args[0] > 0]
        fast = pauses[:converge.FAST_POLLS]
        self.assertEqual([converge.FIRST_POLL_INTERVAL] * converge.FAST_POLLS,
                         fast)
        self.assertLess(fast[-1], pauses[converge.FAST_POLLS])
        self.assertEqual(0.3, max(pauses))
        # One read before the stop, then one per read until it is done.
        self.assertEqual(converge.FAST_POLLS + 5, len(pauses))

    def test_each_accepted_action_restarts_fast_polling(self):
        # Power off from rescue: unrescue, then stop; each is watched
        # closely from its start.
        self.config(state_poll_max_interval=0.3, group='openstack')
        self.server.vm_state = fn.RESCUED
        self.nova.reads_per_task = converge.FAST_POLLS + 3
        self._set(states.POWER_OFF)
        self.assertEqual([(self.server.id, 'unrescue'),
                          (self.server.id, 'os-stop')], self.nova.actions)
        pauses = [c.args[0] for c in self.sleep.call_args_list
                  if c.args[0] > 0]
        per_action = converge.FAST_POLLS + 3
        for start in (0, per_action):
            self.assertEqual(
                [converge.FIRST_POLL_INTERVAL] * converge.FAST_POLLS,
                pauses[start:start + converge.FAST_POLLS])
        self.assertEqual(2 * per_action, len(pauses))

    def test_timeout_is_power_state_failure_naming_the_state(self):
        self.server.task_state = 'powering-on'   # stuck forever
        clock = iter(range(0, 10000, 5))
        with mock.patch('time.monotonic', autospec=True,
                        side_effect=lambda: next(clock)):
            exc = self.assertRaises(exception.PowerStateFailure, self._set,
                                    states.POWER_OFF, timeout=30)
        self.assertIn('power off', str(exc))
        self.assertEqual([], self.nova.actions)

    def test_action_that_never_takes_effect_fails_clearly(self):
        # Nova accepts the start, but the compute fails it every time.
        def failing_start(server):
            self.nova.actions.append((self.server.id, 'os-start'))

        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        self.nova.compute.start_server.side_effect = failing_start
        exc = self.assertRaises(exception.DriverOperationError, self._set,
                                states.POWER_ON)
        self.assertIn('os-start', str(exc))
        self.assertEqual(converge.MAX_ATTEMPTS_PER_STEP,
                         len(self.nova.actions))

    def test_resize_pending_is_refused(self):
        self.server.vm_state = fn.RESIZED
        exc = self.assertRaises(exception.DriverOperationError, self._set,
                                states.POWER_OFF)
        self.assertIn('resize', str(exc))
        self.assertEqual([], self.nova.actions)

    def test_pxe_without_rescue_image_for_uefi_is_clear(self):
        uefi_disk = self.nova.add_image('uefi-disk', hw_firmware_type='uefi')
        self.server.image_id = uefi_disk.id
        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        self._set_boot_device('pxe')
        exc = self.assertRaises(exception.MissingParameterValue, self._set,
                                states.POWER_ON)
        self.assertIn('uefi_rescue_image', str(exc))
        self.assertEqual([], self.nova.actions)
        self.assertEqual(fn.STOPPED, self.server.vm_state)

    def test_uefi_server_gets_the_uefi_rescue_image(self):
        self.config(uefi_rescue_image='ipxe-uefi', group='openstack')
        uefi_disk = self.nova.add_image('uefi-disk', hw_firmware_type='uefi')
        self.server.image_id = uefi_disk.id
        self._set_boot_device('pxe')
        self._reboot()
        self.assertEqual(self.uefi_rescue_image.id, self.server.rescue_image)

    def test_volume_backed_rescue_needs_microversion_2_87(self):
        self.server.image_id = None
        self.nova.compute.get_endpoint_data.return_value.max_microversion = (
            2, 86)
        self._set_boot_device('pxe')
        exc = self.assertRaises(exception.DriverOperationError,
                                self._reboot)
        self.assertIn('2.87', str(exc))
        self.assertEqual([], self.nova.actions)

    def test_unknown_rescue_image_name_fails_before_any_action(self):
        self.config(rescue_image='no-such-image', group='openstack')
        self._set_boot_device('pxe')
        exc = self.assertRaises(exception.InvalidParameterValue,
                                self._reboot)
        self.assertIn('no-such-image', str(exc))
        self.assertIn('matches no image', str(exc))
        self.assertEqual([], self.nova.actions)
        self.assertEqual((fn.ACTIVE, None, fn.RUNNING), self._state())

    def test_reuploaded_rescue_image_is_found_by_its_name(self):
        self._set_boot_device('pxe', persistent=True)
        self._reboot()
        self.assertEqual(self.rescue_image.id, self.server.rescue_image)
        # The operator uploads a new iPXE image under the same name.
        self.nova.delete_image(self.rescue_image)
        new = self.nova.add_image('ipxe-bios', hw_rescue_device='cdrom')
        self._reboot()
        self.assertEqual(new.id, self.server.rescue_image)

    def test_ambiguous_rescue_image_name_is_refused(self):
        self.nova.add_image('ipxe-bios')
        self._set_boot_device('pxe')
        exc = self.assertRaises(exception.InvalidParameterValue,
                                self._reboot)
        self.assertIn('several images', str(exc))
        self.assertEqual([], self.nova.actions)

    def test_unknown_power_state_is_refused(self):
        self.assertRaises(exception.InvalidParameterValue, self._set,
                          'wibble')

    def test_nova_http_error_is_translated_naming_the_node(self):
        # test_secrets feeds secrets through every path and logs.
        from openstack import exceptions as sdk_exc
        self.config(allowed_auth_urls=['http://keystone/v3'],
                    group='openstack')
        self.node.driver_info = {
            'openstack_server': self.server.id,
            'openstack_auth_url': 'http://keystone/v3',
            'openstack_username': 'u', 'openstack_password': 'hunter2',
            'openstack_project_name': 'p'}
        self.node.save()
        self.nova.compute.stop_server.side_effect = (
            sdk_exc.HttpException(message='Policy does not allow',
                                  http_status=403))
        exc = self.assertRaises(exception.DriverOperationError, self._set,
                                states.POWER_OFF)
        self.assertIn('HTTP 403', str(exc))
        self.assertIn(self.node.uuid, str(exc))
        self.assertNotIn('hunter2', str(exc))


class PowerActionReadsTestCase(base.OpenStackDriverTestCase):
    """Ironic's node_power_action reads, then sets: one read chooses."""

    def _power_action(self, state):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            manager_utils.node_power_action(task, state)

    def test_power_on_acts_on_ironics_own_read_without_a_second(self):
        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        self._power_action(states.POWER_ON)
        self.assertEqual([(self.server.id, 'os-start')], self.nova.actions)
        # Ironic's get_power_state was the only read before the start.
        self.assertEqual([1], self.nova.reads_at_actions)
        self.node.refresh()
        self.assertEqual(states.POWER_ON, self.node.power_state)

    def test_power_off_acts_on_ironics_own_read_without_a_second(self):
        self._power_action(states.POWER_OFF)
        self.assertEqual([(self.server.id, 'os-stop')], self.nova.actions)
        self.assertEqual([1], self.nova.reads_at_actions)

    def test_stale_read_costs_one_conflict_then_a_fresh_read(self):
        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        with task_manager.acquire(self.context, self.node.uuid) as task:
            self.assertEqual(states.POWER_OFF,
                             task.driver.power.get_power_state(task))
            # Someone starts the server through Nova meanwhile.
            self.server.vm_state, self.server.power_state = (fn.ACTIVE,
                                                             fn.RUNNING)
            task.driver.power.set_power_state(task, states.POWER_ON)
        self.assertEqual([(self.server.id, 'os-start')], self.nova.refused)
        self.assertEqual([], self.nova.actions)
        self.assertEqual((fn.ACTIVE, fn.RUNNING),
                         (self.server.vm_state, self.server.power_state))

    def test_reused_read_never_says_done(self):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            self.assertEqual(states.POWER_ON,
                             task.driver.power.get_power_state(task))
            # The guest goes down between Ironic's read and its action.
            self.server.vm_state, self.server.power_state = fn.STOPPED, 4
            task.driver.power.set_power_state(task, states.POWER_ON)
        self.assertEqual([(self.server.id, 'os-start')], self.nova.actions)
        self.assertEqual([2], self.nova.reads_at_actions)

    def test_read_older_than_max_age_is_not_used(self):
        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        with task_manager.acquire(self.context, self.node.uuid) as task:
            task.driver.power.get_power_state(task)
            later = os_power.time.monotonic() + os_power.LAST_READ_MAX_AGE + 1
            with mock.patch.object(os_power.time, 'monotonic', autospec=True,
                                   return_value=later):
                self.assertIsNone(os_power._recent_read(task))

    def test_read_is_used_once(self):
        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        with task_manager.acquire(self.context, self.node.uuid) as task:
            task.driver.power.get_power_state(task)
            task.driver.power.set_power_state(task, states.POWER_ON)
            task.driver.power.set_power_state(task, states.POWER_OFF)
        self.assertEqual([(self.server.id, 'os-start'),
                          (self.server.id, 'os-stop')], self.nova.actions)
        # The stop was chosen from a read of its own, not the old one.
        start_reads, stop_reads = self.nova.reads_at_actions
        self.assertGreater(stop_reads, start_reads + 1)

    def test_shared_lock_read_is_not_remembered(self):
        self.config(server_list_max_age=0, group='openstack')
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            task.driver.power.get_power_state(task)
            self.assertIsNone(os_power._recent_read(task))

    def test_reboot_reads_the_server_itself(self):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            task.driver.power.get_power_state(task)
            task.driver.power.reboot(task)
        self.assertEqual([(self.server.id, 'reboot HARD')], self.nova.actions)
        self.assertEqual([2], self.nova.reads_at_actions)
