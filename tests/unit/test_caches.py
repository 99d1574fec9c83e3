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

"""caches.py: one owner of the conductor's memory, bounded and reset."""

import collections
import importlib
import pkgutil
import threading
import types
from unittest import mock
import weakref

from oslo_utils import uuidutils

from ironic.common import states
from ironic.conductor import task_manager
from ironic.tests.unit.objects import utils as obj_utils

import ironic_openstack_driver
from ironic_openstack_driver import binding
from ironic_openstack_driver import caches
from ironic_openstack_driver import client as os_client
from ironic_openstack_driver import conf
from ironic_openstack_driver import driver_info
from ironic_openstack_driver import server_snapshot
from tests.unit import base
from tests.unit import fake_nova as fn

MUTABLE = (dict, set, list, collections.deque, weakref.WeakKeyDictionary,
           weakref.WeakValueDictionary)


class OneOwnerTestCase(base.DbTestCase):

    def test_no_module_keeps_a_mutable_store_of_its_own(self):
        found = []
        for info in pkgutil.walk_packages(ironic_openstack_driver.__path__,
                                          'ironic_openstack_driver.'):
            module = importlib.import_module(info.name)
            for name, value in vars(module).items():
                if name.startswith('__') or isinstance(
                        value, (type, types.ModuleType)) or value in (
                            caches.CACHES, conf.CONF):
                    continue
                if module is conf and name == 'opts':
                    continue    # the option list oslo.config reads
                container = isinstance(value, MUTABLE)
                store = not container and callable(
                    getattr(value, 'clear', None))
                # An upper-case container is a constant by convention.
                if store or (container and not name.isupper()):
                    found.append('%s.%s' % (info.name, name))
        self.assertEqual([], found)

    def test_every_store_is_the_owners(self):
        self.assertEqual({'connections', 'lookups', 'snapshots',
                          'clouds_uploaded_to', 'warned', 'host_statuses',
                          'tasks', 'versions_read'},
                         set(caches.CACHES.stores()))

    def test_bounds_are_options_with_minimums(self):
        opts = {opt.name: opt for opt in conf.list_opts()[0][1]}
        for name in ('cache_max_clouds', 'cache_max_entries'):
            self.assertIn(name, opts)
            self.assertEqual(1, opts[name].type.min)
            self.assertTrue(opts[name].help)


class ResetTestCase(base.OpenStackDriverTestCase):

    def test_reset_empties_every_store(self):
        self.config(server_binding='warn', group='openstack')
        self.server.metadata.clear()
        self.server.name = 'named'
        self.node.driver_info = {'openstack_server': 'named'}
        self.node.save()
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            task.driver.power.get_power_state(task)
            task.driver.management.get_boot_mode(task)
            caches.CACHES.clouds_uploaded_to.add('creds')
            refused = mock.Mock(spec=['get', 'get_endpoint_data',
                                      'default_microversion'],
                                default_microversion=None)
            refused.get_endpoint_data.return_value = None
            refused.get.return_value = mock.Mock(status_code=403)
            caches.CACHES.host_statuses.status('creds', lambda: refused,
                                               'host', 60)
            filled = {name: len(store) for name, store
                      in caches.CACHES.stores().items()}
            self.assertNotIn(0, filled.values(), filled)
            caches.reset()
            self.assertEqual({name: 0 for name in filled},
                             {name: len(store) for name, store
                              in caches.CACHES.stores().items()})


