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

"""Ironic, one instance per system under test (the lab's Ironic venv)."""

import concurrent.futures
import os
import re
import subprocess
import time

from bench.common import BenchError
from bench.common import FLOOR
from bench.common import HOST
from bench.common import http
from bench.common import port_free
from bench.common import PROCS
from bench.common import read_from
from bench.common import REPO_DIR
from bench.common import wait_for

# sqlite's busy timeout (Python's default is 5 s), below the 60 s HTTP
# timeout: a peer's slow verifies under load lock the DB for a while.
SQLITE_OPTIONS = '?timeout=20'
IRONIC_PORTS = {'openstack': 16401, 'sushy-redfish': 16402,
                'ovb-ipmi': 16403, FLOOR: 16404}
# oslo.log: "<date> <time> <pid> <LEVEL> <logger> ..."
ERROR_LINE_RE = re.compile(r'^\S+ \S+ \d+ (ERROR|CRITICAL) ')
# The last line of a Python traceback: "module.SomeError: why".
EXCEPTION_RE = re.compile(r'^[A-Za-z_][\w.]*(Error|Exception|Failure)\b')


class Ironic:
    """A private Ironic for one system, enabling only its drivers.

    It has its own sqlite DB, port, config and debug log.

    :param system: the bench.systems System it serves.
    """

    def __init__(self, system, run_dir, status, project, sync_interval,
                 launcher=None):
        self.system = system.name
        self.launcher = launcher
        self.dir = os.path.join(run_dir, 'ironic-' + self.system)
        self.port = IRONIC_PORTS[self.system]
        self.url = 'http://%s:%d' % (HOST, self.port)
        self.venv = status['ironic_venv']
        self.conf = os.path.join(self.dir, 'ironic.conf')
        self.log = os.path.join(self.dir, 'ironic.log')
        self.proc = None
        d = self.dir
        for sub in ('httpboot', 'tftpboot/master', 'lock'):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        conf = {
            'DEFAULT': {
                'debug': 'true', 'use_stderr': 'true',
                'auth_strategy': 'noauth', 'rpc_transport': 'none',
                'host': 'ios-bench-' + self.system, 'state_path': d,
                **system.ironic_options(),
                'enabled_network_interfaces': 'noop',
                'default_network_interface': 'noop',
                'enabled_inspect_interfaces': 'no-inspect',
                'enabled_console_interfaces': 'no-console',
                'enabled_vendor_interfaces': 'no-vendor',
                'enabled_bios_interfaces': 'no-bios',
                'enabled_raid_interfaces': 'no-raid',
                'enabled_firmware_interfaces': 'no-firmware',
            },
            'api': {'host_ip': HOST, 'port': str(self.port),
                    'api_workers': '1'},
            'database': {'connection': 'sqlite:///' + os.path.join(
                d, 'ironic.sqlite') + SQLITE_OPTIONS},
            'conductor': {'automated_clean': 'false',
                          'sync_power_state_interval': str(sync_interval)},
            'dhcp': {'dhcp_provider': 'none'},
            'deploy': {'http_url': 'http://%s:8088' % HOST,
                       'http_root': os.path.join(d, 'httpboot')},
            'pxe': {'tftp_root': os.path.join(d, 'tftpboot'),
                    'tftp_master_path': os.path.join(d, 'tftpboot',
                                                     'master')},
            'oslo_concurrency': {'lock_path': os.path.join(d, 'lock')},
            'oslo_messaging_notifications': {'driver': 'noop'},
            'openstack': {'clouds_yaml': project.clouds_yaml,
                          'cloud': project.cloud('openstack')},
        }
        with open(self.conf, 'w') as f:
            for group, opts in conf.items():
                f.write('[%s]\n' % group)
                for k, v in opts.items():
                    f.write('%s = %s\n' % (k, v))
                f.write('\n')

    def bin(self, name):
        return os.path.join(self.venv, 'bin', name)

    def start(self):
        if not port_free(self.port):
            raise BenchError('port %d (Ironic for %s) is in use'
                             % (self.port, self.system))
        subprocess.run([self.bin('ironic-dbsync'), '--config-file',
                        self.conf, 'create_schema'], check=True,
                       capture_output=True, timeout=300)
        argv = [self.bin('ironic')]
        if self.launcher:
            argv = [self.bin('python'), self.launcher]
        # The driver under test is this checkout's, not the copy the lab
        # installed into its Ironic venv at its last `up` (which may lag).
        self.proc = PROCS.start(argv + ['--config-file', self.conf],
                                self.log, env={'PYTHONPATH': REPO_DIR})

        def ready():
            if self.proc.poll() is not None:
                raise BenchError('Ironic for %s exited; see %s%s'
                                 % (self.system, self.log,
                                    self.last_errors()))
            try:
                code, _ = http('GET', self.url + '/v1/nodes', timeout=5)
            except OSError:
                return False
            return code == 200
        try:
            wait_for('Ironic for %s' % self.system, ready, timeout=180)
        except BenchError as e:
            if self.proc.poll() is not None:
                raise
            raise BenchError('%s; see %s%s' % (e, self.log,
                                               self.last_errors()))

    def last_errors(self, count=8):
        """The last error lines of this Ironic's log, for an error message.

        The last lines when it has none. Error lines are oslo.log's
        ERROR/CRITICAL lines and the exception line that ends a traceback
        (a driver that fails to load is printed so, again at every restart
        of the conductor; repeats are shown once).
        """
        lines = read_from(self.log, 0).splitlines() if \
            os.path.exists(self.log) else []
        errors = [line for line in lines
                  if ERROR_LINE_RE.match(line) or EXCEPTION_RE.match(line)]
        shown = []
        for line in reversed(errors or lines):
            if line not in shown:
                shown.insert(0, line)
            if len(shown) == count:
                break
        if not shown:
            return ''
        return ('\nlast %s of %s:\n  ' % (
            'errors' if errors else 'lines', self.log)
            + '\n  '.join(line[:400] for line in shown))

    def stop(self):
        if self.proc is not None:
            PROCS.stop([self.proc])
            self.proc = None
        for f in ('ironic.sqlite', 'ironic.sqlite-wal', 'ironic.sqlite-shm'):
            path = os.path.join(self.dir, f)
            if os.path.exists(path):
                os.remove(path)    # the nodes go with the private DB

    def nodes(self):
        out, url = [], self.url + '/v1/nodes?fields=uuid,name,' \
            'provision_state,power_state,target_power_state,last_error' \
            '&limit=1000'
        while url:
            code, body = http('GET', url)
            if code != 200:
                raise BenchError('GET nodes: %s %s' % (code, body))
            out += body['nodes']
            url = body.get('next')
        return out

    def enroll(self, bodies, workers=8):
        """Create nodes and move them to manageable.

        Ironic verifies power on the way. Returns the node UUIDs in the
        order of bodies.
        """
        def create(body):
            code, res = http('POST', self.url + '/v1/nodes', body)
            if code != 201:
                raise BenchError('create node %s: %s %s'
                                 % (body['name'], code, res))
            return res['uuid']

        # One bound for asking Ironic (a busy conductor) and for waiting.
        budget = 120 + 5 * len(bodies)
        manage_deadline = time.monotonic() + budget

        def manage(uuid):
            manage_node(self.url, uuid, manage_deadline)

        def power_on(uuid):
            # Ironic's fake power reports what was last set: set it once.
            code, res = http('PUT', self.url + '/v1/nodes/%s/states/'
                             'power' % uuid, {'target': 'power on'})
            if code != 202:
                raise BenchError('power on %s: %s %s' % (uuid, code, res))

        def still_verifying(batch):
            batch = set(batch)
            return sum(1 for n in self.nodes() if n['uuid'] in batch
                       and n['provision_state'] == 'verifying')

        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            uuids = list(pool.map(create, bodies))
            if self.system == FLOOR:
                list(pool.map(power_on, uuids))
            manage_in_batches(
                uuids, lambda batch: list(pool.map(manage, batch)),
                still_verifying, manage_deadline)

        def managed():
            nodes = self.nodes()
            failed = [n for n in nodes if n['provision_state'] == 'enroll'
                      and n['last_error']]
            if failed:
                raise BenchError('node %s failed to verify: %s' % (
                    failed[0]['name'], failed[0]['last_error']))
            return all(n['provision_state'] == 'manageable'
                       and n['power_state'] for n in nodes)
        wait_for('%d nodes manageable (%s)' % (len(bodies), self.system),
                 managed, timeout=budget, interval=1)
        return uuids


