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

"""The fast lab's K fake compute hosts (``labctl up --compute-hosts K``).

No process starts here: the services' command lines, config files, the
remembered count and the stop of the old hosts on a new count.
"""

import configparser
import json
import os
import sys
import unittest
from unittest import mock

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(REPO, 'lab'))
sys.path.insert(0, REPO)

from bench import lab as benchlab  # noqa: E402
from labkit import compute  # noqa: E402
from labkit.compute import fake  # noqa: E402
from labkit.compute import libvirt  # noqa: E402
from labkit import lab as labmod  # noqa: E402
from labkit import procs  # noqa: E402
from labkit import services  # noqa: E402
from labkit import settings as s  # noqa: E402
from tests.unit.lab import lab_home  # noqa: E402


class LabHomeTestCase(lab_home.LabHomeTestCase):

    def setUp(self):
        super().setUp()
        os.environ.pop(s.COMPUTE_HOSTS_ENV, None)
        self.p = s.paths()

    def lab(self, virt='fake', hosts=None):
        return labmod.Lab(verbose=False, virt=virt, compute_hosts=hosts)

    def computes(self, lab):
        return [svc for svc in lab.services
                if getattr(svc, 'binary', None) == 'nova-compute']


class RequestedComputeHostsTest(LabHomeTestCase):

    def test_option_wins_over_environment(self):
        with mock.patch.dict(os.environ, {s.COMPUTE_HOSTS_ENV: '2'}):
            self.assertEqual(4, compute.requested_compute_hosts('fake', 4))

    def test_environment_is_read(self):
        with mock.patch.dict(os.environ, {s.COMPUTE_HOSTS_ENV: '3'}):
            self.assertEqual(3, compute.requested_compute_hosts('fake'))

    def test_nothing_asked_keeps_the_last_count(self):
        self.assertIsNone(compute.requested_compute_hosts('fake'))

    def test_real_mode_refuses_several_hosts(self):
        for virt in ('qemu', 'kvm'):
            exc = self.assertRaises_(procs.LabError,
                                     compute.requested_compute_hosts,
                                     virt, 2)
            self.assertIn('only the fast mode', str(exc))
            self.assertIn(virt, str(exc))
        self.assertEqual(1, compute.requested_compute_hosts('qemu', 1))

    def test_bad_counts_name_the_setting(self):
        for raw in (0, 17, '-1', 'four'):
            with mock.patch.dict(os.environ, {s.COMPUTE_HOSTS_ENV: str(raw)}):
                exc = self.assertRaises_(procs.LabError,
                                         compute.requested_compute_hosts,
                                         'fake')
            self.assertIn(s.COMPUTE_HOSTS_ENV, str(exc))

    def assertRaises_(self, exc_class, func, *args):
        with self.assertRaises(exc_class) as ctx:
            func(*args)
        return ctx.exception


class FakeHostsServicesTest(LabHomeTestCase):

    def test_k_hosts_have_own_names_logs_pidfiles(self):
        hosts = self.computes(self.lab(hosts=3))
        self.assertEqual(['nova-compute', 'nova-compute-2', 'nova-compute-3'],
                         [svc.name for svc in hosts])
        self.assertEqual(['lab-compute', 'lab-compute-2', 'lab-compute-3'],
                         [svc.host for svc in hosts])
        self.assertEqual(3, len({svc.log for svc in hosts}))
        self.assertEqual(3, len({svc.pidfile for svc in hosts}))
        self.assertTrue(all(svc.nova_group for svc in hosts))

    def test_extra_host_reads_its_conf_after_nova_conf(self):
        first, second = self.computes(self.lab(hosts=2))
        nova_conf = os.path.join(self.p.etc_of('nova'), 'nova.conf')
        own = fake.host_conf_path(self.p, 2)
        self.assertEqual(['--config-file', nova_conf], first.argv()[-2:])
        self.assertEqual(['--config-file', nova_conf, '--config-file', own],
                         second.argv()[-4:])
        self.assertEqual([nova_conf, own], second.config_files())

    def test_host_confs_override_host_and_state_path(self):
        fake.write_host_configs(self.p, 3)
        self.assertFalse(os.path.exists(fake.host_conf_path(self.p, 1)))
        state_paths = set()
        for index in (2, 3):
            conf = configparser.ConfigParser()
            conf.read(fake.host_conf_path(self.p, index))
            self.assertEqual('lab-compute-%d' % index,
                             conf['DEFAULT']['host'])
            state_paths.add(conf['DEFAULT']['state_path'])
            self.assertTrue(os.path.isdir(conf['DEFAULT']['state_path']))
        # Nova keeps the node UUID in <state_path>/compute_id.
        self.assertEqual(2, len(state_paths))
        self.assertNotIn(self.p.data_of('nova'), state_paths)

    def test_real_mode_has_one_host(self):
        s.save_mode(self.p, 'fake', 4)
        self.assertEqual(1, self.lab(virt='qemu').compute_hosts)


