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

import io
from unittest import mock

from openstack import exceptions as sdk_exc

from ironic_openstack_driver.tools import cli
from ironic_openstack_driver.tools import common
from tests.unit.tools import base

SUBCOMMANDS = ('rescue-image', 'create-nodes', 'ironic-host', 'nodes-file',
               'enroll', 'bind', 'environment')


class HelpTests(base.unittest.TestCase):

    def help_text(self, *argv):
        out = io.StringIO()
        with mock.patch('sys.stdout', out), \
                self.assertRaises(SystemExit) as cm:
            cli.main(list(argv) + ['--help'])
        self.assertEqual(0, cm.exception.code)
        return out.getvalue()

    def test_top_level_help_lists_every_subcommand(self):
        text = self.help_text()
        for name in SUBCOMMANDS:
            self.assertIn(name, text)
        self.assertIn('--os-cloud', text)
        self.assertIn('--os-config-file', text)

    def test_every_subcommand_has_help(self):
        for name in SUBCOMMANDS:
            self.assertIn('usage: ironic-openstack-nodes %s' % name,
                          self.help_text(name))

    def test_os_cloud_defaults_to_the_environment(self):
        with mock.patch.dict('os.environ', {'OS_CLOUD': 'envcloud'}):
            args = cli.build_parser().parse_args(['nodes-file'])
        self.assertEqual('envcloud', args.os_cloud)


class ErrorTests(base.ToolTestCase):

    def test_sdk_error_is_reported_and_exit_is_nonzero(self):
        self.cloud.compute.find_server.side_effect = \
            sdk_exc.HttpException(message='boom', http_status=401)
        rc, out, err = self.run_tool('nodes-file', '--server', 'x')
        self.assertEqual(1, rc)
        self.assertIn('HTTP 401', err)
        self.assertIn('check the credentials', err)


class ConnectTests(base.unittest.TestCase):

    def test_no_cloud_names_the_option(self):
        with self.assertRaisesRegex(common.ToolError, '--os-cloud'):
            common.connect(None, what='os-cloud')

    def test_unknown_cloud_names_the_file_and_option(self):
        with self.assertRaisesRegex(common.ToolError,
                                    'cloud "nope" .--os-cloud. from '
                                    '/nonexistent/clouds.yaml'):
            common.connect('nope', '/nonexistent/clouds.yaml',
                           what='os-cloud')

    def test_reads_the_given_clouds_yaml_like_the_driver(self):
        import os
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'clouds.yaml')
            with open(path, 'w') as f:
                f.write('clouds:\n  c1:\n    auth:\n      auth_url: '
                        'http://keystone.example:5000/v3\n      username: '
                        'u\n      password: p\n      project_name: x\n'
                        '    region_name: R1\n')
            conn = common.connect('c1', path, what='os-cloud')
        self.assertEqual('R1', conn.config.get_region_name())
        self.assertEqual('http://keystone.example:5000/v3',
                         conn.config.get_auth_args()['auth_url'])

    def test_connecting_needs_no_ironic(self):
        # Operators run the tool where Ironic is not installed.
        import subprocess
        import sys
        code = ('import sys\n'
                'from ironic_openstack_driver.tools import cli, common\n'
                'try:\n'
                '    common.connect("nope", "/nonexistent/clouds.yaml")\n'
                'except common.ToolError:\n'
                '    pass\n'
                'print(sorted(m for m in sys.modules\n'
                '             if m == "ironic" or m.startswith("ironic.")))\n')
        out = subprocess.run([sys.executable, '-c', code], check=True,
                             capture_output=True, text=True).stdout
        self.assertEqual('[]', out.strip())


class TableTests(base.unittest.TestCase):

    def test_table_pads_columns(self):
        self.assertEqual(
            '+----+-----+\n| A  | B   |\n+----+-----+\n| xy | abc |\n'
            '+----+-----+', common.format_table(('A', 'B'), [['xy', 'abc']]))