# Ironic 39's conductor refuses all work for good once its worker pool has
# grown to its maximum ([conductor]workers_pool_size less the reserved
# share: 285 threads by default): its rejection counts idle threads too, and
# futurist 3.5's DynamicThreadPoolExecutor shrinks only in maintain(), which
# Ironic never calls. 1000 manage calls at once grew it there (all threads
# idle, every request answered 503), so at most this many nodes verify at
# once.
MANAGE_BATCH = 100


def manage_in_batches(uuids, manage, still_verifying, deadline,
                      batch=MANAGE_BATCH, pause=1):
    """Move nodes to manageable, at most ``batch`` verifying at once.

    :param manage: called with each batch of UUIDs; asks Ironic.
    :param still_verifying: called with a batch: how many of its nodes
        are still verifying.
    :param deadline: time.monotonic() value by which each batch is done.
    :raises: BenchError when a batch still verifies at the deadline.
    """
    for start in range(0, len(uuids), batch):
        chunk = uuids[start:start + batch]
        manage(chunk)
        while True:
            left = still_verifying(chunk)
            if not left:
                break
            if time.monotonic() > deadline:
                raise BenchError('%d of nodes %d-%d still verifying at the '
                                 'enrolment deadline' % (
                                     left, start, start + len(chunk) - 1))
            time.sleep(pause)


