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

"""A small Keystone and Nova over HTTP on 127.0.0.1, for the real SDK.

Keystone v3 answers version discovery and password logins (POST
/v3/auth/tokens) the way Keystone does: 401 with its own body for a wrong
user, password or project, else a token whose catalog has a compute
endpoint in region RegionOne only. Nova, on a port of its own, answers its
version document and GET /v2.1/servers/{id}. Faults a test can ask for:

* ``close_next``: that many coming Nova requests get their connection
  closed without an answer (a keep-alive connection the server closed
  just as the client reused it);
* ``fail_next``: that many coming Nova requests get an HTTP 503;
* ``hang()``: Nova takes every request and answers none until
  ``resume()`` (a nova-api stopped by SIGSTOP: the kernel still accepts
  connections). Keystone keeps answering;
* ``stop_nova()``: Nova's port refuses connections (nova-api stopped);
  Keystone keeps answering.

Glance, on a third port (in the catalog without a version, as Glance
registers itself), answers its version document (300 Multiple Choices) and
GET /v2/images/{id} for ``IMAGE``; ``hang_glance()`` makes it take every
request and answer none.
"""

import http.server
import json
import threading

from ironic_openstack_driver.cloud import NODE_MARK
from tests.unit import fake_nova_server as fns

USER, PASSWORD, PROJECT = 'ironic', 'right-password-42', 'baremetal'
IMAGE = 'a1b2c3d4-0000-0000-0000-000000000001'
REGION = 'RegionOne'


class FakeCloudHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    servers = {}
    requests = []
    # Every request, Keystone's too.
    hits = 0
    logins = 0
    close_next = 0
    fail_next = 0
    # Nova's newest microversion (below 2.98 a server read embeds no
    # image properties: the driver reads them from Glance).
    max_microversion = '2.100'
    # Base URL of Nova (its own listener), for the catalog.
    nova_base = None
    # Set once Nova is stopped: a request on a connection it had kept
    # alive is dropped unanswered.
    nova_stopped = False
    # Cleared while Nova hangs.
    answering = threading.Event()

    def log_message(self, *args):
        pass

    @property
    def base(self):
        return 'http://%s:%s' % self.server.server_address

    def _send(self, body, status=200, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _keystone_version(self):
        return {'version': {
            'id': 'v3.14', 'status': 'stable',
            'links': [{'rel': 'self', 'href': self.base + '/v3/'}]}}

    def do_GET(self):
        cls = type(self)
        cls.hits += 1
        path = self.path.rstrip('/')
        if path == '/v3':
            return self._send(self._keystone_version())
        cls.requests.append('GET ' + self.path)
        if cls.nova_stopped:
            self.close_connection = True
            return
        cls.answering.wait()
        if cls.close_next:
            cls.close_next -= 1
            self.close_connection = True
            return
        if cls.fail_next:
            cls.fail_next -= 1
            return self._send({'computeFault': {
                'code': 503, 'message': 'Service Unavailable'}}, 503)
        if path == '/v2.1':
            return self._send({'version': {
                'id': 'v2.1', 'status': 'CURRENT',
                'version': cls.max_microversion,
                'min_version': '2.1',
                'links': [{'rel': 'self', 'href': self.base + '/v2.1/'}]}})
        prefix = '/v2.1/servers/'
        if path.startswith(prefix) and path[len(prefix):] in cls.servers:
            return self._send({'server': cls.servers[path[len(prefix):]]})
        self._send({'itemNotFound': {'code': 404, 'message': 'Not found'}},
                   404)

    def do_POST(self):
        length = int(self.headers.get('Content-Length') or 0)
        body = json.loads(self.rfile.read(length) or b'{}')
        type(self).hits += 1
        if self.path.rstrip('/') != '/v3/auth/tokens':
            return self._send({}, 404)
        cls = type(self)
        cls.logins += 1
        identity = body['auth']['identity']
        user = identity.get('password', {}).get('user', {})
        project = body['auth'].get('scope', {}).get('project', {})
        if (user.get('name'), user.get('password'),
                project.get('name')) != (USER, PASSWORD, PROJECT):
            return self._send({'error': {
                'code': 401, 'title': 'Unauthorized',
                'message': 'The request you have made requires '
                           'authentication.'}}, 401)
        catalog = [{'type': 'compute', 'name': 'nova', 'id': 'nova',
                    'endpoints': [{'interface': 'public', 'id': 'ep1',
                                   'region': REGION, 'region_id': REGION,
                                   'url': cls.nova_base + '/v2.1'}]},
                   {'type': 'image', 'name': 'glance', 'id': 'glance',
                    'endpoints': [{'interface': 'public', 'id': 'ep2',
                                   'region': REGION, 'region_id': REGION,
                                   'url': GlanceHandler.base_url}]}]
        token = {'token': {
            'methods': ['password'], 'expires_at': '2999-01-01T00:00:00Z',
            'issued_at': '2026-01-01T00:00:00Z',
            'user': {'id': 'u1', 'name': USER,
                     'domain': {'id': 'default', 'name': 'Default'}},
            'project': {'id': 'p1', 'name': PROJECT,
                        'domain': {'id': 'default', 'name': 'Default'}},
            'roles': [{'id': 'r1', 'name': 'member'}],
            'catalog': catalog}}
        self._send(token, 201, {'X-Subject-Token': 'tok-1'})


class GlanceHandler(FakeCloudHandler):
    """Glance: its version document and one image."""

    requests = []
    base_url = None
    answering = threading.Event()

    def do_GET(self):
        cls = type(self)
        cls.requests.append('GET ' + self.path)
        cls.answering.wait()
        path = self.path.rstrip('/')
        if path == '':
            return self._send({'versions': [{
                'id': 'v2.16', 'status': 'CURRENT',
                'links': [{'rel': 'self', 'href': self.base + '/v2/'}]}]},
                300)
        if path == '/v2/images/' + IMAGE:
            return self._send({
                'id': IMAGE, 'name': 'node-image', 'status': 'active',
                'hw_firmware_type': 'uefi', 'os_shutdown_timeout': 5})
        self._send({'code': 404, 'title': 'Not Found'}, 404)


def _serve(test, handler=FakeCloudHandler):
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    # An answer to a request the client gave up on (hang) fails to send.
    httpd.handle_error = lambda request, client_address: None
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    test.addCleanup(httpd.server_close)
    test.addCleanup(httpd.shutdown)
    return httpd


_nova = None


def start(test):
    """Serve Keystone and Nova for the test; returns Keystone's base URL."""
    global _nova
    FakeCloudHandler.servers = {}
    FakeCloudHandler.requests = []
    FakeCloudHandler.hits = 0
    FakeCloudHandler.logins = 0
    FakeCloudHandler.close_next = 0
    FakeCloudHandler.fail_next = 0
    FakeCloudHandler.max_microversion = '2.100'
    FakeCloudHandler.nova_stopped = False
    FakeCloudHandler.answering.set()
    test.addCleanup(FakeCloudHandler.answering.set)
    GlanceHandler.requests = []
    GlanceHandler.answering.set()
    test.addCleanup(GlanceHandler.answering.set)
    keystone = _serve(test)
    _nova = _serve(test)
    glance = _serve(test, GlanceHandler)
    GlanceHandler.base_url = 'http://%s:%s' % glance.server_address
    FakeCloudHandler.nova_base = 'http://%s:%s' % _nova.server_address
    return 'http://%s:%s' % keystone.server_address


def stop_nova():
    """Nova stops: its port refuses connections, kept ones are dropped."""
    FakeCloudHandler.nova_stopped = True
    _nova.shutdown()
    _nova.server_close()


def hang():
    """Nova stops answering (requests wait) until resume()."""
    FakeCloudHandler.answering.clear()


def resume():
    """Nova answers again, the waiting requests first."""
    FakeCloudHandler.answering.set()


def hang_glance():
    """Glance stops answering (requests wait until the test ends)."""
    GlanceHandler.answering.clear()


def server(server_id, vm_state='active', power_state=1, task_state=None):
    """A server as Nova's API shows it."""
    default, by_task = fns.STATUS[vm_state]
    body = {'id': server_id, 'name': 'node-0',
            'status': by_task.get(task_state, default),
            'OS-EXT-STS:vm_state': vm_state,
            'OS-EXT-STS:task_state': task_state,
            'OS-EXT-STS:power_state': power_state,
            'image': {'id': IMAGE}}
    FakeCloudHandler.servers[server_id] = body
    return body


def mark(server_id, node_uuid):
    """Mark a server for a node (its metadata), as the tooling does."""
    FakeCloudHandler.servers[server_id]['metadata'] = {
        NODE_MARK: node_uuid}
