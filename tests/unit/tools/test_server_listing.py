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

"""Many servers: the listing-based wait, batches by multi-create, and
deletion (server_listing.py, through create_servers)."""

import io

from ironic_openstack_driver.tools import common
from ironic_openstack_driver.tools import server_listing
from ironic_openstack_driver.tools import servers
from tests.unit.tools import base


class ManyServersTests(base.ToolTestCase):

    def setUp(self):
        super().setUp()
        self.cloud.add_image('blank')
        self.report = common.Report(servers.COLUMNS, out=io.StringIO(),
                                    err=io.StringIO())

    def create(self, count, **kwargs):
        return servers.create_servers(self.cloud.conn, self.report, 'bm',
                                      count, 'bm.small', 'blank', None,
                                      **kwargs)

    def names(self):
        return sorted(s['name'] for s in self.cloud.servers.values())

    def test_waiting_for_forty_servers_reads_listings_not_each_server(self):
        ok, rows = self.create(40)
        self.assertTrue(ok, self.report.err.getvalue())
        self.assertEqual({'SHUTOFF'}, {row[2] for row in rows.values()})
        # One listing per round: to find what exists, then until built,
        # then until stopped; never a GET per server.
        self.cloud.compute.get_server.assert_not_called()
        self.assertLessEqual(self.cloud.listings, 7)

    def test_a_failed_listing_counts_as_not_yet(self):
        original = self.cloud._create_server

        def then_fail(**attrs):
            # The wait's first listing fails as openstacksdk's "endless
            # pagination loop" check makes it fail.
            self.cloud.failed_listings = 1
            return original(**attrs)
        self.cloud.compute.create_server.side_effect = then_fail
        ok, rows = self.create(3, power_off=False)
        self.assertTrue(ok, self.report.err.getvalue())
        self.assertEqual(0, self.cloud.failed_listings)
        self.assertEqual({'ACTIVE'}, {row[2] for row in rows.values()})

    def test_batch_makes_servers_in_multi_create_requests_named_as_usual(
            self):
        ok, rows = self.create(5, batch=2, power_off=False)
        self.assertTrue(ok, self.report.err.getvalue())
        requests = [(c.kwargs['min_count'], c.kwargs['max_count'],
                     c.kwargs['networks']) for c in
                    self.cloud.compute.create_server.call_args_list]
        self.assertEqual([(2, 2, 'none'), (2, 2, 'none'), (1, 1, 'none')],
                         requests)
        self.assertEqual(['bm-0', 'bm-1', 'bm-2', 'bm-3', 'bm-4'],
                         self.names())
        self.assertEqual(['bm-0', 'bm-1', 'bm-2', 'bm-3', 'bm-4'],
                         list(rows))
        for name, (server_id, result, status, _mac, _port) in rows.items():
            self.assertEqual(name, self.cloud.servers[server_id]['name'])
            self.assertEqual(('created', 'ACTIVE'), (result, status))

    def test_batch_grows_by_the_missing_servers_only(self):
        self.create(3, batch=100)
        first = {s['name']: sid for sid, s in self.cloud.servers.items()}
        ok, rows = self.create(5, batch=100)
        self.assertTrue(ok, self.report.err.getvalue())
        self.assertEqual(['bm-0', 'bm-1', 'bm-2', 'bm-3', 'bm-4'],
                         self.names())
        self.assertEqual(2, self.cloud.compute.create_server.call_args
                         .kwargs['max_count'])
        for name, server_id in first.items():
            self.assertEqual((server_id, 'exists'), tuple(rows[name][:2]))
        self.assertEqual('created', rows['bm-4'][1])

    def test_batch_servers_nova_failed_to_build_are_named_and_not_ok(self):
        # Nova numbers the servers of one request NAME-1 ... NAME-N.
        self.cloud.failing_batches = [{2}]
        ok, rows = self.create(3, batch=3)
        self.assertFalse(ok)
        self.assertEqual(['SHUTOFF', 'ERROR', 'SHUTOFF'],
                         [row[2] for row in rows.values()])
        self.assertIn('server bm-1', self.report.err.getvalue())
        self.assertIn('No valid host was found.', self.report.err.getvalue())
        self.assertEqual(2, self.cloud.compute.stop_server.call_count)

    def test_batch_with_a_provisioning_network_is_refused_before_anything(
            self):
        self.assertRaisesRegex(
            common.ToolError, 'without a provisioning port',
            servers.create_servers, self.cloud.conn, self.report, 'bm', 2,
            'bm.small', 'blank', 'prov', batch=10)
        self.cloud.compute.create_server.assert_not_called()
        self.cloud.network.create_port.assert_not_called()

    def test_delete_servers_waits_until_none_is_listed(self):
        ok, rows = self.create(4, batch=4)
        ids = [row[0] for row in rows.values()][:3]
        server_listing.delete_servers(self.cloud.conn, self.report, 'bm',
                                      ids, timeout=60)
        self.assertEqual(['bm-3'], self.names())
        self.assertEqual(3, self.cloud.compute.delete_server.call_count)

    def test_servers_a_stopped_batch_left_unrenamed_are_deleted_first(self):
        # A run stopped between Nova's multi-create and the renames left
        # a batch of two (Nova numbered them) and a batch of one.
        for name in ('bm-batch-0a1b2c-1', 'bm-batch-0a1b2c-2',
                     'bm-batch-3d4e5f'):
            self.cloud.add_server(name, status='ACTIVE')
        # Not names a batch gives: left alone.
        for name in ('bm-batchy', 'bm-batch-notHex-1', 'bm-7'):
            self.cloud.add_server(name, status='ACTIVE')
        ok, rows = self.create(2, batch=10, power_off=False)
        self.assertTrue(ok, self.report.err.getvalue())
        self.assertEqual(['bm-0', 'bm-1', 'bm-7', 'bm-batch-notHex-1',
                          'bm-batchy'], self.names())
        self.assertEqual(3, self.cloud.compute.delete_server.call_count)
        self.assertIn('bm-batch-0a1b2c-1, bm-batch-0a1b2c-2, '
                      'bm-batch-3d4e5f', self.report.err.getvalue())
