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

"""Open a noVNC console URL as a browser would, and print what answered.

Run where the lab's addresses are reachable (the real lab's namespace):
``python -m tests.e2e_real.vnc_probe <console URL>``. It opens the
websocket that the noVNC page would open, does the RFB 3.8 handshake
(security type None, as Nova's VNC proxy offers) and prints, as JSON, the
handshake's status line, the protocol version, the desktop size and the
desktop name of the guest's ServerInit (QEMU names it after the domain).
"""

import json
import struct
import sys
import urllib.parse

from tests.e2e import websocket


def token_url(console_url):
    """The websocket URL behind a noVNC page URL (``path`` carries it)."""
    parsed = urllib.parse.urlsplit(console_url)
    query = urllib.parse.parse_qs(parsed.query)
    if 'path' in query:
        return 'ws://%s/%s' % (parsed.netloc,
                               query['path'][0].lstrip('/'))
    return 'ws://%s/?%s' % (parsed.netloc, parsed.query)


def probe(console_url):
    ws = websocket.WebSocket(token_url(console_url))
    seen = {'status_line': ws.status_line, 'accepted': ws.accepted}
    try:
        if not ws.accepted:
            return seen
        seen['version'] = ws.read_exact(12).decode().strip()
        ws.send(b'RFB 003.008\n')
        count = ws.read_exact(1)[0]
        seen['security_types'] = list(ws.read_exact(count))
        ws.send(b'\x01')                    # security type None
        seen['security_result'] = struct.unpack('!I', ws.read_exact(4))[0]
        ws.send(b'\x01')                    # ClientInit: shared
        init = ws.read_exact(24)
        width, height = struct.unpack('!HH', init[:4])
        length = struct.unpack('!I', init[20:24])[0]
        seen.update(width=width, height=height,
                    name=ws.read_exact(length).decode('utf-8', 'replace'))
    finally:
        ws.close()
    return seen


if __name__ == '__main__':
    print(json.dumps(probe(sys.argv[1])))
