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

"""Request counting: which system sent which Nova request and asked
Keystone for how many tokens.

Every system has its own Keystone user, so nova-api's request log
(``nova.api.openstack.requestlog``, which carries the user id) attributes
each Nova request exactly; Keystone's access log does not name the user, so
each system's token requests pass a relay that tags their User-Agent.
"""

import re
import socket
import threading

from bench.common import HOST
from bench.common import local_ts
from bench.common import read_from

# -- Keystone attribution ---------------------------------------------------


class KeystoneRelay:
    """A loopback TCP relay in front of Keystone for one system.

    The system's clouds.yaml auth_url points here. Each request passes
    unchanged except that ``ios-bench-system/<name>`` is appended to its
    User-Agent, so that Keystone's own access log (which records the
    agent) says which system asked for every token. Responses are relayed
    byte for byte; only Keystone traffic passes here (the catalog still
    sends Nova requests straight to nova-api).
    """

    def __init__(self, system, port, upstream_port):
        self.tag = ('ios-bench-system/%s' % system).encode()
        self.port = port
        self.upstream = (HOST, upstream_port)
        self.token_posts = 0
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((HOST, port))
        self.sock.listen(64)
        self.sock.settimeout(0.5)
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self):
        return 'http://%s:%d/v3' % (HOST, self.port)

    def stop(self):
        self.stopped.set()
        self.sock.close()

    def _accept(self):
        while not self.stopped.is_set():
            try:
                client, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=30)
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            threading.Thread(target=self._requests, args=(client, upstream),
                             daemon=True).start()
            threading.Thread(target=self._copy, args=(upstream, client),
                             daemon=True).start()

    @staticmethod
    def _copy(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        _shut_down(src, dst)

    def _requests(self, client, upstream):
        buf = b''
        try:
            while True:
                while b'\r\n\r\n' not in buf:
                    data = client.recv(65536)
                    if not data:
                        raise EOFError
                    buf += data
                head, buf = buf.split(b'\r\n\r\n', 1)
                lines = head.split(b'\r\n')
                length, chunked, tagged = 0, False, False
                for i, line in enumerate(lines[1:], 1):
                    name, _, value = line.partition(b':')
                    lname = name.strip().lower()
                    if lname == b'content-length':
                        length = int(value.strip() or 0)
                    elif lname == b'transfer-encoding' and \
                            b'chunked' in value.lower():
                        chunked = True
                    elif lname == b'user-agent':
                        lines[i] = line + b' ' + self.tag
                        tagged = True
                if not tagged:
                    lines.append(b'User-Agent: ' + self.tag)
                if lines[0].startswith(b'POST /v3/auth/tokens'):
                    with self.lock:
                        self.token_posts += 1
                upstream.sendall(b'\r\n'.join(lines) + b'\r\n\r\n')
                if chunked:          # not sent by keystoneauth: pass the rest
                    upstream.sendall(buf)
                    self._copy(client, upstream)
                    return
                while len(buf) < length:
                    data = client.recv(65536)
                    if not data:
                        raise EOFError
                    buf += data
                upstream.sendall(buf[:length])
                buf = buf[length:]
        except (EOFError, OSError, ValueError):
            pass
        _shut_down(client, upstream)


def _shut_down(*socks):
    """End both directions of a relayed connection; ignore closed ones."""
    for sock in socks:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


# -- Nova and Keystone logs ------------------------------------------------

NOVA_RE = re.compile(
    r'^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) \d+ INFO '
    r'nova\.api\.openstack\.requestlog \[(?P<ctx>[^\]]*)\] \S+ '
    r'"(?P<method>[A-Z]+) (?P<uri>[^"]*)" status: (?P<status>\d+) .*'
    r'time: (?P<dur>[\d.]+)')
KEYSTONE_RE = re.compile(
    r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d+) \S+ '
    r'"[^"]*" "(?P<ua>[^"]*)"')
UUID = r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
SERVER_GET_RE = re.compile(r'^/v2\.1/servers/(%s)$' % UUID)
LISTING_RE = re.compile(r'^/v2\.1/servers/detail(\?|$)')
ACTION_RE = re.compile(r'^/v2\.1/servers/(%s)/action$' % UUID)


def request_kinds(reqs):
    """{'GET /v2.1/servers/{id}': 200, ...}: requests by kind."""
    kinds = {}
    for r in reqs:
        path = re.sub(UUID, '{id}', r[3].split('?')[0])
        key = '%s %s' % (r[2], path)
        kinds[key] = kinds.get(key, 0) + 1
    return kinds


def nova_requests(log, offset, user_id):
    """Nova API requests of one Keystone user logged after offset.

    :returns: [(end_ts, start_ts, method, uri, status)].
    """
    out = []
    for line in read_from(log, offset).splitlines():
        m = NOVA_RE.match(line)
        if not m:
            continue
        ctx = m.group('ctx').split()
        if len(ctx) < 3 or ctx[2] != user_id:
            continue
        end = local_ts(m.group('ts'))
        out.append((end, end - float(m.group('dur')), m.group('method'),
                    m.group('uri'), int(m.group('status'))))
    return out


def keystone_tokens(log, offset, end_offset, tag):
    """Count a system's token requests in Keystone's access log.

    These are the POST /v3/auth/tokens between two offsets whose
    User-Agent carries the system's tag (see KeystoneRelay).
    """
    text = read_from(log, offset)[:max(0, end_offset - offset)]
    count = 0
    for line in text.splitlines():
        m = KEYSTONE_RE.search(line)
        if m and m.group('method') == 'POST' and \
                m.group('path').startswith('/v3/auth/tokens') and \
                tag in m.group('ua'):
            count += 1
    return count
