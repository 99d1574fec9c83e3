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

"""The fake guests' serial port and VNC screen, for Nova's console proxies.

Nova's fake virt driver has no guest, so nothing listens where a console
proxy connects. This small server stands in for what QEMU opens on a
libvirt compute host (a TCP serial port from ``[serial_console]
port_range``, a VNC display), shared by every fake guest:

* serial (``--serial-port``): on connect it writes a short boot banner
  ending in a login prompt, then echoes what it receives, as a guest's
  getty would. Through ``nova-serialproxy`` an operator's websocket sees
  these lines.
* VNC (``--vnc-port``): an RFB 3.8 server offering security type None and
  a 640x480 screen that is never drawn (ServerInit, then it answers each
  FramebufferUpdateRequest with an empty update). Through
  ``nova-novncproxy`` a noVNC client connects and sees a black screen.

Both bind 127.0.0.1 only. Usage: ``python -m ios_lab_plugins.fake_console
--serial-port N --vnc-port M``.
"""

import argparse
import socketserver
import struct
import sys
import threading

HOST = '127.0.0.1'
SERIAL_BANNER = (b'\r\nlab fake guest: serial console (ttyS0)\r\n'
                 b'Debian GNU/Linux 12 lab-guest ttyS0\r\n\r\n'
                 b'lab-guest login: ')
WIDTH, HEIGHT = 640, 480
# 32 bpp, depth 24, little endian, true colour, 8 bits per channel.
PIXEL_FORMAT = struct.pack('!BBBBHHHBBB3x', 32, 24, 0, 1, 255, 255, 255,
                           16, 8, 0)
NAME = b'lab fake guest'


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class SerialHandler(socketserver.BaseRequestHandler):
    """A guest's serial port: banner, then echo."""

    def handle(self):
        self.request.sendall(SERIAL_BANNER)
        while True:
            data = self.request.recv(4096)
            if not data:
                return
            self.request.sendall(data)


class VNCHandler(socketserver.BaseRequestHandler):
    """The least RFB 3.8 server a VNC client accepts."""

    def _recv(self, size):
        data = b''
        while len(data) < size:
            chunk = self.request.recv(size - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def handle(self):
        try:
            self.request.sendall(b'RFB 003.008\n')
            self._recv(12)                        # the client's version
            self.request.sendall(b'\x01\x01')     # one type: None
            self._recv(1)                         # the client's choice
            self.request.sendall(struct.pack('!I', 0))   # SecurityResult OK
            self._recv(1)                         # ClientInit
            self.request.sendall(struct.pack('!HH', WIDTH, HEIGHT)
                                 + PIXEL_FORMAT
                                 + struct.pack('!I', len(NAME)) + NAME)
            self._messages()
        except (EOFError, ConnectionError):
            return

    def _messages(self):
        sizes = {0: 19, 2: 3, 3: 9, 4: 7, 5: 5}   # bytes after the type
        while True:
            kind = self._recv(1)[0]
            if kind == 6:                          # ClientCutText
                _pad, length = struct.unpack('!3sI', self._recv(7))
                self._recv(length)
            elif kind == 2:                        # SetEncodings
                _pad, count = struct.unpack('!BH', self._recv(3))
                self._recv(4 * count)
            elif kind in sizes:
                self._recv(sizes[kind])
                if kind == 3:                      # FramebufferUpdateRequest
                    self.request.sendall(struct.pack('!BxH', 0, 0))
            else:
                return


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--serial-port', type=int, required=True)
    parser.add_argument('--vnc-port', type=int, required=True)
    args = parser.parse_args(argv)
    servers = [Server((HOST, args.serial_port), SerialHandler),
               Server((HOST, args.vnc_port), VNCHandler)]
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    servers[0].serve_forever()


if __name__ == '__main__':
    sys.exit(main())
