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

import threading
from unittest import mock

from oslo_utils import uuidutils

from ironic.common import exception
from ironic.common import states
from ironic.conductor import manager
from ironic.conductor import task_manager
from ironic.tests.unit.objects import utils as obj_utils

from ironic_openstack_driver import caches
from ironic_openstack_driver import client as os_client
from ironic_openstack_driver import driver_info
from tests.unit import base
from tests.unit import fake_nova as fn


class PowerSyncSnapshotTestCase(base.OpenStackDriverTestCase):
    """Freshness rules of the shared server listing."""

    def setUp(self):
        super().setUp()
        self.config(server_list_max_age=20, group='openstack')
        self.nodes = [self.node]
        for i in range(1, 5):
            server = self.nova.add_server(name='node-%d' % i,
                                          image_id=self.disk_image.id)
            self.nodes.append(obj_utils.create_test_node(
                self.context, driver='openstack',
                uuid=uuidutils.generate_uuid(),
                name='n%d' % i,
                driver_info={'openstack_server': server.id}))
            self.mark(server, self.nodes[-1])

    def _listing_urls(self):
        return [c.args[0] for c in self.nova.compute.get.call_args_list]

    def _sync_read(self, node):
        """A power state read as Ironic's power sync does it."""
        with task_manager.acquire(self.context, node.uuid,
                                  shared=True) as task:
            return task.driver.power.get_power_state(task)

    def test_one_listing_serves_all_nodes_without_per_node_gets(self):
        for node in self.nodes:
            self.assertEqual(states.POWER_ON, self._sync_read(node))
        self.assertEqual(1, self.nova.listings)
        self.nova.compute.get_server.assert_not_called()
        self.nova.compute.get.assert_called_once_with(
            '/servers/detail', microversion='2.1')

    def test_boot_mode_in_a_sync_uses_the_listing(self):
        # Ironic's power sync also caches each node's boot mode.
        for node in self.nodes:
            with task_manager.acquire(self.context, node.uuid,
                                      shared=True) as task:
                self.assertEqual(
                    'bios', task.driver.management.get_boot_mode(task))
        self.assertEqual(1, self.nova.listings)
        self.nova.compute.get_server.assert_not_called()

    def test_listing_is_refreshed_after_max_age(self):
        with self.moved_clocks() as now:
            self._sync_read(self.node)
            now[0] += 19
            self._sync_read(self.node)
            self.assertEqual(1, self.nova.listings)
            now[0] += 2
            self._sync_read(self.node)
            self.assertEqual(2, self.nova.listings)

    def test_stale_listing_never_hides_an_outside_change_for_long(self):
        with self.moved_clocks() as now:
            self.assertEqual(states.POWER_ON, self._sync_read(self.node))
            self.server.vm_state, self.server.power_state = fn.STOPPED, 4
            now[0] += 21
            self.assertEqual(states.POWER_OFF, self._sync_read(self.node))

    def test_exclusive_lock_reads_fresh(self):
        self._sync_read(self.node)
        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        with task_manager.acquire(self.context, self.node.uuid) as task:
            self.assertEqual(states.POWER_OFF,
                             task.driver.power.get_power_state(task))
        self.assertEqual(1, self.nova.compute.get_server.call_count)

    def test_server_acted_on_is_read_fresh_until_a_newer_listing(self):
        with self.moved_clocks() as now:
            self._sync_read(self.node)          # listing at t=1000
            now[0] += 1
            with task_manager.acquire(self.context, self.node.uuid) as task:
                task.driver.power.set_power_state(task, states.POWER_OFF)
            reads = self.nova.compute.get_server.call_count
            # The listing predates the action: read this server fresh...
            self.assertEqual(states.POWER_OFF, self._sync_read(self.node))
            self.assertEqual(reads + 1,
                             self.nova.compute.get_server.call_count)
            # ...while the other nodes still use it.
            self._sync_read(self.nodes[1])
            self.assertEqual(reads + 1,
                             self.nova.compute.get_server.call_count)
            # A listing that began after the action is trusted again.
            now[0] += 30
            self.assertEqual(states.POWER_OFF, self._sync_read(self.node))
            self.assertEqual(reads + 1,
                             self.nova.compute.get_server.call_count)
            self.assertEqual(2, self.nova.listings)

    def test_server_busy_in_a_wait_loop_is_read_fresh(self):
        self._sync_read(self.node)
        client = os_client.NodeClient(
            self.node, driver_info.parse_driver_info(self.node))
        with client.acting():
            self._sync_read(self.node)
            self.assertEqual(1, self.nova.compute.get_server.call_count)

    def test_server_missing_from_listing_is_looked_up(self):
        self._sync_read(self.node)
        late = self.nova.add_server(name='late')
        node = obj_utils.create_test_node(
            self.context, driver='openstack',
            uuid=uuidutils.generate_uuid(), name='late',
            driver_info={'openstack_server': late.id})
        self.mark(late, node)
        self.assertEqual(states.POWER_ON, self._sync_read(node))
        self.nova.compute.get_server.assert_called_once_with(late.id)

    def test_deleted_server_is_an_error_not_a_stale_state(self):
        self._sync_read(self.node)
        self.nova.delete_server(self.server.id)
        # Still in the (fresh enough) listing: reported from it...
        self.assertEqual(states.POWER_ON, self._sync_read(self.node))
        # ...but once a new listing no longer has it, the GET says 404.
        caches.reset()
        self.assertRaises(exception.DriverOperationError, self._sync_read,
                          self.node)

    def test_next_sync_lists_only_changes_and_sees_a_stop(self):
        with self.moved_clocks() as now:
            for node in self.nodes:
                self._sync_read(node)
            now[0] += 30
            self.server.vm_state, self.server.power_state = fn.STOPPED, 4
            now[0] += 30
            self.assertEqual(states.POWER_OFF, self._sync_read(self.node))
            for node in self.nodes[1:]:
                self.assertEqual(states.POWER_ON, self._sync_read(node))
        urls = self._listing_urls()
        self.assertEqual(['/servers/detail',
                          '/servers/detail?changes-since='
                          '2026-12-01T11:59:50Z'], urls)
        self.nova.compute.get_server.assert_not_called()

    def test_delta_shows_a_deleted_server_so_its_node_errors(self):
        with self.moved_clocks() as now:
            self._sync_read(self.node)
            now[0] += 30
            self.nova.delete_server(self.server.id)
            now[0] += 30
            self.assertRaises(exception.DriverOperationError,
                              self._sync_read, self.node)
            self.assertEqual(states.POWER_ON, self._sync_read(self.nodes[1]))
        self.assertIn('changes-since', self._listing_urls()[1])
        self.nova.compute.get_server.assert_called_once_with(self.server.id)

    def test_full_listing_every_full_interval(self):
        self.config(server_list_full_interval=100, group='openstack')
        with self.moved_clocks() as now:
            for sweep in range(5):
                self._sync_read(self.node)
                now[0] += 30
        self.assertEqual([False, True, True, True, False],
                         ['changes-since' in url
                          for url in self._listing_urls()])

    def test_full_interval_zero_makes_every_listing_full(self):
        self.config(server_list_full_interval=0, group='openstack')
        with self.moved_clocks() as now:
            for sweep in range(3):
                self._sync_read(self.node)
                now[0] += 30
        self.assertEqual(['/servers/detail'] * 3, self._listing_urls())

    def test_failed_listing_falls_back_to_reads_not_repeated_listings(self):
        self.nova.compute.get.side_effect = lambda url, **kw: (
            fn.json_response(500, {'computeFault': {
                'code': 500, 'message': 'Unexpected API Error'}}))
        for node in self.nodes:
            self.assertEqual(states.POWER_ON, self._sync_read(node))
        self.assertEqual(1, self.nova.compute.get.call_count)
        self.assertEqual(len(self.nodes),
                         self.nova.compute.get_server.call_count)

    def test_max_age_zero_reads_each_server(self):
        self.config(server_list_max_age=0, group='openstack')
        for node in self.nodes:
            self._sync_read(node)
        self.assertEqual(0, self.nova.listings)
        self.assertEqual(len(self.nodes),
                         self.nova.compute.get_server.call_count)

    def test_concurrent_misses_cause_one_listing(self):
        release = threading.Event()
        real_list = self.nova.get

        def slow_list(url, **kwargs):
            release.wait(5)
            return real_list(url, **kwargs)

        self.nova.compute.get.side_effect = slow_list
        results = []
        clients = [os_client.NodeClient(n, driver_info.parse_driver_info(n))
                   for n in self.nodes]

        def read(client):
            results.append(client.get_server(cached=True).vm_state)

        threads = [threading.Thread(target=read, args=(c,))
                   for c in clients]
        for t in threads:
            t.start()
        release.set()
        for t in threads:
            t.join(10)
        self.assertEqual([fn.ACTIVE] * len(self.nodes), results)
        self.assertEqual(1, self.nova.listings)


