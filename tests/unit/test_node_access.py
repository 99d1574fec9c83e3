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

"""node_access: the task's client and what is kept for a task."""

import gc
from unittest import mock

from ironic.common import states
from ironic.conductor import task_manager
from ironic.conductor import utils as manager_utils

from ironic_openstack_driver import caches
from ironic_openstack_driver import client as os_client
from ironic_openstack_driver import node_access
from tests.unit import base
from tests.unit import fake_nova as fn


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
            later = (node_access.time.monotonic()
                     + node_access.LAST_READ_MAX_AGE + 1)
            with mock.patch.object(node_access.time, 'monotonic',
                                   autospec=True, return_value=later):
                self.assertIsNone(node_access.recent_read(task))

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
            self.assertIsNone(node_access.recent_read(task))

    def test_reboot_reads_the_server_itself(self):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            task.driver.power.get_power_state(task)
            task.driver.power.reboot(task)
        self.assertEqual([(self.server.id, 'reboot HARD')], self.nova.actions)
        self.assertEqual([2], self.nova.reads_at_actions)


class NodeClientTestCase(base.OpenStackDriverTestCase):
    """One NodeClient per task, and nothing kept beyond the task."""

    def test_one_client_per_task(self):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            self.assertIs(node_access.node_client(task),
                          node_access.node_client(task))

    def test_changed_driver_info_gets_a_new_client(self):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            first = node_access.node_client(task)
            task.node.driver_info = dict(task.node.driver_info,
                                         openstack_server=self.server.name)
            second = node_access.node_client(task)
        self.assertIsNot(first, second)
        self.assertEqual(self.server.name, second.info.server)

    def test_power_and_management_share_the_tasks_client(self):
        # Ironic's power sync reads power state and boot mode in one task.
        with mock.patch.object(os_client, 'NodeClient', autospec=True,
                               side_effect=os_client.NodeClient) as made:
            with task_manager.acquire(self.context, self.node.uuid,
                                      shared=True) as task:
                task.driver.power.get_power_state(task)
                task.driver.management.get_boot_mode(task)
        self.assertEqual(1, made.call_count)

    def test_what_a_task_kept_goes_with_the_task(self):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            task.driver.power.get_power_state(task)
            self.assertEqual(1, len(caches.CACHES.tasks))
        del task
        gc.collect()
        self.assertEqual(0, len(caches.CACHES.tasks))
