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

"""The closing report of a tempest run (labresults)."""

import datetime
import unittest

import labresults

T0 = datetime.datetime(2026, 12, 1, 19, 0, 0)
PKG = 'ironic_openstack_driver_tempest_plugin.tests.scenario.'


def record(name, status, seconds=None, reason=None):
    stamps = [T0, T0 + datetime.timedelta(seconds=seconds)] \
        if seconds is not None else [None, None]
    return {'id': PKG + name, 'status': status, 'timestamps': stamps,
            'reason': reason}


RECORDS = [
    record('test_basic_ops.A.test_ip_access_to_server[id-1,network]',
           'success', 412.25),
    record('test_cleaning.B.test_automated_cleaning', 'fail', 30),
    record('setUpClass (%stest_basic_ops.R)' % PKG, 'skip',
           reason='rescue interface agent ... not in the list'),
    record('test_basic_ops.C.test_x', 'exists'),
    record('tearDownClass (%stest_cleaning.B)' % PKG, 'fail'),
]


class SummariseTestCase(unittest.TestCase):

    def test_counts_never_count_a_skip_as_passed(self):
        self.assertEqual((1, 2, 1), labresults.counts(RECORDS))

    def test_last_line_is_the_plain_totals(self):
        lines = labresults.summarise(RECORDS)
        self.assertEqual('1 passed, 2 failed, 1 skipped', lines[-1])

    def test_every_test_with_result_and_time(self):
        lines = labresults.summarise(RECORDS)
        passed = [line for line in lines if line.startswith('success')]
        self.assertEqual(1, len(passed))
        self.assertIn('412.2s', passed[0])
        self.assertTrue(passed[0].endswith('A.test_ip_access_to_server'))
        self.assertFalse(any('test_x' in line for line in lines))

    def test_skips_are_listed_with_their_reason(self):
        lines = labresults.summarise(RECORDS)
        start = lines.index('skipped:')
        self.assertIn('rescue interface agent', lines[start + 1])
        self.assertIn('test_basic_ops.R', lines[start + 1])

    def test_nothing_ran(self):
        self.assertEqual('0 passed, 0 failed, 0 skipped',
                         labresults.summarise([])[-1])


def run(*classes, **statuses):
    """One record per class: success unless statuses says otherwise."""
    return [record('test_basic_ops.%s.test_it' % name,
                   statuses.get(name, 'success'),
                   reason='why %s' % name) for name in classes]


class VerdictTestCase(unittest.TestCase):

    def test_one_pass_and_a_required_class_skipped_fails(self):
        # What exited 0 before: one test passed, the rest skipped.
        records = run('A', 'B', B='skip')
        ok, reasons = labresults.verdict(records, required=('A', 'B'))
        self.assertFalse(ok)
        self.assertEqual(['required class B skipped: why B'], reasons)

    def test_a_required_class_skipped_in_its_setup_fails(self):
        records = run('A') + [record(
            'setUpClass (%stest_basic_ops.B)' % PKG, 'skip',
            reason='dhcp_leases_file is not set')]
        ok, reasons = labresults.verdict(records, required=('A', 'B'))
        self.assertFalse(ok)
        self.assertIn('required class B skipped: dhcp_leases_file is not '
                      'set', reasons)

    def test_a_required_class_that_did_not_run_fails(self):
        ok, reasons = labresults.verdict(run('A'), required=('A', 'C'))
        self.assertEqual((False, ['required class C did not run']),
                         (ok, reasons))

    def test_a_class_error_in_setup_fails_its_class(self):
        records = run('A') + [record(
            'setUpClass (%stest_basic_ops.B)' % PKG, 'fail')]
        ok, reasons = labresults.verdict(records, required=('B',))
        self.assertFalse(ok)
        self.assertIn('required class B failed', reasons)
        self.assertIn('1 failed', reasons)

    def test_every_required_class_passed(self):
        records = run('A', 'B', 'R', R='skip')
        self.assertEqual((True, []),
                         labresults.verdict(records, required=('A', 'B')))

    def test_nothing_passed_fails_even_with_nothing_required(self):
        self.assertEqual((False, ['no test passed']),
                         labresults.verdict(run('A', A='skip')))

    def test_summary_lists_the_required_classes_before_the_totals(self):
        lines = labresults.summarise(run('A', 'B', B='skip'),
                                     required=('A', 'B', 'C'))
        start = lines.index('required classes that did not pass:')
        self.assertEqual(['  B: skipped: why B', '  C: did not run'],
                         lines[start + 1:start + 3])
        self.assertEqual('1 passed, 0 failed, 1 skipped', lines[-1])

    def test_class_of_a_test_and_of_a_class_level_record(self):
        self.assertEqual('A', labresults.class_of(
            PKG + 'test_basic_ops.A.test_ip_access_to_server[id-1,net]'))
        self.assertEqual('B', labresults.class_of(
            'setUpClass (%stest_cleaning.B)' % PKG))
