#!/usr/bin/env python3
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

"""Power-sync scale benchmark (issue 5): our driver beside two peers.

On the local lab (lab/README.rst), against the same Nova, for N nodes:

* ``openstack``: this repository's ``openstack`` hardware type;
* ``sushy-redfish``: sushy-tools' Redfish emulator with its Nova driver,
  driven by Ironic's ``redfish`` hardware type;
* ``ovb-ipmi``: OpenStack Virtual Baremetal's openstackbmc, one BMC process
  per node, driven by Ironic's ``ipmi`` hardware type through ipmitool.

Each system gets its own Ironic (the lab's Ironic venv, own sqlite DB,
port, config, debug log) and its own Keystone user in a project of the
benchmark's own, so that every Nova request in nova-api's request log
(``nova.api.openstack.requestlog``, which carries the user id) is
attributed exactly. See bench/README.rst for the method.

Run it with ``tox -e bench [-- --nodes N] [--systems a,b]``. It writes
``bench-results.json`` in the working directory and prints one table.
"""

import argparse
import concurrent.futures
import datetime
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)
LABCTL = os.path.join(REPO_DIR, 'lab', 'labctl.py')
SYSTEMS = ('openstack', 'sushy-redfish', 'ovb-ipmi')
# Optional reference: Ironic's fake power over the same number of nodes,
# the floor that Ironic's own per-node work puts under any power driver.
FLOOR = 'ironic-floor'
HOST = '127.0.0.1'
# sqlite's busy timeout (Python's default is 5 s), below the 60 s HTTP
# timeout: a peer's slow verifies under load lock the DB for a while.
SQLITE_OPTIONS = '?timeout=20'
IRONIC_PORTS = {'openstack': 16401, 'sushy-redfish': 16402,
                'ovb-ipmi': 16403, FLOOR: 16404}
SUSHY_PORT = 16410
KEYSTONE_RELAY_BASE_PORT = 16421
OVB_BASE_PORT = 17000
IPMI_USER, IPMI_PASSWORD = 'admin', 'password'   # openstackbmc's fixed ones
OVB_MB_PER_BMC = 80          # measured ~63 MB RSS; margin included
MEMORY_RESERVE_MB = 2048
UA_APP = 'ios-bench'
# The benchmark's own listings (waits, cleanup) page small: they are not
# measured, and must work whatever the lab's limits.
BENCH_PAGE = 50

# -- small helpers ---------------------------------------------------------


def say(msg):
    print('[bench %s] %s' % (time.strftime('%H:%M:%S'), msg), flush=True)


class BenchError(Exception):
    pass


def wait_for(what, predicate, timeout, interval=0.5):
    """Poll predicate() until it returns a true value; bounded."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise BenchError('timed out after %ds waiting for %s'
                             % (timeout, what))
        time.sleep(interval)


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


def mem_available_mb():
    with open('/proc/meminfo') as f:
        for line in f:
            if line.startswith('MemAvailable:'):
                return int(line.split()[1]) / 1024.0
    return 0.0


def proc_tree(pid):
    """pid and all its descendants (from /proc)."""
    children = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as f:
                fields = f.read().rsplit(')', 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError):
            continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def memory_mb(pids):
    """(PSS, RSS) in MB summed over pids and their descendants."""
    pss = rss = 0
    seen = set()
    for pid in pids:
        for p in proc_tree(pid):
            if p in seen:
                continue
            seen.add(p)
            try:
                with open('/proc/%d/smaps_rollup' % p) as f:
                    for line in f:
                        if line.startswith('Pss:'):
                            pss += int(line.split()[1])
                        elif line.startswith('Rss:'):
                            rss += int(line.split()[1])
            except OSError:
                continue
    return round(pss / 1024.0, 1), round(rss / 1024.0, 1)


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

# -- the lab ----------------------------------------------------------------


def lab_status(wait_s):
    """The lab's status --json; waits (bounded) while the lab is down."""
    deadline = time.monotonic() + wait_s
    while True:
        out = subprocess.run([sys.executable, LABCTL, 'status', '--json'],
                             capture_output=True, text=True, timeout=120)
        try:
            status = json.loads(out.stdout)
        except ValueError:
            status = {}
        if status.get('running'):
            return status
        if time.monotonic() > deadline:
            raise BenchError(
                'the lab is not running (python3 lab/labctl.py status). The '
                'lab is shared: the benchmark does not start it; bring it up '
                'with `python3 lab/labctl.py up` (or tox -e lab) and re-run.')
        say('lab not running yet; waiting (up to %ds)' % wait_s)
        time.sleep(15)


NEUTRON_SAFE_NODES = 80


