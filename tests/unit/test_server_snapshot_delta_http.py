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

"""Delta listings (changes-since) through the real openstacksdk, over HTTP.

Against the paging Nova of nova_listing_http: each sweep between two full
listings is one request for the servers Nova saved since the last one, and
the snapshot stays what a full listing would show.
"""

import datetime
import time
from unittest import mock
from urllib import parse

from tests.unit import nova_listing_http as nova_http
from tests.unit.nova_listing_http import FakeNovaListing


class DeltaListingOverHttpTestCase(nova_http.NovaOverHttpBase):
    """Delta listings (changes-since) through the real SDK.

    The snapshot stays what a full listing would show.
    """

    def setUp(self):
        super().setUp()
        real_monotonic = time.monotonic
        self.skipped = 0.0
        patcher = mock.patch('time.monotonic', autospec=True,
                             side_effect=lambda: (real_monotonic()
                                                  + self.skipped))
        patcher.start()
        self.addCleanup(patcher.stop)
        FakeNovaListing.clock_offset = time.time() - time.monotonic()
        self.servers = self._servers(25)

    def _lookup(self, index, full_interval=300, margin=10):
        return self.snapshots.lookup(
            'key', self.conn, self.servers[index]['id'], max_age=20,
            full_interval=full_interval, margin=margin)

    def _next_sweep(self, seconds=30):
        self.skipped += seconds

    def _kinds(self):
        return ['delta' if 'changes-since' in url else 'full'
                for url in FakeNovaListing.requests]

    def _stop(self, index):
        FakeNovaListing.update(self.servers[index],
                               **{'OS-EXT-STS:vm_state': 'stopped',
                                  'OS-EXT-STS:power_state': 4})

    def test_idle_sweep_is_one_request_answering_no_servers(self):
        self._lookup(0)
        self._next_sweep()
        for index in range(len(self.servers)):
            self.assertEqual('active', self._lookup(index).vm_state)
        self.assertEqual(['full', 'delta'], self._kinds())
        self.assertEqual([25, 0], FakeNovaListing.answered)

    def _since(self, request):
        query = parse.parse_qs(parse.urlparse(
            FakeNovaListing.requests[request]).query)
        return datetime.datetime.fromisoformat(
            query['changes-since'][0].replace('Z', '+00:00')).timestamp()

    def test_delta_asks_nova_time_of_the_last_listing_minus_margin(self):
        sent_at = FakeNovaListing.now()
        self._lookup(0)
        self._next_sweep()
        self._lookup(0)
        # Nova's Date counts whole seconds, less the round trip (ms here).
        since = self._since(1)
        self.assertLessEqual(since, sent_at - 10)
        self.assertGreater(since, sent_at - 12)
        self.assertEqual(['compute 2.1'] * 2, FakeNovaListing.microversions)

    def test_answer_without_date_reaches_back_the_larger_margin(self):
        FakeNovaListing.dated = False
        sent_at = FakeNovaListing.now()
        self._lookup(0)
        self._stop(3)
        self._next_sweep()
        self.assertEqual('stopped', self._lookup(3).vm_state)
        self.assertEqual(['full', 'delta'], self._kinds())
        since = self._since(1)
        self.assertLessEqual(since, sent_at - 120)
        self.assertGreater(since, sent_at - 122)

    def test_server_saved_while_nova_builds_a_slow_page_is_not_missed(self):
        # Nova reads its database, server 0 is saved, then Nova takes 15 s
        # (more than the margin) to build and send that page: its Date is
        # 15 s after the query that did not see the change.
        def slow_page():
            if len(FakeNovaListing.requests) == 1:
                self._stop(0)
                self.skipped += 15

        FakeNovaListing.during_listing = slow_page
        sent_at = FakeNovaListing.now()
        self.assertEqual('active', self._lookup(0).vm_state)
        self._next_sweep()
        self.assertEqual('stopped', self._lookup(0).vm_state)
        self.assertEqual(['full', 'delta'], self._kinds())
        self.assertLessEqual(self._since(1), sent_at - 10)

    def test_change_is_merged_and_the_rest_kept(self):
        self._lookup(0)
        self._stop(7)
        self._next_sweep()
        self.assertEqual('stopped', self._lookup(7).vm_state)
        self.assertEqual(4, self._lookup(7).power_state)
        self.assertEqual('active', self._lookup(8).vm_state)
        self.assertEqual([25, 1], FakeNovaListing.answered)

    def test_deleted_server_leaves_the_snapshot(self):
        self._lookup(0)
        FakeNovaListing.update(self.servers[3], deleted=True)
        self._next_sweep()
        # None: the node reads its server fresh, and Nova says 404.
        self.assertIsNone(self._lookup(3))
        self.assertEqual('active', self._lookup(4).vm_state)
        self.assertEqual(['full', 'delta'], self._kinds())

    def test_new_server_appears_from_the_delta(self):
        self._lookup(0)
        late = dict(self.servers[0], id='00000000-0000-0000-0000-00000000'
                                        '0999', name='late')
        FakeNovaListing.update(late)
        self.servers.append(late)
        self._next_sweep()
        self.assertEqual('active', self._lookup(-1).vm_state)
        self.assertEqual(['full', 'delta'], self._kinds())

    def test_update_while_nova_answers_is_seen_by_the_next_delta(self):
        # Server 0 is on the first page; it stops after Nova read that page
        # and 1.5 s before the Date of Nova's answer; server 24 stops after
        # Nova read the last page, seconds after it answered the first.
        FakeNovaListing.max_limit = 10
        FakeNovaListing.answer_seconds = 1.5

        def stop_once():
            if len(FakeNovaListing.requests) == 1:
                self._stop(0)
            elif len(FakeNovaListing.requests) == 3:
                self._stop(24)

        FakeNovaListing.during_listing = stop_once
        self.assertEqual('active', self._lookup(0).vm_state)
        self.assertEqual('active', self._lookup(24).vm_state)
        self._next_sweep()
        self.assertEqual('stopped', self._lookup(0).vm_state)
        self.assertEqual('stopped', self._lookup(24).vm_state)
        self.assertEqual(['full'] * 3 + ['delta'], self._kinds())
        self.assertEqual([10, 10, 5, 2], FakeNovaListing.answered)

    def test_changes_filling_a_page_fall_back_to_a_full_listing(self):
        FakeNovaListing.max_limit = 10
        self._lookup(0)
        for index in range(12):
            self._stop(index)
        self._next_sweep()
        for index in range(25):
            self.assertEqual('stopped' if index < 12 else 'active',
                             self._lookup(index).vm_state)
        self.assertEqual(['full'] * 3 + ['delta'] + ['full'] * 3,
                         self._kinds())

    def test_nova_clock_jumping_back_falls_back_to_a_full_listing(self):
        self._lookup(0)
        FakeNovaListing.clock_offset -= 60
        # Saved with the jumped clock: before the delta's changes-since.
        self._stop(5)
        self._next_sweep()
        self.assertEqual('stopped', self._lookup(5).vm_state)
        self.assertEqual(['full', 'delta', 'full'], self._kinds())

    def test_full_listing_every_full_interval(self):
        for sweep in range(5):
            self._lookup(0, full_interval=100)
            self._next_sweep()
        self.assertEqual(['full', 'delta', 'delta', 'delta', 'full'],
                         self._kinds())

    def test_full_interval_zero_lists_all_every_time(self):
        for sweep in range(3):
            self._lookup(0, full_interval=0)
            self._next_sweep()
        self.assertEqual(['full'] * 3, self._kinds())

    def test_listing_after_a_failed_one_is_full(self):
        self._lookup(0)
        self._next_sweep()
        FakeNovaListing.status = 500
        self.assertIsNone(self._lookup(0))
        FakeNovaListing.status = 200
        self._stop(0)
        self._next_sweep()
        self.assertEqual('stopped', self._lookup(0).vm_state)
        self.assertEqual(['full', 'delta', 'full'], self._kinds())
