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

"""Boot the lab's images in QEMU (TCG emulation) and time them.

    python3 lab/labkit/images/bootcheck.py instance
    python3 lab/labkit/images/bootcheck.py ipa [--memory MB]

``instance`` boots the instance image as a virtio disk (SeaBIOS), waits for
its marker line on ttyS0, presses the ACPI power button and waits for QEMU
to exit. ``ipa`` boots the agent's kernel and ramdisk with console=ttyS0 and
a user-mode NIC whose host side (10.0.2.2) reaches a tiny HTTP server on
127.0.0.1 standing in for Ironic's API, and an empty sparse disk like a
node's root disk (without one the agent waits for disks before its
lookup): the first request the agent sends there is the end of its boot.
Images must have been built (ensure_all).
"""

import argparse
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

if __name__ == '__main__':
    _LAB = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    # labkit, and the repository for the tools' poll loop (labkit.procs).
    sys.path[:0] = [_LAB, os.path.dirname(_LAB)]

from labkit.images import common  # noqa: E402
from labkit.images import instance  # noqa: E402
from labkit.images import ipa  # noqa: E402
from labkit import settings  # noqa: E402

QEMU = 'qemu-system-x86_64'
MAC = '52:54:00:12:34:56'
#: The agent's guest disk: the agent skips disks under 4 GiB when it
#: waits for a root device.
IPA_DISK_BYTES = 5 << 30
# Lines that mark the agent's progress on its console.
IPA_MILESTONES = (
    ('initramfs_unpacked', ('Freeing initrd memory',)),
    ('init', ('Run /init as init process',)),
    ('agent_service', ('Started', 'Ironic Python Agent.')),
    ('agent_log', ('ironic-python-agent[',)),
)
ANSI = re.compile(r'\x1b\[[0-9;?]*[A-Za-z]|\x1b[c()][0-9A-B]?')


class Guest:
    """One QEMU process; its serial console is read line by line."""

    def __init__(self, args, console_log, memory_mb):
        self.sock = os.path.join(tempfile.mkdtemp(prefix='ios-boot-'),
                                 'monitor')
        argv = [QEMU, '-accel', 'tcg', '-nographic', '-m', str(memory_mb),
                '-monitor', 'unix:%s,server=on,wait=off' % self.sock] + args
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.seen = {}
        self.lines = []
        self.log = open(console_log, 'wb')
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for raw in self.proc.stdout:
            line = ANSI.sub('', raw.decode('utf-8', 'replace'))
            at = self.elapsed()
            # Each console line with the seconds since QEMU started.
            self.log.write(('[%7.1f] %s' % (at, line.rstrip('\r\n') + '\n')
                            ).encode())
            self.log.flush()
            self.lines.append((at, line))

    def elapsed(self):
        return round(time.monotonic() - self.t0, 1)

    def wait_line(self, texts, timeout):
        """Seconds since start when a console line had all of ``texts``."""
        if isinstance(texts, str):
            texts = (texts,)
        deadline = time.monotonic() + timeout
        while True:
            for at, line in list(self.lines):
                if all(text in line for text in texts):
                    return at
            if time.monotonic() >= deadline:
                return None
            if self.proc.poll() is not None:
                return None
            time.sleep(0.2)

    def powerdown(self, timeout=60):
        """ACPI power button; seconds until QEMU exits (None: it did not)."""
        t0 = time.monotonic()
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(self.sock)
            s.sendall(b'system_powerdown\n')
            time.sleep(0.3)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        return round(time.monotonic() - t0, 1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.thread.join(5)
        self.log.close()


def check_instance(p, memory_mb=256, timeout=180):
    image = os.path.join(common.images_dir(p), 'instance', instance.IMAGE)
    guest = Guest(['-nic', 'none', '-drive', 'file=%s,if=virtio,format=raw,'
                   'snapshot=on' % image],
                  os.path.join(p.logs, 'bootcheck-instance.log'), memory_mb)
    try:
        result = {'marker': instance.MARKER, 'memory_mb': memory_mb,
                  'marker_seconds': guest.wait_line(instance.MARKER,
                                                    timeout)}
        if result['marker_seconds'] is not None:
            time.sleep(2)
            result['powerdown_seconds'] = guest.powerdown()
    finally:
        guest.stop()
    return result


class _FakeIronic(http.server.BaseHTTPRequestHandler):
    requests = []

    def do_GET(self):
        self.requests.append((time.monotonic(), self.command, self.path))
        body = b'{"error_message": "lab boot check: no Ironic here"}'
        self.send_response(404)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


def check_ipa(p, memory_mb=1536, timeout=600):
    out = os.path.join(common.images_dir(p), 'ipa')
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _FakeIronic)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    disk = tempfile.NamedTemporaryFile(prefix='ios-boot-disk-')
    disk.truncate(IPA_DISK_BYTES)
    append = ('nofb nomodeset vga=normal console=ttyS0 ipa-debug=1 '
              'ipa-api-url=http://10.0.2.2:%d BOOTIF=01-%s'
              % (port, MAC.replace(':', '-')))
    guest = Guest(['-kernel', os.path.join(out, ipa.KERNEL),
                   '-initrd', os.path.join(out, ipa.RAMDISK),
                   '-append', append,
                   '-nic', 'user,model=virtio-net-pci,mac=%s' % MAC,
                   '-drive', 'file=%s,if=virtio,format=raw' % disk.name],
                  os.path.join(p.logs, 'bootcheck-ipa.log'), memory_mb)
    result = {'memory_mb': memory_mb,
              'ramdisk_bytes': os.path.getsize(os.path.join(out,
                                                            ipa.RAMDISK))}
    try:
        deadline = time.monotonic() + timeout
        while not _FakeIronic.requests and guest.proc.poll() is None \
                and time.monotonic() < deadline:
            if guest.wait_line('Kernel panic', 0) is not None:
                result['kernel_panic'] = True   # e.g. too little RAM
                break
            time.sleep(0.5)
        if _FakeIronic.requests:
            at, method, path = _FakeIronic.requests[0]
            result['first_api_request'] = '%s %s' % (method, path)
            result['first_api_request_seconds'] = round(at - guest.t0, 1)
        for name, text in IPA_MILESTONES:
            result[name + '_seconds'] = guest.wait_line(text, 0)
        result['qemu_exit'] = guest.proc.poll()
    finally:
        guest.stop()
        server.shutdown()
        disk.close()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('what', choices=('instance', 'ipa'))
    parser.add_argument('--memory', type=int, help='guest RAM in MB')
    args = parser.parse_args()
    p = settings.paths()
    kwargs = {'memory_mb': args.memory} if args.memory else {}
    check = check_instance if args.what == 'instance' else check_ipa
    result = check(p, **kwargs)
    print(json.dumps(result, indent=2))
    ok = result.get('marker_seconds') or result.get(
        'first_api_request_seconds')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
