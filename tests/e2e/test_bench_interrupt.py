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

"""The benchmark (bench/run.py) interrupted on the fast lab.

SIGINT while it enrolls (its Ironic refusing every "manage" with 503, as
Ironic 39's conductor does once a burst wedged its worker pool: the
enrolment then never ends by itself), and SIGTERM while it waits for the
timed power sync sweeps: each run exits within 30 s (the bound of the
wait for it, not a measurement), with 128 + the signal, and leaves no
server, project, user, Ironic, node database or process.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.request

import pytest

from ironic_openstack_driver.tools import waiting

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
# The bound: a signalled run has exited by then.
EXIT_BOUND = 30
# How long a phase may take to come (servers built, Ironic started).
PHASE_WAIT = 600
IRONIC_URL = 'http://127.0.0.1:16401'    # bench/ironic.py, openstack
# An Ironic whose conductor refuses every "manage" as a wedged one does.
# (Its API's call to the conductor refuses: Ironic's singleprocess main
# must import the conductor's manager itself.)
REFUSING_LAUNCHER = '''\
import sys

from ironic.command.singleprocess import main
from ironic.common import exception
from ironic.conductor import rpcapi


def refuse(self, context, node_id, action, topic=None):
    raise exception.NoFreeConductorWorker()


rpcapi.ConductorAPI.do_provisioning_action = refuse
sys.exit(main())
'''


class Bench:
    """bench/run.py as a child process, its output read line by line."""

    def __init__(self, tmp_path, *extra):
        self.lines = []
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(REPO, 'bench', 'run.py'),
             '--nodes', '4', '--systems', 'openstack', '--sweeps', '1',
             '--changed-servers', '0', '--power-samples', '1',
             '--lab-wait', '60',
             '--output', str(tmp_path / 'bench-results.json')] + list(extra),
            cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip('\n'))

    def output(self):
        return '\n'.join(self.lines)

    def wait_until(self, what, check):
        """check()'s first true value, waited for while the bench runs."""
        def exited():
            if self.proc.poll() is not None:
                return 'the bench exited (%s) before %s:\n%s' % (
                    self.proc.returncode, what, self.output()[-4000:])
        return waiting.wait_for(what, check, PHASE_WAIT, interval=0.5,
                                error=AssertionError, gave_up=exited)

    def wait_line(self, pattern):
        """The first match of pattern in the output, waited for."""
        def found():
            for line in list(self.lines):
                match = re.search(pattern, line)
                if match:
                    return match
        return self.wait_until(repr(pattern), found)

    def interrupt(self, signum):
        """Send signum; the exit status, or fail after EXIT_BOUND s."""
        self.proc.send_signal(signum)
        try:
            status = self.proc.wait(timeout=EXIT_BOUND)
            # The output's last lines (the pipe is read to its end).
            self._reader.join(timeout=10)
            return status
        except subprocess.TimeoutExpired:
            pytest.fail('the bench did not exit within %d s of %s:\n%s' % (
                EXIT_BOUND, signal.Signals(signum).name,
                self.output()[-4000:]))

    def kill(self):
        """SIGKILL (only after a failure), by this child's PID."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=60)


def _nodes():
    req = urllib.request.Request(
        IRONIC_URL + '/v1/nodes',
        headers={'X-OpenStack-Ironic-API-Version': 'latest'})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return json.load(resp)['nodes']
    except OSError:
        return []


def _processes_mentioning(text):
    """PIDs whose command line holds text (read from /proc, not killed)."""
    pids = []
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % pid, 'rb') as f:
                cmdline = f.read().replace(b'\0', b' ').decode(
                    errors='replace')
        except OSError:
            continue
        if text in cmdline:
            pids.append(int(pid))
    return pids


def _leftovers(nova, keystone, prefix, logs):
    """What the run left: a description per kind, empty when nothing."""
    left = {}
    servers = [s.name for s in nova.compute.servers(
        all_projects=True, name='^%s' % prefix)]
    if servers:
        left['servers'] = servers
    if keystone.identity.find_project(prefix, ignore_missing=True):
        left['project'] = prefix
    users = [u.name for u in keystone.identity.users()
             if (u.name or '').startswith(prefix)]
    if users:
        left['users'] = users
    dbs = [os.path.join(d, f) for d, _sub, files in os.walk(logs)
           for f in files if f.startswith('ironic.sqlite')]
    if dbs:
        left['node databases'] = dbs
    procs = _processes_mentioning(logs)
    if procs:
        left['processes'] = procs
    if _nodes():
        left['ironic'] = IRONIC_URL + ' still answers'
    return left


def _cleanup_after_failure(bench, nova, keystone, prefix):
    """Best effort, when the bench could not clean up itself."""
    bench.kill()
    if not prefix:
        return
    for server in nova.compute.servers(all_projects=True,
                                       name='^%s' % prefix):
        nova.compute.delete_server(server, ignore_missing=True)
    for user in list(keystone.identity.users()):
        if (user.name or '').startswith(prefix):
            keystone.identity.delete_user(user, ignore_missing=True)
    project = keystone.identity.find_project(prefix, ignore_missing=True)
    if project:
        keystone.identity.delete_project(project, ignore_missing=True)


def _interrupted_run(tmp_path, nova, keystone, signum, phase, extra=()):
    bench = Bench(tmp_path, *extra)
    prefix = None
    ok = False
    try:
        run = bench.wait_line(r'run (ios-bench-[0-9a-f]{6}): .* logs in '
                              r'(\S+)$')
        prefix, logs = run.group(1), run.group(2)
        phase(bench)
        status = bench.interrupt(signum)
        out = bench.output()
        assert status == 128 + signum, out[-4000:]
        assert 'cleaned up' in out, out[-4000:]
        assert {} == _leftovers(nova, keystone, prefix, logs), out[-4000:]
        ok = True
        return out
    finally:
        if not ok:
            _cleanup_after_failure(bench, nova, keystone, prefix)


def test_sigint_while_enrolling_stops_the_bench_and_cleans_up(
        lab, lab_admin_cloud, lab_project_admin_cloud, tmp_path):
    launcher = tmp_path / 'refusing_ironic.py'
    launcher.write_text(REFUSING_LAUNCHER)

    def enrolling(bench):
        bench.wait_line(r'openstack: starting Ironic on port 16401')
        # Nodes created, their "manage" refused: the enrolment goes on.
        bench.wait_until('nodes in the bench\'s Ironic', _nodes)
    out = _interrupted_run(tmp_path, lab_project_admin_cloud,
                           lab_admin_cloud, signal.SIGINT, enrolling,
                           ('--ironic-launcher', str(launcher)))
    assert 'nodes manageable' not in out


def test_sigterm_during_the_timed_sweeps_stops_the_bench_and_cleans_up(
        lab, lab_admin_cloud, lab_project_admin_cloud, tmp_path):
    def sweeping(bench):
        # Then the bench waits for three power sync sweeps that begin
        # after it ([conductor]sync_power_state_interval 30 s apart).
        bench.wait_line(r'openstack: 4 nodes manageable in')
    out = _interrupted_run(tmp_path, lab_project_admin_cloud,
                           lab_admin_cloud, signal.SIGTERM, sweeping,
                           ('--sweeps', '3'))
    assert 'Nova requests (' not in out