class TaskClientTestCase(base.OpenStackDriverTestCase):
    """One parsed driver_info and client per task (node_access.node_client)."""

    def _parses(self):
        return mock.patch.object(driver_info, 'parse_driver_info',
                                 autospec=True,
                                 side_effect=driver_info.parse_driver_info)

    def _sync(self):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            return manager.do_sync_power_state(task, 0)

    def test_a_power_sync_parses_driver_info_once_per_node(self):
        # Ironic's sync asks power state, boot mode, secure boot and health.
        # The first one records power state and boot mode (and takes the
        # exclusive lock for that, which loads the node again).
        self.assertEqual(0, self._sync())
        self.node.refresh()
        self.assertEqual((states.POWER_ON, 'bios'),
                         (self.node.power_state, self.node.boot_mode))
        with self._parses() as parse:
            self.assertEqual(0, self._sync())
        self.assertEqual(1, parse.call_count)

    def test_each_task_gets_its_own_client(self):
        with self._parses() as parse:
            for _ in range(2):
                with task_manager.acquire(self.context, self.node.uuid,
                                          shared=True) as task:
                    task.driver.power.get_power_state(task)
                    task.driver.power.get_power_state(task)
        self.assertEqual(2, parse.call_count)

    def test_driver_info_changed_in_a_task_is_parsed_again(self):
        other = self.nova.add_server(name='other',
                                     image_id=self.disk_image.id)
        other.vm_state, other.power_state = fn.STOPPED, 4
        self.mark(other, self.node)
        with task_manager.acquire(self.context, self.node.uuid) as task:
            self.assertEqual(states.POWER_ON,
                             task.driver.power.get_power_state(task))
            task.node.driver_info = {'openstack_server': other.id}
            self.assertEqual(states.POWER_OFF,
                             task.driver.power.get_power_state(task))
