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

"""Ironic's fast track in the real-mode lab (``labctl up --fast-track``).

No process starts here: what ``up`` is asked for (option, environment),
what it records in the state dir, the ironic.conf it renders from that,
and what ``status`` says.
"""

import configparser
import io
import os
import sys
from unittest import mock

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(REPO, 'lab'))

import labctl  # noqa: E402
from labkit import configs  # noqa: E402
from labkit import context  # noqa: E402
from labkit import deploying  # noqa: E402
from labkit import lab as labmod  # noqa: E402
from labkit import mode as modes  # noqa: E402
from labkit import namespace  # noqa: E402
from labkit import procs  # noqa: E402
from labkit import settings as s  # noqa: E402
from labkit import status as statusmod  # noqa: E402
from labkit import tuning  # noqa: E402
from tests.unit.lab import lab_home  # noqa: E402

IMAGES = {'deploy_kernel': '/i/ipa.kernel',
          'deploy_ramdisk': '/i/ipa.initramfs'}
SECRETS = {name: 'pw-' + name for name in
           ('db', 'admin', 'demo', 'rabbit') + s.SERVICE_USERS}
#: Ironic 39's bound of [deploy]fast_track_timeout (ironic/conf/deploy.py)
#: and the default of [api]ramdisk_heartbeat_timeout.
IRONIC_MAX_FAST_TRACK_TIMEOUT = 300
IRONIC_RAMDISK_HEARTBEAT_TIMEOUT = 300


class FastTrackTestCase(lab_home.LabHomeTestCase):

    def setUp(self):
        super().setUp()
        os.environ.pop(s.FAST_TRACK_ENV, None)
        self.p = s.paths()

    def ironic_conf(self, virt='qemu'):
        """ironic.conf of the lab in ``virt``, as ``up`` writes it."""
        mode = modes.Mode(self.p, virt)
        with mock.patch('labkit.images.recorded', return_value=IMAGES):
            text = configs.ironic(self.p, SECRETS,
                                  mode_conf=mode.ironic_conf())['ironic.conf']
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_string(text)
        return parser

    def record(self, virt, on):
        ctx = context.Context(self.p, verbose=False)
        labmod.record_fast_track(ctx, modes.Mode(self.p, virt), on)


class RequestedTest(FastTrackTestCase):

    def test_off_unless_asked(self):
        self.assertFalse(modes.requested_fast_track('qemu'))

    def test_the_option_wins_over_the_environment(self):
        with mock.patch.dict(os.environ, {s.FAST_TRACK_ENV: '1'}):
            self.assertTrue(modes.requested_fast_track('qemu'))
            self.assertFalse(modes.requested_fast_track('kvm', False))
        with mock.patch.dict(os.environ, {s.FAST_TRACK_ENV: '0'}):
            self.assertTrue(modes.requested_fast_track('qemu', True))

    def test_the_environment_says_yes_or_no(self):
        for raw, expected in (('yes', True), ('TRUE', True), ('off', False),
                              ('', False)):
            with mock.patch.dict(os.environ, {s.FAST_TRACK_ENV: raw}):
                self.assertIs(expected, modes.requested_fast_track('qemu'))
        with mock.patch.dict(os.environ, {s.FAST_TRACK_ENV: 'maybe'}), \
                self.assertRaises(procs.LabError) as caught:
            modes.requested_fast_track('qemu')
        self.assertIn("IOS_LAB_FAST_TRACK='maybe'", str(caught.exception))

    def test_the_fast_mode_refuses_the_option_and_ignores_the_env(self):
        with self.assertRaises(procs.LabError) as caught:
            modes.requested_fast_track('fake', True)
        self.assertIn('--fast-track', str(caught.exception))
        self.assertIn('--virt qemu', str(caught.exception))
        with mock.patch.dict(os.environ, {s.FAST_TRACK_ENV: '1'}):
            self.assertFalse(modes.requested_fast_track('fake'))

    def test_labctl_passes_the_option_to_up(self):
        for argv, expected in ((['--fast-track'], True),
                               (['--no-fast-track'], False), ([], False)):
            with mock.patch.object(labmod.Lab, 'up', autospec=True,
                                   return_value={}) as up, \
                    mock.patch.object(statusmod, 'print_status',
                                      autospec=True):
                self.assertEqual(0, labctl.main(['up', '--virt', 'qemu']
                                                + argv))
            self.assertEqual(expected, up.call_args.kwargs['fast_track'])

    def test_labctl_up_in_the_fast_mode_with_the_option_fails(self):
        with mock.patch.object(labmod.Lab, 'up', autospec=True) as up, \
                mock.patch('sys.stderr', new_callable=io.StringIO) as err:
            self.assertEqual(1, labctl.main(['up', '--fast-track']))
        up.assert_not_called()
        self.assertIn('--fast-track', err.getvalue())