def check_neutron(status, nodes):
    """A warning (or None) when Nova's listings of N servers cannot work.

    Nova's GET /servers/detail asks Neutron for the ports of up to 150
    servers in one GET, a request line of ~7.1 kB; gunicorn's default limit
    is 4094 bytes, so on a lab whose Neutron runs without
    --limit-request-line every listing of more than ~85 servers is a 500.
    """
    if nodes <= NEUTRON_SAFE_NODES:
        return None
    # Ask Neutron itself: a harmless GET / with a 7.5 kB request line.
    url = status['services']['neutron']['url'].rstrip('/')
    try:
        code, _ = http('GET', url + '/?pad=' + 'x' * 7400, timeout=30)
    except OSError:
        return None
    if code in (400, 414):      # gunicorn: "Request Line is too large"
        return (
            "the lab's Neutron runs with gunicorn's default request "
            'line limit (4094 bytes): Nova answers 500 to any server listing '
            'of more than ~85 servers (it asks Neutron for the ports of 150 '
            'servers in one GET). lab/labkit/services.py now starts Neutron '
            'with --limit-request-line 8190; it applies at the next '
            '`python3 lab/labctl.py up` (which restarts Neutron only). Until '
            'then the peers (which never list) are measured as usual, but '
            "every listing of our driver's snapshot fails: its figures then "
            'show that failure mode, not its normal cost. --nodes %d or '
            'fewer avoids it.' % NEUTRON_SAFE_NODES)
    return None


def connect(clouds_yaml, cloud):
    import openstack
    config = openstack.config.OpenStackConfig(
        config_files=[clouds_yaml], load_envvars=False,
        app_name=UA_APP, app_version='1')
    return openstack.connection.Connection(config=config.get_one(cloud=cloud))


class Project:
    """A Keystone project and one user per system (+ a probe user)."""

    def __init__(self, status, prefix, run_dir, systems):
        self.status = status
        self.prefix = prefix
        self.run_dir = run_dir
        self.systems = systems
        self.admin = connect(status['clouds_yaml'], status['admin_cloud'])
        self.padmin = connect(status['clouds_yaml'],
                              status['project_admin_cloud'])
        self.project = None
        self.users = {}
        self.passwords = {}
        self.clouds_yaml = os.path.join(run_dir, 'clouds.yaml')
        keystone_port = int(status['keystone_url'].split(':')[2]
                            .split('/')[0])
        self.relays = {}
        for i, name in enumerate(systems):
            port = KEYSTONE_RELAY_BASE_PORT + i
            if not port_free(port):
                raise BenchError('port %d (Keystone relay) is in use' % port)
            self.relays[name] = KeystoneRelay(name, port, keystone_port)

    def cloud(self, who):
        return '%s-%s' % (self.prefix, who)

    def create(self, nodes):
        ident = self.admin.identity
        self.project = ident.create_project(
            name=self.prefix, domain_id='default',
            description='ironic-openstack-driver benchmark (temporary)')
        role = ident.find_role('member', ignore_missing=False)
        lines = ['clouds:']
        for who in ('probe',) + tuple(self.systems):
            password = secrets.token_urlsafe(18)
            user = ident.create_user(
                name=self.cloud(who), password=password, domain_id='default',
                default_project_id=self.project.id)
            ident.assign_project_role_to_user(self.project, user, role)
            self.users[who] = user
            lines += ['  %s:' % self.cloud(who), '    auth:',
                      '      auth_url: %s' % (
                          self.relays[who].url() if who in self.relays
                          else self.status['keystone_url']),
                      '      username: %s' % user.name,
                      '      password: %s' % password,
                      '      user_domain_name: Default',
                      '      project_name: %s' % self.prefix,
                      '      project_domain_name: Default',
                      '    region_name: RegionOne',
                      '    identity_api_version: 3']
        fd = os.open(self.clouds_yaml, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                     0o600)
        with os.fdopen(fd, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        flavor = self.padmin.compute.find_flavor(self.status['flavor'],
                                                 ignore_missing=False)
        self.padmin.set_compute_quotas(
            self.project.id, instances=nodes + 10,
            cores=(nodes + 10) * flavor.vcpus,
            ram=(nodes + 10) * flavor.ram)
        return flavor

    def delete(self):
        ident = self.admin.identity
        for user in self.users.values():
            try:
                ident.delete_user(user, ignore_missing=True)
            except Exception as e:      # noqa: BLE001 - best effort cleanup
                say('cleanup: user %s: %s' % (user.name, e))
        for relay in self.relays.values():
            relay.stop()
        if self.project is not None:
            try:
                ident.delete_project(self.project, ignore_missing=True)
            except Exception as e:      # noqa: BLE001
                say('cleanup: project: %s' % e)


class Servers:
    """The N servers, created with one multi-create request."""

    def __init__(self, project, prefix):
        self.project = project
        self.prefix = prefix
        self.conn = None
        self.servers = []

    def create(self, nodes, flavor, image):
        self.conn = connect(self.project.clouds_yaml,
                            self.project.cloud('probe'))
        t0 = time.monotonic()
        self.conn.compute.create_server(
            name=self.prefix, flavor_id=flavor.id, image_id=image,
            networks='none', min_count=nodes, max_count=nodes)

        def all_active():
            servers = list(self.conn.compute.servers(
                details=True, limit=BENCH_PAGE, name='^' + self.prefix))
            mine = [s for s in servers if s.name.startswith(self.prefix)]
            bad = [s for s in mine if s.status == 'ERROR']
            if bad:
                raise BenchError('server %s went to ERROR: %s' % (
                    bad[0].name, bad[0].fault))
            if len(mine) == nodes and all(s.status == 'ACTIVE'
                                          for s in mine):
                return mine
            return None
        # Each poll lists every server in pages of BENCH_PAGE: poll less
        # often as N grows. (At N=1000 the lab builds about 5 servers a
        # minute either way: Placement, at 50-66% CPU, allocating on the
        # lab's one compute node, is the limit, not this poll.)
        self.servers = wait_for('%d servers ACTIVE' % nodes, all_active,
                                timeout=120 + 3 * nodes,
                                interval=max(3, nodes / 40))
        self.servers.sort(key=lambda s: int(s.name.rsplit('-', 1)[1])
                          if s.name.rsplit('-', 1)[1].isdigit() else 0)
        say('%d servers ACTIVE in %.0fs' % (nodes, time.monotonic() - t0))

    def delete(self):
        if self.conn is None:
            return
        try:
            mine = [s for s in self.conn.compute.servers(
                    limit=BENCH_PAGE, name='^' + self.prefix)
                    if s.name.startswith(self.prefix)]
            for s in mine:
                self.conn.compute.delete_server(s, ignore_missing=True)

            def gone():
                return not any(s.name.startswith(self.prefix) for s in
                               self.conn.compute.servers(
                                   limit=BENCH_PAGE, name='^' + self.prefix))
            wait_for('servers deleted', gone, timeout=120 + len(mine),
                     interval=3)
            say('deleted %d servers' % len(mine))
        except Exception as e:          # noqa: BLE001
            say('cleanup: servers: %s' % e)


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


# -- log readers -----------------------------------------------------------

NOVA_RE = re.compile(
    r'^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) \d+ INFO '
    r'nova\.api\.openstack\.requestlog \[(?P<ctx>[^\]]*)\] \S+ '
    r'"(?P<method>[A-Z]+) (?P<uri>[^"]*)" status: (?P<status>\d+) .*'
    r'time: (?P<dur>[\d.]+)')
KEYSTONE_RE = re.compile(
    r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d+) \S+ '
    r'"[^"]*" "(?P<ua>[^"]*)"')