class RememberedCountTest(LabHomeTestCase):

    def test_status_and_down_see_the_count_of_the_last_up(self):
        s.save_mode(self.p, 'fake', 4)
        lab = labmod.Lab(verbose=False)
        self.assertEqual(4, lab.compute_hosts)
        self.assertEqual(4, len(self.computes(lab)))

    def test_mode_file_of_an_older_lab_means_one_host(self):
        os.makedirs(self.home, exist_ok=True)
        with open(self.p.mode_file, 'w') as f:
            json.dump({'virt': 'fake'}, f)
        self.assertEqual(1, s.load_compute_hosts(self.p))

    @mock.patch.object(services.Service, 'stop', autospec=True)
    def test_new_count_stops_every_old_host(self, stop):
        stop.return_value = True
        s.save_mode(self.p, 'fake', 4)
        lab = self.lab(hosts=2)
        labmod.switch_mode(lab.ctx, lab.mode)
        self.assertEqual(
            ['nova-compute', 'nova-compute-2', 'nova-compute-3',
             'nova-compute-4'],
            sorted(call.args[0].name for call in stop.call_args_list))
        self.assertEqual(2, s.load_compute_hosts(self.p))

    @mock.patch.object(services.Service, 'stop', autospec=True)
    def test_same_count_stops_nothing(self, stop):
        s.save_mode(self.p, 'fake', 3)
        lab = self.lab(hosts=3)
        labmod.switch_mode(lab.ctx, lab.mode)
        stop.assert_not_called()


class ComputeReadyTest(LabHomeTestCase):

    def session(self, provider):
        sess = mock.Mock()
        sess.get.side_effect = [
            {'services': [{'state': 'up',
                           'updated_at': '2099-01-01T00:00:00.000000'}]},
            {'resource_providers': [{'name': provider}]}]
        return sess

    def test_ready_asks_for_the_own_host_and_provider(self):
        second = self.computes(self.lab(hosts=2))[1]
        sess = self.session('lab-compute-2')
        self.assertTrue(second.reports(sess, {'started_at': 0}))
        urls = [call.args[0] for call in sess.get.call_args_list]
        self.assertIn('binary=nova-compute&host=lab-compute-2', urls[0])
        self.assertTrue(urls[1].endswith('?name=lab-compute-2'))

    def test_libvirt_compute_asks_any_host_and_the_machines_provider(self):
        compute_svc, = self.computes(self.lab(virt='qemu'))
        sess = self.session('machine')
        with mock.patch.object(libvirt.socket, 'gethostname',
                               return_value='machine'):
            self.assertTrue(compute_svc.reports(sess, {'started_at': 0}))
        urls = [call.args[0] for call in sess.get.call_args_list]
        self.assertTrue(urls[0].endswith('?binary=nova-compute'))
        self.assertTrue(urls[1].endswith('?name=machine'))
        self.assertEqual(s.LIBVIRT_COMPUTE_HOST, compute_svc.host)

    def test_heartbeat_older_than_the_start_is_not_ready(self):
        second = self.computes(self.lab(hosts=2))[1]
        sess = self.session('lab-compute-2')
        self.assertFalse(second.reports(sess, {'started_at': 4102444800}))
        self.assertEqual(1, sess.get.call_count)

    def test_no_process_is_not_ready(self):
        sess = mock.Mock()
        self.assertFalse(self.computes(self.lab())[0].reports(sess, None))
        sess.get.assert_not_called()


class BenchComputeHostsTest(unittest.TestCase):

    def status(self, names, virt='fake'):
        return {'virt': virt, 'services': {n: {} for n in names}}

    def test_one_host_for_1000_servers_names_the_command(self):
        warning = benchlab.check_compute_hosts(
            self.status(['nova-api', 'nova-compute']), 1000)
        self.assertIn('--compute-hosts 10', warning)

    def test_enough_hosts_no_warning(self):
        names = ['nova-compute'] + [
            'nova-compute-%d' % i for i in range(2, 11)]
        self.assertIsNone(benchlab.check_compute_hosts(
            self.status(names), 1000))
        self.assertIsNone(benchlab.check_compute_hosts(
            self.status(['nova-compute']), 100))