class RecordedTest(FastTrackTestCase):

    def test_an_up_with_it_records_it_one_without_removes_it(self):
        self.record('qemu', True)
        self.assertEqual({'fast_track': True}, tuning.load(self.p))
        self.record('qemu', False)
        self.assertEqual({}, tuning.load(self.p))

    def test_other_tuning_stays(self):
        tuning.save(self.p, token_lifetime=60)
        self.record('qemu', True)
        self.record('qemu', False)
        self.assertEqual({'token_lifetime': 60}, tuning.load(self.p))

    def test_the_fast_mode_records_nothing(self):
        self.record('fake', True)
        self.assertFalse(tuning.fast_track(self.p))


class IronicConfTest(FastTrackTestCase):

    def test_off_by_default(self):
        conf = self.ironic_conf()
        self.assertFalse(conf.getboolean('deploy', 'fast_track'))
        self.assertNotIn('fast_track_timeout', conf['deploy'])

    def test_on_with_a_timeout_ironic_accepts(self):
        self.record('qemu', True)
        conf = self.ironic_conf()
        self.assertTrue(conf.getboolean('deploy', 'fast_track'))
        timeout = int(conf['deploy']['fast_track_timeout'])
        self.assertEqual(deploying.FAST_TRACK_TIMEOUT, timeout)
        # Ironic refuses more than its maximum, and asks for no more than
        # the agent's heartbeat timeout (the lab leaves it at default).
        self.assertLessEqual(timeout, IRONIC_MAX_FAST_TRACK_TIMEOUT)
        heartbeat_timeout = int(conf.get(
            'api', 'ramdisk_heartbeat_timeout',
            fallback=IRONIC_RAMDISK_HEARTBEAT_TIMEOUT))
        self.assertLessEqual(timeout, heartbeat_timeout)
        # The rest of the deploying Ironic is as without it.
        self.assertEqual('10',
                         conf['deploy']['erase_devices_metadata_priority'])
        self.assertTrue(conf.getboolean('conductor', 'automated_clean'))

    def test_an_up_without_it_renders_it_off_again(self):
        self.record('qemu', True)
        self.record('qemu', False)
        conf = self.ironic_conf()
        self.assertFalse(conf.getboolean('deploy', 'fast_track'))

    def test_the_fast_modes_ironic_has_no_deploy_settings(self):
        self.record('qemu', True)
        self.assertNotIn('fast_track', self.ironic_conf('fake')['deploy'])


class StatusTest(FastTrackTestCase):

    def status(self):
        with mock.patch.object(namespace, 'exists', return_value=False), \
                mock.patch.object(namespace, 'guest_pids', return_value=[]):
            return statusmod.collect(self.p, 'qemu', [])

    def test_status_says_whether_it_is_on(self):
        self.assertFalse(self.status()['fast_track'])
        self.record('qemu', True)
        status = self.status()
        self.assertTrue(status['fast_track'])
        out = io.StringIO()
        statusmod.print_status(status, out)
        self.assertIn('Ironic fast track: on', out.getvalue())