SWEEP_RE = re.compile(
    r'^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) .*Completed power state '
    r'sync operation, evaluated \d+ nodes with (?P<workers>\d+) workers in '
    r'(?P<secs>[\d.]+) seconds')
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
    """Count POST /v3/auth/tokens of one system in Keystone's access log.

    Between two offsets, requests whose User-Agent carries a system's tag
    (see KeystoneRelay).
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


def sweeps(log):
    out = []
    for line in read_from(log, 0).splitlines():
        m = SWEEP_RE.match(line)
        if m:
            end = local_ts(m.group('ts'))
            secs = float(m.group('secs'))
            out.append({'start': end - secs, 'end': end, 'seconds': secs,
                        'workers': int(m.group('workers'))})
    return out


# -- Ironic, one instance per system --------------------------------------

class Ironic:
    def __init__(self, system, run_dir, status, project, sync_interval,
                 launcher=None):
        self.system = system
        self.launcher = launcher
        self.dir = os.path.join(run_dir, 'ironic-' + system)
        self.port = IRONIC_PORTS[system]
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
                'host': 'ios-bench-' + system, 'state_path': d,
                'enabled_hardware_types':
                    'openstack,redfish,ipmi,fake-hardware',
                'enabled_power_interfaces': 'openstack,redfish,ipmitool,fake',
                'enabled_management_interfaces':
                    'openstack,redfish,ipmitool,fake',
                'enabled_boot_interfaces': 'ipxe,pxe,fake',
                'enabled_deploy_interfaces': 'direct,ramdisk,fake',
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
                raise BenchError('Ironic for %s exited; see %s'
                                 % (self.system, self.log))
            try:
                code, _ = http('GET', self.url + '/v1/nodes', timeout=5)
            except OSError:
                return False
            return code == 200
        wait_for('Ironic for %s' % self.system, ready, timeout=180)

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

        def manage(uuid, attempts=10):
            # Ironic on sqlite under a peer's slow verifies may answer 500
            # "database is locked", or not in time, and an earlier attempt
            # may still hold the node (409 NodeLocked, "please retry"):
            # look, then ask again.
            for attempt in range(attempts):
                if attempt:
                    code, res = http('GET', self.url + '/v1/nodes/%s?fields='
                                     'provision_state' % uuid)
                    if code == 200 and res['provision_state'] != 'enroll':
                        return
                try:
                    code, res = http('PUT', self.url + '/v1/nodes/%s/states/'
                                     'provision' % uuid, {'target': 'manage'})
                except OSError as e:    # socket timeout included
                    code, res = None, e
                if code == 202:
                    return
                if code is not None and code < 500 and not (
                        code == 409 and 'locked' in str(res)):
                    break
                time.sleep(2)
            raise BenchError('manage %s: %s %s' % (uuid, code, res))

        def power_on(uuid):
            # Ironic's fake power reports what was last set: set it once.
            code, res = http('PUT', self.url + '/v1/nodes/%s/states/'
                             'power' % uuid, {'target': 'power on'})
            if code != 202:
                raise BenchError('power on %s: %s %s' % (uuid, code, res))

        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            uuids = list(pool.map(create, bodies))
            if self.system == FLOOR:
                list(pool.map(power_on, uuids))
            list(pool.map(manage, uuids))

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
                 managed, timeout=120 + 5 * len(bodies), interval=1)
        return uuids


# -- one power action, timed as Ironic and as Nova see it ------------------

def power_action(ironic, node_uuid, server_id, target, probe, nova_log,
                 user_id, timeout=180):
    """Ironic latency (PUT to settled), Nova's own transition, overhead."""
    want_on = target == 'power on'
    seen = {}
    stop = threading.Event()

    def settled(s):
        if s.task_state:
            return False
        return (s.power_state == 1 and s.vm_state == 'active') if want_on \
            else (s.power_state == 4 and s.vm_state == 'stopped')

    def poll_nova():
        # Nova's own view: the first read that shows the transition done.
        deadline = time.monotonic() + timeout
        while not stop.is_set() and time.monotonic() < deadline:
            s = probe.compute.get_server(server_id)
            if settled(s):
                seen['nova_settled'] = time.time()
                return
            time.sleep(0.02)

    offset = size(nova_log)
    poller = threading.Thread(target=poll_nova, daemon=True)
    poller.start()
    t0 = time.time()
    code, res = http('PUT', ironic.url + '/v1/nodes/%s/states/power'
                     % node_uuid, {'target': target})
    if code != 202:
        stop.set()
        raise BenchError('%s %s: %s %s' % (target, node_uuid, code, res))
    want = 'power on' if want_on else 'power off'
    deadline = time.monotonic() + timeout
    t1 = error = None
    while time.monotonic() < deadline:
        code, node = http('GET', ironic.url + '/v1/nodes/%s?fields='
                          'power_state,target_power_state,last_error'
                          % node_uuid)
        if code == 200 and node['target_power_state'] is None:
            if node['power_state'] == want:
                t1 = time.time()
                break
            if node['last_error']:
                error = node['last_error']
                break
        time.sleep(0.02)
    poller.join(timeout=timeout)
    stop.set()
    if t1 is None:
        raise BenchError('%s of node %s did not settle: %s'
                         % (target, node_uuid, error or 'timeout'))
    time.sleep(0.3)    # let nova-api flush its request log line
    actions = [r for r in nova_requests(nova_log, offset, user_id)
               if r[2] == 'POST' and ACTION_RE.match(r[3])
               and server_id in r[3]]
    if not actions or 'nova_settled' not in seen:
        raise BenchError('%s of node %s: no Nova action seen'
                         % (target, node_uuid))
    nova_start = actions[0][1]
    nova_s = seen['nova_settled'] - nova_start
    return {'ironic_s': round(t1 - t0, 3), 'nova_s': round(nova_s, 3),
            'overhead_s': round((t1 - t0) - nova_s, 3),
            'nova_actions': len(actions)}


