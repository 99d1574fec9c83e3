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

"""The scenario tests' decisions (verify): settings, console, Nova."""

import types
import unittest

from ironic_openstack_driver_tempest_plugin import config
from ironic_openstack_driver_tempest_plugin import verify


def group(**values):
    opts = {opt.name: opt.default for opt in config.opts}
    opts.update(values)
    return types.SimpleNamespace(**opts)


class SettingsTestCase(unittest.TestCase):

    def test_a_deploy_needs_leases_host_cloud_and_console_line(self):
        self.assertEqual(
            ['dhcp_leases_file', 'host_clouds_yaml', 'host_cloud',
             'instance_console_line'],
            verify.missing_settings(group(), verify.DEPLOY_SETTINGS))

    def test_nothing_missing_when_set(self):
        self.assertEqual([], verify.missing_settings(group(
            dhcp_leases_file='/l', host_clouds_yaml='/c.yaml',
            host_cloud='host', instance_console_line='booted'),
            verify.DEPLOY_SETTINGS))

    def test_every_setting_is_an_option_of_the_group(self):
        names = {opt.name for opt in config.opts}
        self.assertLessEqual(set(verify.DEPLOY_SETTINGS), names)


class ConsoleTestCase(unittest.TestCase):

    def test_lines_are_counted_not_found(self):
        log = ('x IOS-LAB-INSTANCE booted from disk\n'
               'Ironic Python Agent\n'
               'IOS-LAB-INSTANCE booted from disk\n')
        self.assertEqual(2, verify.count_lines(
            log, 'IOS-LAB-INSTANCE booted from disk'))
        self.assertEqual(0, verify.count_lines('', 'x'))
        self.assertEqual(0, verify.count_lines(None, 'x'))


class ServerTestCase(unittest.TestCase):

    def view(self, **kw):
        view = {'status': 'ACTIVE', 'task_state': None, 'power_state': 1}
        view.update(kw)
        return view

    def test_active_running_from_disk(self):
        self.assertEqual([], verify.server_problems(self.view(), 'ACTIVE'))

    def test_rescue_is_not_a_disk_boot(self):
        self.assertEqual(['status RESCUE, not ACTIVE'],
                         verify.server_problems(self.view(status='RESCUE'),
                                                'ACTIVE'))

    def test_a_running_task_or_a_stopped_guest(self):
        got = verify.server_problems(
            self.view(task_state='rebooting_hard', power_state=4), 'ACTIVE')
        self.assertEqual(2, len(got))
        self.assertIn('rebooting_hard', got[0])
        self.assertIn('power_state 4', got[1])

    def test_a_gone_server(self):
        self.assertEqual(['the server does not exist'],
                         verify.server_problems(None, 'ACTIVE'))
