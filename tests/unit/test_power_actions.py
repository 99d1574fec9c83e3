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

"""Power actions: the Nova actions each power state and boot device takes."""

from unittest import mock

from ironic.common import exception
from ironic.common import states
from ironic.conductor import task_manager

from ironic_openstack_driver import boot_device
from ironic_openstack_driver import converge
from tests.unit import base
from tests.unit import fake_nova as fn


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
        # PXE recorded while the server still had its image.
        self._set_boot_device('pxe')
        self.server.image_id = None
        self.nova.compute.get_endpoint_data.return_value.max_microversion = (
            2, 86)
        exc = self.assertRaises(exception.InvalidParameterValue,
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