# -- the systems ----------------------------------------------------------

class System:
    """Extra processes of one system and how its nodes are enrolled."""
    name = None
    driver = None

    def __init__(self, ctx):
        self.ctx = ctx
        self.procs = []

    def start(self, servers):
        pass

    def node_body(self, index, server):
        raise NotImplementedError

    def memory(self):
        return memory_mb([p.pid for p in self.procs]) if self.procs \
            else (0.0, 0.0)

    def stop(self):
        if self.procs:
            PROCS.stop(self.procs)
            self.procs = []


class OurDriver(System):
    name = 'openstack'

    def node_body(self, index, server):
        return {'name': '%s-os-%d' % (self.ctx.prefix, index),
                'driver': 'openstack', 'boot_interface': 'fake',
                'deploy_interface': 'fake',
                'driver_info': {'openstack_server': server.id}}


class SushyRedfish(System):
    name = 'sushy-redfish'

    def start(self, servers):
        if not port_free(SUSHY_PORT):
            raise BenchError('port %d (sushy-emulator) is in use'
                             % SUSHY_PORT)
        log = os.path.join(self.ctx.run_dir, 'sushy-emulator.log')
        argv = [os.path.join(os.path.dirname(sys.executable),
                             'sushy-emulator'),
                '--os-cloud', self.ctx.project.cloud('sushy-redfish'),
                '-i', HOST, '-p', str(SUSHY_PORT)]
        self.procs.append(PROCS.start(argv, log, env={
            'OS_CLIENT_CONFIG_FILE': self.ctx.project.clouds_yaml}))

        def ready():
            if self.procs[0].poll() is not None:
                raise BenchError('sushy-emulator exited; see %s' % log)
            try:
                code, _ = http('GET', 'http://%s:%d/redfish/v1/'
                               % (HOST, SUSHY_PORT), timeout=5)
            except OSError:
                return False
            return code == 200
        wait_for('sushy-emulator', ready, timeout=60)

    def node_body(self, index, server):
        return {'name': '%s-rf-%d' % (self.ctx.prefix, index),
                'driver': 'redfish',
                'driver_info': {
                    'redfish_address': 'http://%s:%d' % (HOST, SUSHY_PORT),
                    'redfish_system_id': '/redfish/v1/Systems/' + server.id}}


