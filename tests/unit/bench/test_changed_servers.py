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

"""The servers changed behind Ironic's back (bench/changed_servers.py):
which ones, and when Nova has finished with them."""

import types
import unittest

from tests.unit import bench as _path  # noqa: F401  (the repo on sys.path)

from bench import changed_servers as cs  # noqa: E402


def server(power_state=1, vm_state='active', task_state=None):
    return types.SimpleNamespace(power_state=power_state, vm_state=vm_state,
                                 task_state=task_state)


class ChangedServersTest(unittest.TestCase):

    def test_the_last_k_servers_clear_of_the_power_samples(self):
        servers = list(range(200))
        self.assertEqual(list(range(190, 200)),
                         cs.changed_servers(servers, 10))

    def test_k_is_capped_at_n(self):
        self.assertEqual([0, 1, 2], cs.changed_servers([0, 1, 2], 10))

    def test_zero_changes_nothing(self):
        self.assertEqual([], cs.changed_servers([0, 1, 2], 0))


class SettledTest(unittest.TestCase):

    def test_stopped_and_no_task(self):
        self.assertTrue(cs.settled(server(4, 'stopped'), cs.SHUTDOWN,
                                   'stopped'))

    def test_a_task_still_running_is_not_settled(self):
        self.assertFalse(cs.settled(
            server(1, 'active', 'powering-off'), cs.SHUTDOWN, 'stopped'))
        self.assertFalse(cs.settled(
            server(4, 'stopped', 'powering-on'), cs.RUNNING, 'active'))

    def test_running_again(self):
        self.assertTrue(cs.settled(server(), cs.RUNNING, 'active'))