def conductor_busy(code, res):
    """Whether an answer is Ironic's "no free conductor workers" (503).

    Ironic answers so while its conductor's worker pool is full (e.g.
    1000 nodes verifying at once, each reading its power state) and sets
    the node back to its state before: ask again later.
    """
    return code == 503 and 'free conductor workers' in str(res)


def manage_node(url, uuid, deadline, attempts=10, pause=2):
    """Ask Ironic at url to move node uuid to manageable (async, 202).

    Retried: a socket error or timeout, a 5xx (Ironic on sqlite under a
    peer's slow verifies may answer 500 "database is locked") and 409
    NodeLocked (an earlier attempt may still hold the node), each at most
    ``attempts`` times; "no free conductor workers" (503) until deadline.
    Before asking again it looks whether an earlier attempt went through.

    :param deadline: time.monotonic() value after which a busy conductor
        is an error.
    :raises: BenchError naming the node and Ironic's last answer.
    """
    failures = 0
    while True:
        try:
            code, res = http('PUT', url + '/v1/nodes/%s/states/provision'
                             % uuid, {'target': 'manage'})
        except OSError as e:    # socket timeout included
            code, res = None, e
        if code == 202:
            return
        if conductor_busy(code, res):
            if time.monotonic() > deadline:
                break
        elif code is not None and code < 500 and not (
                code == 409 and 'locked' in str(res)):
            break
        else:
            failures += 1
            if failures >= attempts:
                break
        time.sleep(pause)
        try:
            seen, node = http('GET', url + '/v1/nodes/%s?fields='
                              'provision_state' % uuid)
        except OSError:
            continue
        if seen == 200 and node['provision_state'] != 'enroll':
            return
    raise BenchError('manage %s: %s %s' % (uuid, code, res))