def ovb_address(index):
    # Each BMC has its own loopback address and port: Ironic's ipmitool
    # rate limit ([ipmi]min_command_interval) is per BMC *address*, so BMCs
    # sharing 127.0.0.1 would be throttled together (not so in a real OVB,
    # where every BMC has its own IP).
    return '127.1.%d.%d' % (index // 250, index % 250 + 1), \
        OVB_BASE_PORT + index


class OvbIpmi(System):
    name = 'ovb-ipmi'

    def start(self, servers):
        n = len(servers)
        need = n * OVB_MB_PER_BMC + MEMORY_RESERVE_MB
        avail = mem_available_mb()
        if avail < need:
            raise BenchError(
                'not enough memory for %d openstackbmc processes: %.0f MB '
                'available, %d MB needed (%d MB each + %d MB reserve); '
                'use fewer --nodes or leave ovb-ipmi out of --systems'
                % (n, avail, need, OVB_MB_PER_BMC, MEMORY_RESERVE_MB))
        if shutil.which('ipmitool') is None:
            raise BenchError('ipmitool is missing: apt-get install ipmitool')
        logdir = os.path.join(self.ctx.run_dir, 'ovb-bmc-logs')
        os.makedirs(logdir, exist_ok=True)
        env = {'OS_CLIENT_CONFIG_FILE': self.ctx.project.clouds_yaml,
               'OS_CLOUD': self.ctx.project.cloud('ovb-ipmi')}
        logs = []
        t0 = time.monotonic()
        batch = 16
        for i, server in enumerate(servers):
            addr, port = ovb_address(i)
            if not port_free(port, socket.SOCK_DGRAM):
                raise BenchError('UDP port %d (BMC) is in use' % port)
            log = os.path.join(logdir, 'bmc-%d.log' % i)
            logs.append(log)
            self.procs.append(PROCS.start(
                [sys.executable, '-m', 'openstack_virtual_baremetal.'
                 'openstackbmc', '--port', str(port), '--address', addr,
                 '--instance', server.id,
                 '--os-cloud', self.ctx.project.cloud('ovb-ipmi')],
                log, env=env))
            if (i + 1) % batch == 0 or i + 1 == n:
                # Bounded: each batch must come up before the next starts.
                self._wait_managing(logs[-batch:])
        say('%d BMCs up in %.0fs' % (n, time.monotonic() - t0))

    def _wait_managing(self, logs):
        def up():
            for p in self.procs[-len(logs):]:
                if p.poll() is not None:
                    raise BenchError('an openstackbmc exited; see %s'
                                     % logs[-1])
            for log in logs:
                with open(log, 'rb') as f:
                    if b'Managing instance' not in f.read():
                        return False
            return True
        wait_for('openstackbmc processes', up, timeout=180, interval=0.2)

    def node_body(self, index, server):
        addr, port = ovb_address(index)
        return {'name': '%s-ipmi-%d' % (self.ctx.prefix, index),
                'driver': 'ipmi',
                'driver_info': {'ipmi_address': addr, 'ipmi_port': port,
                                'ipmi_username': IPMI_USER,
                                'ipmi_password': IPMI_PASSWORD}}


class IronicFloor(System):
    name = FLOOR

    def node_body(self, index, server):
        return {'name': '%s-fake-%d' % (self.ctx.prefix, index),
                'driver': 'fake-hardware', 'boot_interface': 'fake',
                'deploy_interface': 'fake', 'power_interface': 'fake',
                'management_interface': 'fake'}


SYSTEM_CLASSES = {c.name: c for c in (OurDriver, SushyRedfish, OvbIpmi,
                                      IronicFloor)}


class Context:
    pass


def run_system(ctx, name):
    """Enroll, time sweeps and power actions, measure memory; one system."""
    system = SYSTEM_CLASSES[name](ctx)
    user_id = ctx.project.users[name].id
    nova_log, ks_log = ctx.nova_log, ctx.keystone_log
    n = len(ctx.servers)
    result = {'nodes': n}
    ironic = Ironic(name, ctx.run_dir, ctx.status, ctx.project,
                    ctx.args.sync_interval, ctx.args.ironic_launcher)
    ks_offset = size(ks_log)
    relay_start = ctx.project.relays[name].token_posts
    nova_offset = size(nova_log)
    t_phase = time.time()
    try:
        say('%s: starting extra processes' % name)
        system.start(ctx.servers)
        say('%s: starting Ironic on port %d' % (name, ironic.port))
        ironic.start()
        t0 = time.monotonic()
        uuids = ironic.enroll([system.node_body(i, s)
                               for i, s in enumerate(ctx.servers)])
        result['enroll_seconds'] = round(time.monotonic() - t0, 1)
        say('%s: %d nodes manageable in %.0fs'
            % (name, n, result['enroll_seconds']))
        t_ready = time.time()

        # Sweeps of Ironic's own _sync_power_states that begin after all
        # nodes are manageable (Ironic logs each one's runtime at debug).
        want = ctx.args.sweeps

        def done():
            got = [s for s in sweeps(ironic.log) if s['start'] >= t_ready]
            # A sweep longer than a minute is timed once (it is steady).
            if got and got[0]['seconds'] > 60:
                return got[:1]
            return got if len(got) >= want else None
        got = wait_for('%d power sync sweeps (%s)' % (want, name), done,
                       timeout=(want + 1) * ctx.args.sync_interval + 900,
                       interval=1)[:want]
        time.sleep(1)
        reqs = nova_requests(nova_log, nova_offset, user_id)
        per_sweep = []
        for s in got:
            inside = [r for r in reqs
                      if s['start'] - 0.05 <= r[1] and r[0] <= s['end'] + 0.05]
            per_sweep.append({
                'seconds': s['seconds'],
                'nova_requests': len(inside),
                'server_listings': sum(1 for r in inside if r[2] == 'GET'
                                       and LISTING_RE.match(r[3])),
                'server_gets': sum(1 for r in inside if r[2] == 'GET'
                                   and SERVER_GET_RE.match(r[3])),
                'errors': sum(1 for r in inside if r[4] >= 400),
                'by_kind': request_kinds(inside)})
        result['sweeps'] = per_sweep
        med = lambda k: statistics.median(p[k] for p in per_sweep)  # noqa
        result['sweep_seconds'] = med('seconds')
        result['nova_requests_per_sweep'] = med('nova_requests')
        result['server_listings_per_sweep'] = med('server_listings')
        result['server_gets_per_sweep'] = med('server_gets')
        say('%s: sweep %.2fs, %s Nova requests (%s listings, %s GETs)'
            % (name, result['sweep_seconds'],
               result['nova_requests_per_sweep'],
               result['server_listings_per_sweep'],
               result['server_gets_per_sweep']))
        pss, rss = system.memory()

        # Power off then on, on the first few nodes, one at a time.
        actions = {'power off': [], 'power on': []}
        samples = 0 if name == FLOOR else ctx.args.power_samples
        for i in range(min(samples, n)):
            for target in ('power off', 'power on'):
                a = power_action(ironic, uuids[i], ctx.servers[i].id, target,
                                 ctx.probe, nova_log, user_id)
                actions[target].append(a)
                say('%s: %s node %d: Ironic %.2fs, Nova %.2fs, overhead '
                    '%.2fs' % (name, target, i, a['ironic_s'], a['nova_s'],
                               a['overhead_s']))
        result['power_actions'] = actions
        for target, key in (('power on', 'power_on'),
                            ('power off', 'power_off')):
            if not actions[target]:
                continue
            result[key + '_overhead_s'] = round(statistics.median(
                a['overhead_s'] for a in actions[target]), 3)
            result[key + '_ironic_s'] = round(statistics.median(
                a['ironic_s'] for a in actions[target]), 3)
            result[key + '_nova_s'] = round(statistics.median(
                a['nova_s'] for a in actions[target]), 3)
        pss2, rss2 = system.memory()
        result['extra_memory_mb'] = max(pss, pss2)
        result['extra_memory_rss_mb'] = max(rss, rss2)
        result['extra_processes'] = len(system.procs)
        result['ironic_pss_mb'] = memory_mb([ironic.proc.pid])[0]
    finally:
        ironic.stop()
        system.stop()
        time.sleep(0.5)
        relay = ctx.project.relays[name]
        result['keystone_token_requests'] = keystone_tokens(
            ks_log, ks_offset, size(ks_log), relay.tag.decode())
        result['keystone_token_requests_relay_count'] = \
            relay.token_posts - relay_start
        result['phase_seconds'] = round(time.time() - t_phase, 1)
        all_reqs = nova_requests(nova_log, nova_offset, user_id)
        result['nova_requests_whole_phase'] = len(all_reqs)
    return result


# -- output ------------------------------------------------------------------

ROWS = (
    ('nodes', 'nodes', '%d'),
    ('nova_requests_per_sweep', 'Nova requests / sweep', '%g'),
    ('server_listings_per_sweep', 'GET /servers/detail / sweep', '%g'),
    ('server_gets_per_sweep', 'GET /servers/{id} / sweep', '%g'),
    ('keystone_token_requests', 'Keystone tokens (whole run)', '%d'),
    ('sweep_seconds', 'power sync sweep (s)', '%.2f'),
    ('power_on_overhead_s', 'power on overhead (s)', '%.2f'),
    ('power_off_overhead_s', 'power off overhead (s)', '%.2f'),
    ('power_on_ironic_s', 'power on, Ironic sees (s)', '%.2f'),
    ('power_off_ironic_s', 'power off, Ironic sees (s)', '%.2f'),
    ('extra_memory_mb', 'extra processes PSS (MB)', '%.1f'),
    ('extra_processes', 'extra processes', '%d'),
)


def table(results):
    systems = [s for s in SYSTEMS + (FLOOR,) if s in results]
    ours = results.get('openstack', {})
    header = ['metric'] + systems
    rows = []
    for key, label, fmt in ROWS:
        row = [label]
        for s in systems:
            r = results[s]
            if 'error' in r and key not in r:
                row.append('failed' if key == 'nodes' else '-')
                continue
            v = r.get(key)
            if v is None:
                row.append('-')
                continue
            cell = fmt % v
            base = ours.get(key)
            if s != 'openstack' and key != 'nodes' and \
                    isinstance(base, (int, float)):
                if base > 0:
                    cell += ' (%.1fx)' % (v / base)
                elif v > 0:
                    cell += ' (ours 0)'
            row.append(cell)
        rows.append(row)
    widths = [max(len(r[i]) for r in rows + [header])
              for i in range(len(header))]
    line = '+' + '+'.join('-' * (w + 2) for w in widths) + '+'
    out = [line, '| ' + ' | '.join(h.ljust(w) for h, w in
                                   zip(header, widths)) + ' |', line]
    for r in rows:
        out.append('| ' + ' | '.join(c.ljust(w) for c, w in
                                     zip(r, widths)) + ' |')
    out.append(line)
    return '\n'.join(out)


def targets(results):
    r = results.get('openstack')
    if not r or 'sweep_seconds' not in r:
        return []
    n = r['nodes']
    out = []
    limit = math.ceil(n / 1000)
    out.append(('server listings per sweep <= ceil(N/1000) = %d' % limit,
                r['server_listings_per_sweep'] <= limit,
                r['server_listings_per_sweep']))
    out.append(('no per-node GET /servers/{id} in a sweep',
                r['server_gets_per_sweep'] == 0,
                r['server_gets_per_sweep']))
    for peer in ('sushy-redfish', 'ovb-ipmi'):
        p = results.get(peer)
        if p and 'sweep_seconds' in p:
            ratio = p['sweep_seconds'] / max(r['sweep_seconds'], 1e-9)
            out.append(('sweep >= 20x faster than %s' % peer, ratio >= 20,
                        '%.1fx' % ratio))
    for key in ('power_on_overhead_s', 'power_off_overhead_s'):
        if key in r:
            out.append(('%s median <= 0.5 s' % key, r[key] <= 0.5, r[key]))
    failed = sum(s['errors'] for s in r['sweeps'])
    if failed:
        out.append(('our sweeps without failed Nova requests', False,
                    '%d failed: the figures above show a failure mode'
                    % failed))
    return out


def versions(status):
    from importlib import metadata
    out = {}
    for dist in ('sushy-tools', 'openstack-virtual-baremetal', 'pyghmi',
                 'openstacksdk', 'python-novaclient'):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    py = os.path.join(status['ironic_venv'], 'bin', 'python')
    code = ('import hashlib, os, importlib.metadata as m, '
            'ironic_openstack_driver as d\n'
            'h = hashlib.sha256()\n'
            'p = os.path.dirname(d.__file__)\n'
            'for dp, dn, fs in sorted(os.walk(p)):\n'
            '    dn.sort()\n'
            '    for f in sorted(fs):\n'
            '        if f.endswith(".py"):\n'
            '            h.update(open(os.path.join(dp, f), "rb").read())\n'
            'print(m.version("ironic"), m.version("sushy"), h.hexdigest())')
    try:
        ironic, sushy, digest = subprocess.run(
            [py, '-c', code], capture_output=True, text=True, timeout=60,
            env=dict(os.environ, PYTHONPATH=REPO_DIR)).stdout.split()
        out.update({'ironic': ironic, 'sushy': sushy,
                    'driver_sha256': digest, 'driver_source': REPO_DIR})
    except ValueError:
        pass
    try:
        out['driver_git_head'] = subprocess.run(
            ['git', '-C', REPO_DIR, 'rev-parse', '--short', 'HEAD'],
            capture_output=True, text=True, timeout=10).stdout.strip()
        out['driver_git_dirty'] = bool(subprocess.run(
            ['git', '-C', REPO_DIR, 'status', '--porcelain', '--',
             'ironic_openstack_driver'], capture_output=True, text=True,
            timeout=10).stdout.strip())
    except OSError:
        pass
    try:
        out['ipmitool'] = subprocess.run(
            ['ipmitool', '-V'], capture_output=True, text=True,
            timeout=10).stdout.strip()
    except OSError:
        out['ipmitool'] = None
    return out


# -- main ------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--nodes', type=int, default=200)
    ap.add_argument('--systems', default=','.join(SYSTEMS),
                    help='comma-separated subset of %s; add %s for '
                         "Ironic's own floor (fake power, no Nova)"
                         % (', '.join(SYSTEMS), FLOOR))
    ap.add_argument('--sweeps', type=int, default=2,
                    help='power sync sweeps timed per system (median)')
    ap.add_argument('--sync-interval', type=int, default=30,
                    help='[conductor]sync_power_state_interval of the '
                         "benchmark's Ironics; keep it above "
                         '[openstack]server_list_max_age (20 s)')
    ap.add_argument('--power-samples', type=int, default=5,
                    help='nodes powered off and on per system')
    ap.add_argument('--lab-wait', type=int, default=900,
                    help='seconds to wait for a lab that is down')
    ap.add_argument('--output', default='bench-results.json')
    ap.add_argument('--ironic-launcher', metavar='FILE',
                    help='diagnosis only: run each Ironic as `<ironic venv '
                         'python> FILE --config-file ...` (a script that '
                         'traces or patches, then calls Ironic\'s main); '
                         'the results say so')
    args = ap.parse_args()
    systems = [s.strip() for s in args.systems.split(',') if s.strip()]
    unknown = set(systems) - set(SYSTEMS) - {FLOOR}
    if unknown or not systems:
        ap.error('unknown system(s): %s' % ', '.join(sorted(unknown)))
    if not 1 <= args.nodes <= 1000:
        ap.error('--nodes must be between 1 and 1000')

    status = lab_status(args.lab_wait)
    if not status.get('flavor') or not status.get('disk_image'):
        raise BenchError('the lab has no flavor/disk image yet')
    lab_warning = check_neutron(status, args.nodes)
    if lab_warning:
        say('WARNING: ' + lab_warning)
    ctx = Context()
    ctx.args = args
    ctx.status = status
    ctx.prefix = 'ios-bench-%s' % secrets.token_hex(3)
    ctx.run_dir = os.path.join(status['state_dir'], 'bench', ctx.prefix)
    os.makedirs(ctx.run_dir, mode=0o700)
    ctx.nova_log = status['services']['nova-api']['log']
    ctx.keystone_log = status['services']['keystone']['log']
    say('run %s: %d nodes, systems %s; logs in %s'
        % (ctx.prefix, args.nodes, ', '.join(systems), ctx.run_dir))

    ctx.project = Project(status, ctx.prefix, ctx.run_dir, systems)
    servers = Servers(ctx.project, ctx.prefix)
    results = {}
    interrupted = []

    def on_signal(signum, frame):
        interrupted.append(signum)
        raise KeyboardInterrupt('signal %d' % signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        flavor = ctx.project.create(args.nodes)
        servers.create(args.nodes, flavor, status['disk_image'])
        ctx.servers = servers.servers
        ctx.probe = servers.conn
        for name in systems:
            try:
                results[name] = run_system(ctx, name)
            except (BenchError, OSError) as e:    # OSError: a timeout
                say('%s FAILED: %s' % (name, e))
                results.setdefault(name, {'nodes': args.nodes})
                results[name]['error'] = str(e)
    finally:
        say('cleaning up')
        PROCS.stop()
        servers.delete()
        ctx.project.delete()

    for r in results.values():
        r.setdefault('nodes', args.nodes)
    doc = dict(results)
    doc['_meta'] = {
        'command': ' '.join(sys.argv), 'prefix': ctx.prefix,
        'date': datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec='seconds'),
        'machine': '%s, %d cores, %.0f GB RAM' % (
            ' '.join(os.uname()[i] for i in (0, 2)), os.cpu_count(),
            os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30),
        'sync_power_state_interval': args.sync_interval,
        'ovb_bmc_addressing': 'own loopback address and port per BMC',
        'shims': 'none',
        'lab_warning': lab_warning,
        'ironic_launcher': args.ironic_launcher,
        'versions': versions(status),
        'logs': ctx.run_dir}
    with open(args.output, 'w') as f:
        json.dump(doc, f, indent=2, sort_keys=True)
    print()
    if args.ironic_launcher:
        print('NOTE: Ironic ran through %s, not unmodified.'
              % args.ironic_launcher)
    print(table(results))
    print()
    for label, ok, value in targets(results):
        print('%-50s %s (%s)' % (label, 'PASS' if ok else 'MISS', value))
    if lab_warning:
        print('\nWARNING: ' + lab_warning)
    for name, r in results.items():
        if 'error' in r:
            print('%s: FAILED: %s' % (name, r['error']))
    print('\nwrote %s' % os.path.abspath(args.output))
    return 1 if any('error' in r for r in results.values()) else 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except BenchError as e:
        print('bench: error: %s' % e, file=sys.stderr)
        sys.exit(2)
