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

"""Server names follow Nova: revalidated by full listings and reads."""

import unittest
from unittest import mock

from ironic.common import exception
from ironic.common import states
from ironic.conductor import task_manager

from ironic_openstack_driver import cloud_lookups
from ironic_openstack_driver import server_snapshot
from tests.unit import base
from tests.unit import fake_nova as fn


def listed(server_id, name):
    return server_snapshot.ListedServer(
        id=server_id, vm_state='active', task_state=None, power_state=1,
        image={}, name=name)


class CloudLookupsTestCase(unittest.TestCase):

    def test_full_listing_follows_renames_and_drops_ambiguous_names(self):
        lookups = cloud_lookups.CloudLookups(max_size=100)
        for name, server_id in (('moved', 'a'), ('kept', 'b'),
                                ('gone', 'c'), ('twice', 'd')):
            lookups.remember_server_id('cloud', name, server_id)
        lookups.remember_server_id('other cloud', 'gone', 'c')
        lookups.revalidate_server_names('cloud', [
            listed('e', 'moved'), listed('a', 'renamed'), listed('b', 'kept'),
            listed('d', 'twice'), listed('f', 'twice')])
        self.assertEqual('e', lookups.server_id('cloud', 'moved'))
        self.assertEqual('b', lookups.server_id('cloud', 'kept'))
        self.assertIsNone(lookups.server_id('cloud', 'gone'))
        self.assertIsNone(lookups.server_id('cloud', 'twice'))
        # Another cloud's names are not the listing's to judge.
        self.assertEqual('c', lookups.server_id('other cloud', 'gone'))

    def test_bounded_least_recently_used_first(self):
        lookups = cloud_lookups.CloudLookups(max_size=2)
        lookups.remember_server_id('cloud', 'a', '1')
        lookups.remember_server_id('cloud', 'b', '2')
        lookups.server_id('cloud', 'a')
        lookups.remember_glance_properties('cloud', 'img', {})
        self.assertEqual(2, len(lookups))
        self.assertEqual('1', lookups.server_id('cloud', 'a'))
        self.assertIsNone(lookups.server_id('cloud', 'b'))

    def test_an_image_glance_did_not_find_is_read_again_after_the_ttl(self):
        lookups = cloud_lookups.CloudLookups(max_size=100)
        with mock.patch('time.monotonic', autospec=True,
                        return_value=1000.0) as monotonic:
            lookups.remember_glance_properties('cloud', 'img', None)
            self.assertEqual((True, None),
                             lookups.glance_properties('cloud', 'img'))
            monotonic.return_value += cloud_lookups.IMAGE_GONE_TTL
            self.assertEqual((False, None),
                             lookups.glance_properties('cloud', 'img'))


class ServerNameTestCase(base.OpenStackDriverTestCase):
    """A node whose driver_info names its server, read by Ironic's sync."""

    def setUp(self):
        super().setUp()
        self.node.driver_info = {'openstack_server': 'node-0'}
        self.node.save()
        self.now = [1000.0]
        monotonic = mock.patch('time.monotonic', autospec=True,
                               side_effect=lambda: self.now[0])
        monotonic.start()
        self.addCleanup(monotonic.stop)

    def _sync_read(self):
        """A power state read as Ironic's power sync does it."""
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            return task.driver.power.get_power_state(task)

    def _next_full_listing(self):
        self.now[0] += 301

    def test_second_server_of_the_name_is_refused_at_the_next_full_listing(
            self):
        self.assertEqual(states.POWER_ON, self._sync_read())
        self.nova.add_server(name='node-0', vm_state=fn.STOPPED,
                             power_state=fn.SHUTDOWN)
        self._next_full_listing()
        exc = self.assertRaises(exception.InvalidParameterValue,
                                self._sync_read)
        self.assertIn('several servers', str(exc))
        self.assertIn(self.node.uuid, str(exc))

    def test_name_given_to_another_server_is_followed(self):
        self.assertEqual(states.POWER_ON, self._sync_read())
        self.server.name = 'retired'
        successor = self.nova.add_server(name='node-0', vm_state=fn.STOPPED,
                                         power_state=fn.SHUTDOWN)
        self.mark(successor, self.node)
        self._next_full_listing()
        self.assertEqual(states.POWER_OFF, self._sync_read())

    def test_renamed_server_is_seen_by_its_own_read(self):
        # No listing: each read is a GET of the server remembered.
        self.config(server_list_max_age=0, group='openstack')
        self.assertEqual(states.POWER_ON, self._sync_read())
        self.server.name = 'retired'
        successor = self.nova.add_server(name='node-0', vm_state=fn.STOPPED,
                                         power_state=fn.SHUTDOWN)
        self.mark(successor, self.node)
        self.assertEqual(states.POWER_OFF, self._sync_read())
        self.assertEqual(states.POWER_OFF, self._sync_read())
        self.assertEqual(2, self.nova.compute.find_server.call_count)

    def test_renamed_server_without_successor_is_a_clear_error(self):
        self.config(server_list_max_age=0, group='openstack')
        self._sync_read()
        self.server.name = 'retired'
        exc = self.assertRaises(exception.InvalidParameterValue,
                                self._sync_read)
        self.assertIn('"node-0" matches no server', str(exc))

    def test_unchanged_name_is_looked_up_once(self):
        for _ in range(3):
            self.assertEqual(states.POWER_ON, self._sync_read())
            self._next_full_listing()
        self.assertEqual(1, self.nova.compute.find_server.call_count)
        self.assertEqual(3, self.nova.listings)
