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

"""A Nova that pages /servers/detail, over HTTP on 127.0.0.1.

FakeNovaListing answers GET /servers/detail the way Nova pages it (at most
max_limit servers a page, a "next" link only when a page is full, deleted
servers in changes-since listings), so that the number of requests the real
SDK sends is what Nova would see; NovaOverHttpBase points a real
openstacksdk Connection at it.
"""

import datetime
import email.utils
import http.server
import json
import threading
import time
import unittest
from urllib import parse

from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session
from openstack import connection

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
