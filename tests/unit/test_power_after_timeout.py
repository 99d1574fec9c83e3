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

"""After Ironic's power timeout, Nova's task goes on: the last ask wins.

A guest that ignores ACPI makes Nova's stop outlast Ironic's 60 s power
timeout (the compute's shutdown_timeout is 60 s as well). Time runs on a
FakeClock; actions go through Ironic's node_power_action and power sync.
"""


from ironic.common import exception
from ironic.common import states
from ironic.conductor import manager
from ironic.conductor import task_manager
from ironic.conductor import utils as manager_utils

from tests.unit import base
from tests.unit import fake_nova as fn


class AfterTimeoutTestCase(base.OpenStackDriverTestCase):

    def setUp(self):
        super().setUp()
        self.use_fake_clock()
        self.config(state_poll_max_interval=1.5, group='openstack')
        self.server.ignores_acpi = True
        self.node.power_state = states.POWER_ON
        self.node.save()

    def _power(self, state):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            manager_utils.node_power_action(task, state)

    def _timed_out_stop(self):
        self.assertRaises(exception.PowerStateFailure, self._power,
                          states.POWER_OFF)
        self.assertEqual('powering-off', self.server.task_state)
        self.assertEqual(fn.RUNNING, self.server.power_state)

    def _nova_finishes(self):
        self.clock.sleep(10)
        self.nova.compute.get_server(self.server.id)
        self.assertIsNone(self.server.task_state)

    def test_power_on_during_novas_stop_waits_and_starts(self):
        self._timed_out_stop()
        # The guest still runs while Nova stops it: power on must not take
        # it for done.
        self._power(states.POWER_ON)
        self.assertEqual([fn.ACTIVE, fn.RUNNING, None],
                         [self.server.vm_state, self.server.power_state,
                          self.server.task_state])
        self.assertEqual(['os-stop', 'os-start'],
                         [a for _, a in self.nova.actions])
        self.node.refresh()
        self.assertEqual(states.POWER_ON, self.node.power_state)
        self.assertIsNone(self.node.last_error)

    def test_power_off_again_during_novas_stop_ends_off(self):
        self._timed_out_stop()
        self._power(states.POWER_OFF)
        self.assertEqual(fn.STOPPED, self.server.vm_state)
        self.node.refresh()
        self.assertEqual(states.POWER_OFF, self.node.power_state)
        self.assertEqual(['os-stop'], [a for _, a in self.nova.actions])

    def test_power_sync_keeps_the_stop_nova_finished_late(self):
        self._timed_out_stop()
        self._nova_finishes()
        self.assertEqual(fn.STOPPED, self.server.vm_state)
        self.node.refresh()
        self.assertEqual(states.POWER_ON, self.node.power_state)
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            manager.do_sync_power_state(task, 0)
        # Ironic records what Nova did instead of starting the server.
        self.assertEqual(fn.STOPPED, self.server.vm_state)
        self.assertEqual(['os-stop'], [a for _, a in self.nova.actions])
        self.node.refresh()
        self.assertEqual(states.POWER_OFF, self.node.power_state)

    def test_power_sync_still_forces_after_a_successful_action(self):
        # The guest halts by itself after a power on Ironic recorded:
        # Ironic's usual forcing applies.
        self.server.ignores_acpi = False
        self._power(states.POWER_OFF)
        self._power(states.POWER_ON)
        self.server.halt()
        self.nova.compute.get_server(self.server.id)
        self.config(server_list_max_age=0, group='openstack')
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            manager.do_sync_power_state(task, 0)
        self.assertEqual(['os-stop', 'os-start', 'reboot HARD'],
                         [a for _, a in self.nova.actions])

    def test_settling_wait_is_bounded_by_the_power_timeout(self):
        self.config(power_state_change_timeout=5, group='conductor')
        self._timed_out_stop()
        exc = self.assertRaises(exception.PowerStateFailure, self._power,
                                states.POWER_ON)
        self.assertIn('task_state powering-off', str(exc))
        self.assertEqual(['os-stop'], [a for _, a in self.nova.actions])
