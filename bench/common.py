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

"""What every part of the benchmark shares: constants, small helpers, and
the processes it starts (stopped by PID, never by name)."""

import datetime
import io
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

from ironic_openstack_driver.tools import common as tools_common
from ironic_openstack_driver.tools import waiting

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)
LABCTL = os.path.join(REPO_DIR, 'lab', 'labctl.py')
SYSTEMS = ('openstack', 'sushy-redfish', 'ovb-ipmi')
# Optional reference: Ironic's fake power over the same number of nodes,
# the floor that Ironic's own per-node work puts under any power driver.
FLOOR = 'ironic-floor'
HOST = '127.0.0.1'

# -- small helpers ---------------------------------------------------------


def say(msg):
    print('[bench %s] %s' % (time.strftime('%H:%M:%S'), msg), flush=True)


class BenchError(Exception):
    pass


def wait_for(what, check, timeout, interval=0.5):
    """Poll check() until it returns a true value; bounded.

    The shared poll loop (ironic_openstack_driver.tools.waiting).

    :raises: BenchError when ``timeout`` passed first.
    """
    return waiting.wait_for(what, check, timeout, interval=interval,
                            error=BenchError)


def quiet_report(columns):
    """A Report of ironic-openstack-nodes' functions that prints nothing.

    Their progress lines (one per server or node) are kept in
    ``report.err``; tool_errors reads its error lines.
    """
    return tools_common.Report(columns, out=io.StringIO(),
                               err=io.StringIO())


def tool_errors(report, count=3):
    """The first ``count`` error lines of a quiet_report, for a message."""
    lines = [line[len('error: '):] for line in
             report.err.getvalue().splitlines()
             if line.startswith('error: ')]
    return '; '.join(lines[:count]) or 'no error reported'


def http(method, url, body=None, timeout=60, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header('Content-Type', 'application/json')
    req.add_header('X-OpenStack-Ironic-API-Version', 'latest')
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            return resp.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, raw.decode(errors='replace')


def port_free(port, kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        # Like the servers themselves: TIME_WAIT leftovers do not count.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def local_ts(text):
    """'2026-11-24 04:53:00.909' (local time, as oslo.log writes) -> epoch."""
    return datetime.datetime.strptime(text, '%Y-%m-%d %H:%M:%S.%f').timestamp()


def read_from(path, offset):
    with open(path, 'rb') as f:
        f.seek(offset)
        return f.read().decode('utf-8', errors='replace')


def size(path):
    return os.path.getsize(path) if os.path.exists(path) else 0


# -- processes the benchmark starts (stopped by PID, never by name) --------

class Procs:
    def __init__(self):
        self.procs = []
        self.lock = threading.Lock()

    def start(self, argv, log, env=None, cwd=None):
        logf = open(log, 'ab')
        full_env = dict(os.environ)
        full_env.update(env or {})
        p = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, env=full_env,
                             cwd=cwd, start_new_session=True)
        logf.close()
        with self.lock:
            self.procs.append(p)
        return p

    def stop(self, procs=None, grace=10):
        with self.lock:
            targets = list(self.procs if procs is None else procs)
        for p in targets:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except OSError:
                    pass
        deadline = time.monotonic() + grace
        for p in targets:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except OSError:
                    pass
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
        with self.lock:
            self.procs = [p for p in self.procs if p not in targets]


PROCS = Procs()
