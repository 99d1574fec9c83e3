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
from unittest import mock

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


class ActAndWaitTest(unittest.TestCase):
    """Against an autospecced openstacksdk compute proxy."""

    def setUp(self):
        super().setUp()
        from openstack.compute.v2 import _proxy
        from openstack import exceptions as sdk_exc
        self.conflict = sdk_exc.ConflictException
        self.compute = mock.create_autospec(_proxy.Proxy, instance=True)
        self.probe = types.SimpleNamespace(compute=self.compute)
        patcher = mock.patch('time.sleep')
        patcher.start()
        self.addCleanup(patcher.stop)
        self.servers = [types.SimpleNamespace(id='a'),
                        types.SimpleNamespace(id='b')]

    def test_each_server_is_stopped_then_waited_for(self):
        self.compute.get_server.side_effect = [
            server(1, 'active', 'powering-off'), server(4, 'stopped'),
            server(4, 'stopped'), server(4, 'stopped')]
        cs._act_and_wait(self.probe, self.servers, 'stop_server',
                         cs.SHUTDOWN, 'stopped')
        self.assertEqual([mock.call('a'), mock.call('b')],
                         self.compute.stop_server.call_args_list)

    def test_a_409_for_a_server_already_there_is_no_failure(self):
        # Ironic's power sync may have started it first.
        self.compute.start_server.side_effect = [self.conflict('409'), None]
        self.compute.get_server.return_value = server()
        cs._act_and_wait(self.probe, self.servers, 'start_server',
                         cs.RUNNING, 'active')
        self.assertEqual(2, self.compute.start_server.call_count)

    def test_409_while_a_task_runs_is_tried_again(self):
        self.compute.start_server.side_effect = [self.conflict('409'), None,
                                                 None]
        self.compute.get_server.side_effect = [
            server(4, 'stopped', 'powering-off'), server(), server()]
        cs._act_and_wait(self.probe, self.servers, 'start_server',
                         cs.RUNNING, 'active')
        self.assertEqual([mock.call('a'), mock.call('a'), mock.call('b')],
                         self.compute.start_server.call_args_list)

    def test_409_for_ever_names_the_server(self):
        self.compute.start_server.side_effect = self.conflict('409')
        self.compute.get_server.return_value = server(4, 'stopped',
                                                      'powering-on')
        with self.assertRaises(cs.BenchError) as cm:
            cs._act_and_wait(self.probe, self.servers, 'start_server',
                             cs.RUNNING, 'active')
        self.assertIn('start_server of server a: Nova kept answering 409',
                      str(cm.exception))
