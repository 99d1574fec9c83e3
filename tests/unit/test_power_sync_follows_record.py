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

"""Ironic's power sync forces the state Ironic recorded last, however.

Ironic records a power state without the driver acting too: a power
action it skips because the node is in that state already, verify, its
maximum of sync retries. After any of these the sync must force Ironic's
record as usual (a guest that halts is started again); only an action of
the driver that did not end as asked, with Ironic's record unchanged
since, holds it (test_power_after_timeout). Through Ironic's
node_power_action, do_node_verify and do_sync_power_state.
"""

from ironic.common import exception
from ironic.common import states
from ironic.conductor import manager
from ironic.conductor import task_manager
from ironic.conductor import utils as manager_utils
from ironic.conductor import verify

from tests.unit import base
from tests.unit import fake_nova as fn


class SyncFollowsRecordTestCase(base.OpenStackDriverTestCase):

    def setUp(self):
        super().setUp()
        self.config(server_list_max_age=0, group='openstack')
        self.node.power_state = states.POWER_ON
        self.node.save()

    def _power(self, state):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            manager_utils.node_power_action(task, state)
        self.node.refresh()

    def _sync(self, count=0):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            count = manager.do_sync_power_state(task, count)
        self.node.refresh()
        return count

    def _actions(self):
        return [a for _, a in self.nova.actions]

    def _started_outside_ironic(self):
        self.server.vm_state, self.server.power_state = fn.ACTIVE, fn.RUNNING

    def _guest_halts(self):
        self.server.halt()
        self.assertEqual(fn.SHUTDOWN, self.server.power_state)

    def test_sync_forces_on_after_a_skipped_power_on(self):
        self._power(states.POWER_OFF)
        self._started_outside_ironic()
        # Ironic reads "on" and records it without asking the driver.
        self._power(states.POWER_ON)
        self.assertEqual(['os-stop'], self._actions())
        self.assertEqual(states.POWER_ON, self.node.power_state)
        self._guest_halts()
        self._sync()
        # Ironic's record is "power on": the halted guest is started.
        self.assertEqual(['os-stop', 'reboot HARD'], self._actions())
        self.assertEqual(states.POWER_ON, self.node.power_state)

    def test_sync_forces_on_after_verify_recorded_on(self):
        self._power(states.POWER_OFF)
        self._started_outside_ironic()
        self.node.provision_state = states.VERIFYING
        self.node.target_provision_state = states.MANAGEABLE
        self.node.save()
        with task_manager.acquire(self.context, self.node.uuid) as task:
            verify.do_node_verify(task)
        self.node.refresh()
        self.assertEqual(states.MANAGEABLE, self.node.provision_state)
        self.assertEqual(states.POWER_ON, self.node.power_state)
        self._guest_halts()
        self._sync()
        self.assertEqual(['os-stop', 'reboot HARD'], self._actions())

    def test_sync_forces_on_after_max_retries_recorded_on(self):
        self.config(power_state_sync_max_retries=1, group='conductor')
        self._power(states.POWER_OFF)
        self._started_outside_ironic()
        # The sync's own forcing fails (Nova refuses to stop the locked
        # server) until Ironic records what it reads, in maintenance.
        self.server.locked = True
        count = self._sync()
        self._sync(count)
        self.assertTrue(self.node.maintenance)
        self.assertEqual(states.POWER_ON, self.node.power_state)
        self.server.locked = False
        self.node.maintenance = False
        self.node.fault = None
        self.node.save()
        self._guest_halts()
        self._sync()
        self.assertEqual('reboot HARD', self._actions()[-1])
        self.assertEqual((fn.ACTIVE, fn.RUNNING),
                         (self.server.vm_state, self.server.power_state))

    def test_sync_forces_on_after_a_power_off_nova_refused_outright(self):
        # Nova took no action (the server is locked): nothing of that ask
        # can end later, so it holds nothing.
        self.server.locked = True
        self.assertRaises(exception.DriverOperationError, self._power,
                          states.POWER_OFF)
        self.node.refresh()
        self.assertEqual(states.POWER_ON, self.node.power_state)
        self.server.locked = False
        self._guest_halts()
        self._sync()
        self.assertEqual(['reboot HARD'], self._actions())

    def test_sync_forces_on_after_a_failed_stop_and_a_skipped_power_on(self):
        # Nova accepted the stop but its compute failed it: the guest runs
        # on. The power on that follows finds it on and is skipped; from
        # then on Ironic's "power on" stands, though it never changed.
        self.nova.compute.stop_server.side_effect = (
            lambda server: self.nova.actions.append((self.server.id,
                                                     'os-stop')))
        self.assertRaises(exception.DriverOperationError, self._power,
                          states.POWER_OFF)
        self.nova.compute.stop_server.side_effect = (
            self.nova._action('os-stop'))
        self._power(states.POWER_ON)
        self.assertEqual(states.POWER_ON, self.node.power_state)
        self._guest_halts()
        self._sync()
        self.assertEqual('reboot HARD', self._actions()[-1])
