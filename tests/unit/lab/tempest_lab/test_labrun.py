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

"""labrun's exit status: the classes that must pass (no tempest run)."""

import ast
import contextlib
import glob
import io
import json
import os
import shutil
import tempfile
import unittest
from unittest import mock

import labrun

PKG = 'ironic_openstack_driver_tempest_plugin.tests.scenario.test_basic_ops.'
SCENARIOS = os.path.join(os.path.dirname(os.path.dirname(labrun.LABNODES)),
                         os.pardir, 'ironic_openstack_driver_tempest_plugin',
                         'tests', 'scenario')


def plugin_classes():
    """The plugin's test classes: those with the mixin among their bases."""
    found = set()
    for path in glob.glob(os.path.join(SCENARIOS, 'test_*.py')):
        with open(path) as f:
            tree = ast.parse(f.read())
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and any(
                    ast.unparse(b).endswith('OpenStackNodeMixin')
                    for b in node.bases):
                found.add(node.name)
    return found


def records(**statuses):
    """One record for each class, success unless statuses says not."""
    return [{'id': PKG + '%s.test_it' % name,
             'status': statuses.get(name, 'success'),
             'timestamps': [None, None], 'reason': 'because'}
            for name in labrun.LAB_REQUIRED]


class RequiredClassesTestCase(unittest.TestCase):

    def required(self, *argv):
        parser_args = mock.Mock(require=None, regex=None, upstream=False)
        for key, value in argv:
            setattr(parser_args, key, value)
        return labrun.required_classes(parser_args)

    def test_the_plugins_tests_require_the_lab_classes(self):
        self.assertEqual(labrun.LAB_REQUIRED, self.required())
        # The real lab enables agent rescue and its agent runs sshd.
        self.assertIn('OpenStackRescueWholedisk', labrun.LAB_REQUIRED)

    def test_every_class_of_the_plugin_is_required(self):
        # A class added to the plugin and not here could skip unnoticed.
        classes = plugin_classes()
        self.assertGreaterEqual(len(classes), 8)
        self.assertEqual(classes, set(labrun.LAB_REQUIRED))

    def test_a_regex_or_upstream_requires_none_by_default(self):
        self.assertEqual((), self.required(('regex', 'Direct')))
        self.assertEqual((), self.required(('upstream', True)))

    def test_require_names_them(self):
        self.assertEqual(('A', 'B'), self.required(('require', 'A, B,')))
        self.assertEqual((), self.required(('require', ''),
                                           ('regex', 'x')))


class ExitStatusTestCase(unittest.TestCase):
    """main() with the lab, labnodes and tempest replaced."""

    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir)
        os.makedirs(os.path.join(self.dir, '.stestr'))
        self.status = {'exec_prefix': ['true'], 'ironic_venv': '/venv'}

    def main(self, recorded, *argv, tempest_rc=0):
        def run(argv, **kwargs):
            if 'labnodes' in ' '.join(argv):
                out = json.dumps({'driver': {'name': 'openstack'},
                                  'nodes': []})
                return mock.Mock(returncode=0, stdout=out)
            return mock.Mock(returncode=tempest_rc, stdout='')

        with mock.patch.object(labrun, 'labctl',
                               return_value=json.dumps(self.status)), \
                mock.patch.object(labrun.subprocess, 'run', side_effect=run), \
                mock.patch.object(labrun, 'write_conf',
                                  return_value='tempest.conf'), \
                mock.patch.object(labrun, 'stestr_conf'), \
                mock.patch.object(labrun, 'records_of_last_run',
                                  return_value=recorded), \
                contextlib.redirect_stdout(io.StringIO()) as out:
            rc = labrun.main(['--repo', self.dir, '--workspace', self.dir,
                              '--no-up'] + list(argv))
        return rc, out.getvalue()

    def test_all_lab_classes_passed(self):
        rc, out = self.main(records())
        self.assertEqual(0, rc, out)

    def test_a_skipped_rescue_class_fails_the_run(self):
        rc, out = self.main(records(OpenStackRescueWholedisk='skip'))
        self.assertEqual(1, rc)
        self.assertIn('required class OpenStackRescueWholedisk skipped',
                      out)

    def test_a_skipped_lab_class_fails_the_run(self):
        # One passed test is not enough when a required class skipped.
        rc, out = self.main(records(OpenStackVirtualMediaBoot='skip'))
        self.assertEqual(1, rc)
        self.assertIn('required class OpenStackVirtualMediaBoot skipped: '
                      'because', out)

    def test_a_required_class_that_did_not_run_fails(self):
        rc, out = self.main(records(), '--require', 'OpenStackNoSuchClass')
        self.assertEqual(1, rc)
        self.assertIn('OpenStackNoSuchClass did not run', out)

    def test_a_regex_run_needs_a_pass_and_no_failure(self):
        rc, _ = self.main(records(), '--regex', 'Direct')
        self.assertEqual(0, rc)
        rc, out = self.main([], '--regex', 'Direct')
        self.assertEqual(1, rc)
        self.assertIn('no test passed', out)

    def test_tempest_exit_status_counts(self):
        rc, out = self.main(records(), tempest_rc=3)
        self.assertEqual(1, rc)
        self.assertIn('tempest run exited 3', out)
