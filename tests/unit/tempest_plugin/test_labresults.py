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

from ironic_openstack_driver_tempest_plugin import labresults

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
