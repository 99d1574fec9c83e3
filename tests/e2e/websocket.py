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

"""The least websocket client that proves a console URL answers.

It does the RFC 6455 opening handshake (the ``binary`` subprotocol that
noVNC asks for), reads server frames and sends binary frames; nothing
else.
"""

import base64
import hashlib
import os
import socket
import struct
import urllib.parse

GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'


class WebSocket:
    """One websocket connection to ``url`` (ws://host:port/path?query)."""

    def __init__(self, url, timeout=10):
        parsed = urllib.parse.urlsplit(url)
        assert parsed.scheme == 'ws', url
        self.sock = socket.create_connection(
            (parsed.hostname, parsed.port or 80), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        path = parsed.path or '/'
        if parsed.query:
            path += '?' + parsed.query
        self.sock.sendall((
            'GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n'
            'Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n'
            'Sec-WebSocket-Version: 13\r\n'
            'Sec-WebSocket-Protocol: binary\r\n\r\n'
            % (path, parsed.netloc, key)).encode())
        head = b''
        while b'\r\n\r\n' not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError('closed during the handshake: %r'
                                      % head)
            head += chunk
        head, self.buffer = head.split(b'\r\n\r\n', 1)
        self.pending = b''
        lines = head.decode('latin-1').split('\r\n')
        self.status_line = lines[0]
        self.headers = {k.strip().lower(): v.strip() for k, v in
                        (line.split(':', 1) for line in lines[1:])}
        accept = base64.b64encode(hashlib.sha1(
            (key + GUID).encode()).digest()).decode()
        self.accepted = (' 101 ' in self.status_line + ' '
                         and self.headers.get('sec-websocket-accept')
                         == accept)

    def _read(self, size):
        while len(self.buffer) < size:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError('closed')
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def _next_payload(self):
        """The payload of the next data frame (bytes)."""
        while True:
            first, second = self._read(2)
            size = second & 0x7f
            if size == 126:
                size = struct.unpack('!H', self._read(2))[0]
            elif size == 127:
                size = struct.unpack('!Q', self._read(8))[0]
            payload = self._read(size)
            if first & 0x0f == 0x8:
                raise ConnectionError('server closed: %r' % payload)
            if first & 0x0f in (0x0, 0x1, 0x2):
                return payload

    def read_until(self, needle, limit=65536):
        """Payload of data frames until ``needle`` shows (bytes)."""
        data = b''
        while needle not in data and len(data) < limit:
            data += self._next_payload()
        return data

    def read_exact(self, size):
        """Exactly ``size`` bytes of payload, wherever frames end (bytes).

        What a frame carries beyond ``size`` is kept for the next call, so
        that a reader parsing a byte stream (RFB) need not know how the
        proxy framed it.
        """
        data = self.pending
        while len(data) < size:
            data += self._next_payload()
        self.pending = data[size:]
        return data[:size]

    def send(self, data):
        """One binary frame, masked as a client must."""
        mask = os.urandom(4)
        size = len(data)
        head = bytes([0x82])
        if size < 126:
            head += bytes([0x80 | size])
        elif size < 65536:
            head += bytes([0x80 | 126]) + struct.pack('!H', size)
        else:
            head += bytes([0x80 | 127]) + struct.pack('!Q', size)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(head + mask + body)

    def close(self):
        self.sock.close()
