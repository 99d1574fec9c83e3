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

import os
import re
import subprocess

from openstack import exceptions as sdk_exc

from bench.common import BenchError
from bench.common import FLOOR
from bench.common import HOST
from bench.common import http
from bench.common import port_free
from bench.common import PROCS
from bench.common import quiet_report
from bench.common import read_from
from bench.common import REPO_DIR
from bench.common import tool_errors
from bench.common import wait_for
from ironic_openstack_driver.tools import enroll as enroll_tool
from ironic_openstack_driver.tools import node_states
from ironic_openstack_driver.tools import waiting

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
        self._conn = None
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

    def baremetal(self):
        """openstacksdk's baremetal proxy of this Ironic (noauth)."""
        if self._conn is None:
            import openstack
            self._conn = openstack.connect(
                load_yaml_config=False, load_envvars=False,
                app_name='ios-bench', app_version='1', auth_type='none',
                baremetal_endpoint_override=self.url, api_timeout=60)
        return self._conn.baremetal

    def enroll(self, bodies, workers=8):
        """Create nodes and move them to manageable.

        With ironic-openstack-nodes' functions (tools/enroll.py
        enroll_nodes, node_states.manage_nodes): ``workers`` nodes created
        at once, then managed in batches, each waited for on one node
        listing per round. Ironic verifies power on the way. The servers
        are marked beforehand (systems/openstack.py). Returns the node
        UUIDs in the order of bodies.
        """
        bm = self.baremetal()
        report = quiet_report(enroll_tool.COLUMNS)
        # One bound for asking Ironic (a busy conductor) and for waiting.
        budget = 120 + 5 * len(bodies)
        ok, enrolled = enroll_tool.enroll_nodes(
            bm, report, bodies, None, timeout=budget, workers=workers,
            mark=False)
        if not ok:
            raise BenchError('enrolling nodes: %s' % tool_errors(report))
        nodes = [node for _name, node, _result in enrolled]

        def power_on(node):
            # Ironic's fake power reports what was last set: set it once.
            try:
                bm.set_node_power_state(node, 'power on')
            except sdk_exc.SDKException as e:
                raise BenchError('power on %s: %s' % (node.id, e))
        if self.system == FLOOR:
            waiting.in_parallel(power_on, nodes, workers)
        ok, managed = node_states.manage_nodes(bm, report, nodes, budget,
                                               workers=workers)
        if not ok:
            raise BenchError('managing nodes (%s): %s' % (self.system,
                                                          tool_errors(report)))
        unsynced = [n.name for n in managed.values() if not n.power_state]
        if unsynced:
            raise BenchError('nodes manageable without a power state (%s): '
                             '%s' % (self.system, ', '.join(unsynced[:5])))
        return [node.id for node in nodes]
