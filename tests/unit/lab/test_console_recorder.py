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

"""The console recorder: timestamped copies of the guests' console logs.

Each poll is given its time, so the stamps are checked exactly.
"""

import os
import shutil
import sys
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(REPO, 'lab'))

from labkit.compute import console_recorder as cr  # noqa: E402

T0 = 1796644800.0   # any time: stamps are compared through cr.stamp


class FollowerTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir)
        self.console = os.path.join(self.dir, 'console.log')
        self.out = os.path.join(self.dir, 'copy.log')

    def write(self, text, mode='a'):
        with open(self.console, mode) as f:
            f.write(text)

    def copy(self):
        with open(self.out) as f:
            return f.read().splitlines()

    def test_a_line_is_stamped_when_its_first_bytes_were_read(self):
        self.write('', 'w')
        follower = cr.Follower(self.console, self.out, from_end=False)
        self.write('[    0.000000] Linux version 6.1.0\n[    1.2] Freeing')
        follower.poll(T0)
        self.write(' initrd memory\n')
        follower.poll(T0 + 0.25)
        self.assertEqual(
            ['%s [    0.000000] Linux version 6.1.0' % cr.stamp(T0),
             '%s [    1.2] Freeing initrd memory' % cr.stamp(T0)],
            self.copy())

    def test_colours_and_carriage_returns_are_dropped(self):
        self.write('', 'w')
        follower = cr.Follower(self.console, self.out, from_end=False)
        self.write('[\x1b[0;32m  OK  \x1b[0m] Started ironic-python-agent.'
                   'service - Ironic Python Agent.\r\n')
        follower.poll(T0)
        self.assertEqual(
            ['%s [  OK  ] Started ironic-python-agent.service - Ironic '
             'Python Agent.' % cr.stamp(T0)], self.copy())

    def test_the_agents_token_is_masked(self):
        # Lines of the agent's debug log on a real console (token made up).
        rows = (
            ("INFO ironic_python_agent.api [-] ::ffff:192.0.2.1 - GET "
             "/v1/commands/?agent_token=aX2gzpjjcRNa3GUo0h7Y1ZFOv HTTP/1.1",
             "INFO ironic_python_agent.api [-] ::ffff:192.0.2.1 - GET "
             "/v1/commands/?agent_token=*** HTTP/1.1"),
            ("'deploy_step_index': 0, 'agent_token': 'aX2gzpjjcRNa3GU', "
             "'agent_url': 'https://192.0.2.179:9999'",
             "'deploy_step_index': 0, 'agent_token': '***', "
             "'agent_url': 'https://192.0.2.179:9999'"),
            ('agent_token                    = None log',
             'agent_token                    = None log'),
        )
        for line, expected in rows:
            with self.subTest(line=line):
                self.assertEqual(expected, cr.clean(line))

    def test_a_truncated_console_is_a_new_qemu_run(self):
        self.write('agent line\n', 'w')
        follower = cr.Follower(self.console, self.out, from_end=False)
        follower.poll(T0)
        self.write('', 'w')   # libvirt truncates at the next QEMU start
        follower.poll(T0 + 1)
        self.write('IOS-LAB-INSTANCE booted from disk\n')
        follower.poll(T0 + 2)
        self.assertEqual(
            ['%s agent line' % cr.stamp(T0),
             '%s %s' % (cr.stamp(T0 + 1), cr.RESTART),
             '%s IOS-LAB-INSTANCE booted from disk' % cr.stamp(T0 + 2)],
            self.copy())

    def test_a_rewritten_console_of_the_same_size_is_a_new_run(self):
        self.write('first boot\n', 'w')
        follower = cr.Follower(self.console, self.out, from_end=False)
        follower.poll(T0)
        self.write('other boot\nmore\n', 'w')
        follower.poll(T0 + 1)
        self.assertEqual(
            ['%s first boot' % cr.stamp(T0),
             '%s %s' % (cr.stamp(T0 + 1), cr.RESTART),
             '%s other boot' % cr.stamp(T0 + 1),
             '%s more' % cr.stamp(T0 + 1)], self.copy())

    def test_lines_written_before_the_recorder_started_are_not_copied(self):
        self.write('earlier, time unknown\n', 'w')
        follower = cr.Follower(self.console, self.out, from_end=True)
        self.write('later\n')
        follower.poll(T0)
        self.assertEqual(['%s later' % cr.stamp(T0)], self.copy())

    def test_a_deleted_console_keeps_its_last_partial_line(self):
        self.write('', 'w')
        follower = cr.Follower(self.console, self.out, from_end=False)
        self.write('reboot: Power down')
        follower.poll(T0)
        os.unlink(self.console)
        follower.poll(T0 + 1)
        follower.close(T0 + 1)
        self.assertEqual(['%s reboot: Power down' % cr.stamp(T0)],
                         self.copy())


class RunTest(unittest.TestCase):

    def setUp(self):
        root = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, root)
        self.instances = os.path.join(root, 'instances')
        self.out = os.path.join(root, 'consoles')
        os.makedirs(os.path.join(self.instances, '_base'))

    def console(self, server, text):
        os.makedirs(os.path.join(self.instances, server), exist_ok=True)
        with open(os.path.join(self.instances, server, 'console.log'),
                  'a') as f:
            f.write(text)

    def test_each_servers_console_goes_to_its_own_copy(self):
        old = 'c12a0a27-adcd-402a-8eb2-93259dc850eb'
        new = '633c948c-4f5d-4a9c-a728-66922ba93eec'
        self.console(old, 'before the recorder, time unknown\n')
        steps = iter([
            lambda: self.console(new, 'first line of a new guest\n'),
            lambda: self.console(old, 'seen after the start\n')])
        cr.run(self.instances, self.out, interval=0, rounds=3,
               sleep=lambda _: next(steps)())
        copies = {}
        for name in sorted(os.listdir(self.out)):
            with open(os.path.join(self.out, name)) as f:
                copies[name] = [line.split(' ', 2)[2]
                                for line in f.read().splitlines()]
        self.assertEqual({new + '.log': ['first line of a new guest'],
                          old + '.log': ['seen after the start']}, copies)
