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

"""Full server listings through the real openstacksdk, over HTTP.

Against the paging Nova of nova_listing_http (at most max_limit servers a
page, a "next" link only when a page is full), so that the number of
requests the real SDK sends is what Nova would see.
test_server_snapshot_delta_http.py has the delta listings.
"""

from openstack import exceptions as sdk_exc

from ironic_openstack_driver import server_snapshot
from tests.unit import nova_listing_http as nova_http
from tests.unit.nova_listing_http import FakeNovaListing


class ListingOverHttpTestCase(nova_http.NovaOverHttpBase):

    def test_fewer_servers_than_a_page_take_one_request(self):
        servers = self._servers(250)
        found = self.snapshots.lookup('key', self.conn, servers[42]['id'],
                                      max_age=60)
        self.assertEqual('active', found.vm_state)
        self.assertEqual(1, len(FakeNovaListing.requests))
        # Every other server is answered from the same listing.
        for server in servers:
            self.snapshots.lookup('key', self.conn, server['id'], 60)
        self.assertEqual(1, len(FakeNovaListing.requests))

    def test_many_servers_take_one_request_per_full_page(self):
        servers = self._servers(2500)
        found = self.snapshots.lookup('key', self.conn, servers[-1]['id'],
                                      max_age=60)
        self.assertEqual(servers[-1]['id'], found.id)
        self.assertEqual(3, len(FakeNovaListing.requests))

    def test_a_full_last_page_costs_one_empty_page_more(self):
        # Nova links a next page whenever a page is full: 1000 servers
        # take 2 requests, the second one answering no servers.
        servers = self._servers(1000)
        self.snapshots.lookup('key', self.conn, servers[0]['id'], 60)
        self.assertEqual(2, len(FakeNovaListing.requests))

    def test_listing_asks_for_the_2_1_server_view(self):
        servers = self._servers(3)
        servers[1].update({'OS-EXT-STS:vm_state': 'rescued',
                           'OS-EXT-STS:power_state': 4,
                           'OS-EXT-STS:task_state': 'unrescuing',
                           'image': ''})
        servers[2]['image'] = {'id': 'img-2', 'links': []}
        listed = server_snapshot.list_servers(self.conn.compute).servers
        self.assertEqual(['compute 2.1'], FakeNovaListing.microversions)
        one = listed[servers[1]['id']]
        self.assertEqual(('rescued', 'unrescuing', 4, {}),
                         (one.vm_state, one.task_state, one.power_state,
                          one.image))
        self.assertEqual({'id': 'img-2', 'links': []},
                         listed[servers[2]['id']].image)

    def test_http_error_is_the_sdks_exception(self):
        self._servers(3)
        FakeNovaListing.status = 500
        self.assertRaises(sdk_exc.HttpException,
                          server_snapshot.list_servers, self.conn.compute)
