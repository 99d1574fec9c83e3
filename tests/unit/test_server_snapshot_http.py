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

"""The shared listing through the real openstacksdk, over HTTP.

A small HTTP server on 127.0.0.1 answers GET /servers/detail the way Nova
pages it (at most max_limit servers a page, a "next" link only when a page
is full), so that the number of requests the real SDK sends is what Nova
would see.
"""

import datetime
import email.utils
import http.server
import json
import threading
import time
import unittest
from unittest import mock
from urllib import parse

from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session
from openstack import connection
from openstack import exceptions as sdk_exc

from ironic_openstack_driver import server_snapshot

MAX_LIMIT = 1000


class FakeNovaListing(http.server.BaseHTTPRequestHandler):
    """GET /servers/detail as Nova answers it.

    Each server (Nova's 2.1 JSON) carries 'updated_at' (epoch seconds,
    stamped by update()) and 'deleted'. Without changes-since the listing
    shows the servers not deleted; with it, those with updated_at at or
    after it, deleted ones included (status DELETED), as
    nova/api/openstack/compute/servers.py and nova/db/main/api.py do. The
    Date header comes from Nova's clock: time.monotonic() (which the tests
    move) plus clock_offset, in whole seconds. during_listing() runs after
    a page is read and before it is answered, as an update that lands while
    Nova builds its answer; answer_seconds moves Nova's clock meanwhile.
    """
    servers = []
    requests = []
    answered = []       # servers in each answer
    microversions = []
    status = 200
    max_limit = MAX_LIMIT
    clock_offset = 0.0
    answer_seconds = 0.0
    during_listing = None
    dated = True

    @classmethod
    def now(cls):
        return time.monotonic() + cls.clock_offset

    @classmethod
    def update(cls, server, **fields):
        server.update(fields)
        server['updated_at'] = cls.now()

    def log_message(self, *args):
        pass

    def date_time_string(self, timestamp=None):
        return email.utils.formatdate(self.now(), usegmt=True)

    def send_response(self, code, message=None):
        if self.dated:
            return super().send_response(code, message)
        # As a proxy that drops the Date header would answer.
        self.log_request(code)
        self.send_response_only(code, message)

    def _send(self, body, status=200):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _visible(self, query):
        if 'changes-since' not in query:
            return [s for s in self.servers if not s['deleted']]
        since = datetime.datetime.fromisoformat(
            query['changes-since'][0].replace('Z', '+00:00')).timestamp()
        return [s for s in self.servers if s['updated_at'] >= since]

    @staticmethod
    def _view(server):
        view = {k: v for k, v in server.items()
                if k not in ('updated_at', 'deleted')}
        if server['deleted']:
            view.update({'status': 'DELETED',
                         'OS-EXT-STS:vm_state': 'deleted'})
        return view

    def do_GET(self):
        url = parse.urlparse(self.path)
        base = 'http://%s:%s/v2.1' % self.server.server_address
        if url.path.rstrip('/') == '/v2.1':
            return self._send({'version': {
                'id': 'v2.1', 'status': 'CURRENT', 'version': '2.100',
                'min_version': '2.1',
                'links': [{'rel': 'self', 'href': base + '/'}]}})
        assert url.path == '/v2.1/servers/detail', url.path
        cls = type(self)
        cls.requests.append(self.path)
        cls.microversions.append(
            self.headers.get('OpenStack-API-Version'))
        if self.status != 200:
            return self._send({'computeFault': {
                'code': self.status, 'message': 'Unexpected API Error'}},
                self.status)
        query = parse.parse_qs(url.query)
        assert set(query) <= {'changes-since', 'limit', 'marker'}, query
        limit = min(int(query.get('limit', [self.max_limit])[0]),
                    self.max_limit)
        servers = self._visible(query)
        ids = [s['id'] for s in servers]
        start = ids.index(query['marker'][0]) + 1 if 'marker' in query else 0
        page = [self._view(s) for s in servers[start:start + limit]]
        if cls.during_listing is not None:
            cls.during_listing()
        cls.clock_offset += self.answer_seconds
        cls.answered.append(len(page))
        body = {'servers': page}
        if len(page) == limit:
            query.pop('marker', None)
            query.update({'limit': [str(limit)],
                          'marker': [page[-1]['id']]})
            body['servers_links'] = [{
                'rel': 'next',
                'href': '%s/servers/detail?%s' % (
                    base, parse.urlencode(query, doseq=True))}]
        self._send(body)


class NovaOverHttpBase(unittest.TestCase):
    """The real SDK against FakeNovaListing on 127.0.0.1."""

    def setUp(self):
        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     FakeNovaListing)
        threading.Thread(target=self.httpd.serve_forever,
                         daemon=True).start()
        self.addCleanup(self.httpd.server_close)
        self.addCleanup(self.httpd.shutdown)
        FakeNovaListing.requests = []
        FakeNovaListing.answered = []
        FakeNovaListing.microversions = []
        FakeNovaListing.status = 200
        FakeNovaListing.max_limit = MAX_LIMIT
        FakeNovaListing.clock_offset = time.time() - time.monotonic()
        FakeNovaListing.answer_seconds = 0.0
        FakeNovaListing.during_listing = None
        FakeNovaListing.dated = True
        endpoint = 'http://127.0.0.1:%d/v2.1' % self.httpd.server_address[1]
        self.conn = connection.Connection(
            session=ks_session.Session(auth=noauth.NoAuth()),
            compute_endpoint_override=endpoint)
        self.snapshots = server_snapshot.ServerSnapshots()

    def _servers(self, count):
        FakeNovaListing.servers = [
            {'id': '00000000-0000-0000-0000-%012d' % i, 'name': 'n%d' % i,
             'status': 'ACTIVE', 'OS-EXT-STS:vm_state': 'active',
             'OS-EXT-STS:task_state': None, 'OS-EXT-STS:power_state': 1,
             # Saved an hour ago, long before any listing of a test.
             'updated_at': FakeNovaListing.now() - 3600, 'deleted': False}
            for i in range(count)]
        return FakeNovaListing.servers


class ListingOverHttpTestCase(NovaOverHttpBase):

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


class DeltaListingOverHttpTestCase(NovaOverHttpBase):
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
