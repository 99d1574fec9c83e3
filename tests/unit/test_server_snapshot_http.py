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

import http.server
import json
import threading
import unittest
from urllib import parse

from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session
from openstack import connection
from openstack import exceptions as sdk_exc

from ironic_openstack_driver import server_snapshot

MAX_LIMIT = 1000


class FakeNovaListing(http.server.BaseHTTPRequestHandler):
    servers = []
    requests = []
    microversions = []
    status = 200

    def log_message(self, *args):
        pass

    def _send(self, body, status=200):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = parse.urlparse(self.path)
        base = 'http://%s:%s/v2.1' % self.server.server_address
        if url.path.rstrip('/') == '/v2.1':
            return self._send({'version': {
                'id': 'v2.1', 'status': 'CURRENT', 'version': '2.100',
                'min_version': '2.1',
                'links': [{'rel': 'self', 'href': base + '/'}]}})
        assert url.path == '/v2.1/servers/detail', url.path
        type(self).requests.append(self.path)
        type(self).microversions.append(
            self.headers.get('OpenStack-API-Version'))
        if self.status != 200:
            return self._send({'computeFault': {
                'code': self.status, 'message': 'Unexpected API Error'}},
                self.status)
        query = parse.parse_qs(url.query)
        limit = min(int(query.get('limit', [MAX_LIMIT])[0]), MAX_LIMIT)
        ids = [s['id'] for s in self.servers]
        start = ids.index(query['marker'][0]) + 1 if 'marker' in query else 0
        page = self.servers[start:start + limit]
        body = {'servers': page}
        if len(page) == limit:
            body['servers_links'] = [{
                'rel': 'next',
                'href': '%s/servers/detail?limit=%d&marker=%s' % (
                    base, limit, page[-1]['id'])}]
        self._send(body)


class ListingOverHttpTestCase(unittest.TestCase):

    def setUp(self):
        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     FakeNovaListing)
        threading.Thread(target=self.httpd.serve_forever,
                         daemon=True).start()
        self.addCleanup(self.httpd.server_close)
        self.addCleanup(self.httpd.shutdown)
        FakeNovaListing.requests = []
        FakeNovaListing.microversions = []
        FakeNovaListing.status = 200
        endpoint = 'http://127.0.0.1:%d/v2.1' % self.httpd.server_address[1]
        self.conn = connection.Connection(
            session=ks_session.Session(auth=noauth.NoAuth()),
            compute_endpoint_override=endpoint)
        self.snapshots = server_snapshot.ServerSnapshots()

    def _servers(self, count):
        FakeNovaListing.servers = [
            {'id': '00000000-0000-0000-0000-%012d' % i, 'name': 'n%d' % i,
             'status': 'ACTIVE', 'OS-EXT-STS:vm_state': 'active',
             'OS-EXT-STS:task_state': None, 'OS-EXT-STS:power_state': 1}
            for i in range(count)]
        return FakeNovaListing.servers

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
        listed = server_snapshot.list_servers(self.conn.compute)
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
