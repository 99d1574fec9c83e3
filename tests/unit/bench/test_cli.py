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

"""A run's results file (bench/cli.py main): written per node count,
before the cleanup; and a run interrupted by a signal, cleaned up."""

import contextlib
import io
import json
import os
import signal
import tempfile
import unittest
from unittest import mock

from tests.unit import bench as _path  # noqa: F401  (the repo on sys.path)

from bench import cli  # noqa: E402
from bench.common import BenchError  # noqa: E402

STATUS = {'flavor': 'bm.small', 'disk_image': 'image', 'state_dir': None,
          'services': {'nova-api': {'log': '/dev/null'},
                       'keystone': {'log': '/dev/null'},
                       'nova-compute': {}}}


class ResultsFileTest(unittest.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp()
        self.output = os.path.join(self.dir, 'bench-results.json')
        self.status = dict(STATUS, state_dir=self.dir)
        self.servers = mock.Mock(build_seconds={200: 10.0})
        self.written_at_cleanup = None
        self.servers.delete.side_effect = self._cleanup

    def _cleanup(self):
        with open(self.output) as f:
            self.written_at_cleanup = json.load(f)

    def _main(self, measured):
        argv = ['run.py', '--nodes', '200,1000', '--systems',
                'openstack,ironic-floor', '--output', self.output]
        with mock.patch('sys.argv', argv), \
                mock.patch.object(cli.install, 'ensure_debian_packages'), \
                mock.patch.object(cli, 'lab_status',
                                  return_value=self.status), \
                mock.patch.object(cli, 'check_neutron', return_value=None), \
                mock.patch.object(cli, 'check_compute_hosts',
                                  return_value=None), \
                mock.patch.object(cli, 'Project'), \
                mock.patch.object(cli, 'Servers',
                                  return_value=self.servers), \
                mock.patch.object(cli, 'PROCS'), \
                mock.patch.object(cli, 'versions', return_value={}), \
                mock.patch.object(cli, 'run_node_count',
                                  side_effect=measured), \
                contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            return cli.main()

    def test_a_failure_at_the_second_count_keeps_the_first_ones_results(self):
        first = {'openstack': {'sweep_seconds': 2.0},
                 'ironic-floor': {'sweep_seconds': 1.0}}
        with self.assertRaises(BenchError):
            self._main([first, BenchError('lab gone')])
        got = self.written_at_cleanup['results_by_nodes']
        self.assertEqual(['200'], list(got))
        self.assertEqual(2.0, got['200']['openstack']['sweep_ratio_to_floor'])
        self.servers.delete.assert_called_once_with()

    def test_the_whole_run_is_written_before_the_cleanup(self):
        runs = [{'openstack': {'sweep_seconds': s, 'sweeps': [],
                               'server_gets_per_sweep': 0},
                 'ironic-floor': {'sweep_seconds': 1.0}} for s in (1.1, 1.2)]
        self.assertEqual(0, self._main(runs))
        self.assertEqual(['1000', '200'],
                         sorted(self.written_at_cleanup['results_by_nodes']))

    def test_meta_holds_what_was_measured_or_asked_no_constants(self):
        runs = [{'openstack': {'sweep_seconds': 1.0},
                 'ironic-floor': {'sweep_seconds': 1.0}}] * 2
        self.assertEqual(0, self._main(runs))
        meta = self.written_at_cleanup['_meta']
        # Written whatever ran: they said nothing about the run.
        self.assertNotIn('shims', meta)
        self.assertNotIn('ovb_bmc_addressing', meta)
        self.assertEqual([200, 1000], meta['node_counts'])


class InterruptionTest(unittest.TestCase):
    """SIGINT/SIGTERM at any phase: one cleanup, then exit 128 + signal."""

    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp()
        self.status = dict(STATUS, state_dir=self.dir)
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            self.addCleanup(signal.signal, signum, signal.getsignal(signum))
        self.cleaned = []
        self.servers = mock.Mock(build_seconds={})
        self.servers.delete.side_effect = lambda: self.cleaned.append(
            'servers')
        self.project = mock.Mock()
        self.project.delete.side_effect = lambda: self.cleaned.append(
            'project')
        self.procs = mock.Mock()
        self.procs.stop.side_effect = lambda: self.cleaned.append(
            'processes')
        self.ironic = mock.Mock(system='openstack')
        self.ironic.stop.side_effect = lambda: self.cleaned.append('ironic')

    def _run(self, measured):
        argv = ['run.py', '--nodes', '200', '--systems', 'openstack',
                '--output', os.path.join(self.dir, 'out.json')]
        err = io.StringIO()
        with mock.patch('sys.argv', argv), \
                mock.patch.object(cli, 'INTERRUPTION', cli.Interruption()), \
                mock.patch.object(cli.install, 'ensure_debian_packages'), \
                mock.patch.object(cli, 'lab_status',
                                  return_value=self.status), \
                mock.patch.object(cli, 'check_neutron', return_value=None), \
                mock.patch.object(cli, 'check_compute_hosts',
                                  return_value=None), \
                mock.patch.object(cli, 'Project',
                                  return_value=self.project), \
                mock.patch.object(cli, 'Servers',
                                  return_value=self.servers), \
                mock.patch.object(cli, 'PROCS', self.procs), \
                mock.patch.object(cli, 'run_node_count',
                                  side_effect=measured), \
                contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(err), \
                self.assertRaises(SystemExit) as exit:
            cli.run()
        return exit.exception.code, err.getvalue()

    def enrolling(self, signum):
        def measured(ctx, n, names, servers, flavor):
            # As run_system does once it made an Ironic, then enrolls.
            ctx.ironics.append(self.ironic)
            os.kill(os.getpid(), signum)
            self.fail('the signal did not interrupt the run')
        return measured

    def test_sigterm_while_enrolling_cleans_up_and_exits_143(self):
        code, err = self._run(self.enrolling(signal.SIGTERM))
        self.assertEqual(128 + signal.SIGTERM, code)
        self.assertIn('interrupted by SIGTERM', err)
        self.assertEqual(['ironic', 'processes', 'servers', 'project'],
                         self.cleaned)

    def test_sigint_while_enrolling_cleans_up_and_exits_130(self):
        code, err = self._run(self.enrolling(signal.SIGINT))
        self.assertEqual(128 + signal.SIGINT, code)
        self.assertEqual(['ironic', 'processes', 'servers', 'project'],
                         self.cleaned)

    def test_a_second_signal_during_the_cleanup_does_not_stop_it(self):
        def deleting():
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGTERM)
            self.cleaned.append('servers')
        self.servers.delete.side_effect = deleting
        code, err = self._run(self.enrolling(signal.SIGTERM))
        self.assertEqual(128 + signal.SIGTERM, code)
        self.assertEqual(['ironic', 'processes', 'servers', 'project'],
                         self.cleaned)

    def test_a_failing_cleanup_step_does_not_skip_the_next(self):
        self.servers.delete.side_effect = OSError('nova-api went away')
        code, err = self._run(self.enrolling(signal.SIGTERM))
        self.assertEqual(128 + signal.SIGTERM, code)
        self.assertEqual(['ironic', 'processes', 'project'], self.cleaned)