class BoundsTestCase(base.OpenStackDriverTestCase):

    def test_connections_beyond_max_clouds_go(self):
        self.config(cache_max_clouds=2, group='openstack')
        for i in range(4):
            caches.CACHES.connections.get(('cloud', i), None, False,
                                          object)
        self.assertEqual(2, len(caches.CACHES.connections))
        self.assertIsNone(caches.CACHES.connections.peek(('cloud', 0)))
        self.assertIsNotNone(caches.CACHES.connections.peek(('cloud', 3)))

    def test_lookups_beyond_max_entries_go(self):
        self.config(cache_max_entries=3, group='openstack')
        for i in range(5):
            caches.CACHES.lookups.remember_server_id('key', 'n%d' % i, i)
        self.assertEqual(3, len(caches.CACHES.lookups))
        self.assertIsNone(caches.CACHES.lookups.server_id('key', 'n0'))
        self.assertEqual(4, caches.CACHES.lookups.server_id('key', 'n4'))

    def test_clouds_uploaded_to_beyond_max_clouds_go(self):
        self.config(cache_max_clouds=2, group='openstack')
        for creds in 'abc':
            caches.CACHES.clouds_uploaded_to.add(creds)
        self.assertEqual(['b', 'c'],
                         caches.CACHES.clouds_uploaded_to.members())

    def test_warnings_are_given_once_and_bounded(self):
        self.config(server_binding='warn', cache_max_entries=2,
                    group='openstack')
        self.server.metadata.clear()
        creds = mock.Mock(describe=mock.Mock(return_value='cloud'))
        with mock.patch.object(binding.LOG, 'warning',
                               autospec=True) as warning:
            for server_id in ('s1', 's1', 's2', 's3'):
                binding.check(self.node, mock.Mock(id=server_id,
                                                   metadata={}), creds)
        self.assertEqual(3, warning.call_count)
        self.assertEqual(2, len(caches.CACHES.warned))

    def test_listings_beyond_max_clouds_go(self):
        snapshots = server_snapshot.ServerSnapshots(max_clouds=2)
        conn = mock.Mock()
        conn.compute.get.return_value = fn.json_response(
            200, {'servers': []})
        for key in 'abc':
            snapshots.lookup(key, conn, 'server', max_age=60)
        self.assertEqual(['b', 'c'], list(snapshots._snapshots))
        self.assertEqual({'b', 'c'}, set(snapshots._refresh_locks))


class ActedServersShrinkTestCase(base.OpenStackDriverTestCase):
    """The servers acted on are forgotten once no listing predates them."""

    def setUp(self):
        super().setUp()
        self.nodes = [self.node]
        for i in range(1, 4):
            server = self.nova.add_server(name='node-%d' % i,
                                          image_id=self.disk_image.id)
            self.nodes.append(obj_utils.create_test_node(
                self.context, driver='openstack',
                uuid=uuidutils.generate_uuid(), name='n%d' % i,
                driver_info={'openstack_server': server.id}))
            self.mark(server, self.nodes[-1])

    def _power_off_all(self):
        for node in self.nodes:
            with task_manager.acquire(self.context, node.uuid) as task:
                task.driver.power.set_power_state(task, states.POWER_OFF)

    def _sync_read(self, node):
        with task_manager.acquire(self.context, node.uuid,
                                  shared=True) as task:
            return task.driver.power.get_power_state(task)

    def _acted(self):
        return len(caches.CACHES.snapshots._activity)

    def test_without_listings_no_action_is_kept(self):
        self.config(server_list_max_age=0, group='openstack')
        self._power_off_all()
        self.assertEqual(0, self._acted())

    def test_actions_go_once_two_newer_listings_replaced_them(self):
        self.config(server_list_max_age=20, group='openstack')
        with self.moved_clocks() as now:
            self._sync_read(self.node)      # a listing at t=1000
            now[0] += 1
            self._power_off_all()
            self.assertEqual(len(self.nodes), self._acted())
            # The listing predates the actions: they are read fresh.
            self.assertEqual(states.POWER_OFF, self._sync_read(self.node))
            now[0] += 30
            self._sync_read(self.node)      # began after the actions
            now[0] += 30
            self._sync_read(self.node)      # no kept listing predates them
            self.assertEqual(0, self._acted())
            self.assertEqual(states.POWER_OFF,
                             self._sync_read(self.nodes[2]))

    def test_server_acted_on_is_read_fresh_through_later_listings(self):
        self.config(server_list_max_age=20, group='openstack')
        client = os_client.NodeClient(
            self.node, driver_info.parse_driver_info(self.node))
        with self.moved_clocks() as now:
            self._sync_read(self.node)
            with client.acting():
                for _ in range(3):
                    now[0] += 30
                    self._sync_read(self.nodes[1])    # newer listings
                reads = self.nova.compute.get_server.call_count
                self._sync_read(self.node)
                self.assertEqual(reads + 1,
                                 self.nova.compute.get_server.call_count)
            self.assertEqual(1, self._acted())


class RecentSetTestCase(base.DbTestCase):

    def test_add_says_whether_new(self):
        members = caches.RecentSet(10)
        self.assertTrue(members.add('a'))
        self.assertFalse(members.add('a'))
        self.assertIn('a', members)

    def test_discard_says_whether_it_was_there(self):
        members = caches.RecentSet(10)
        members.add('a')
        self.assertTrue(members.discard('a'))
        self.assertFalse(members.discard('a'))
        self.assertNotIn('a', members)
        self.assertTrue(members.add('a'))

    def test_threads_share_one_set(self):
        members = caches.RecentSet(1000)
        threads = [threading.Thread(
            target=lambda i=i: [members.add((i, j)) for j in range(100)])
            for i in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(500, len(members))
