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

import unittest
from unittest import mock

from ironic_openstack_driver.tools import waiting


class Clock:
    """time.monotonic and time.sleep for a wait: sleeping moves time."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class WaitForTests(unittest.TestCase):

    def setUp(self):
        super().setUp()
        self.clock = Clock()
        for name in ('monotonic', 'sleep'):
            patcher = mock.patch('time.%s' % name,
                                 side_effect=getattr(self.clock, name))
            patcher.start()
            self.addCleanup(patcher.stop)

    def test_returns_the_first_true_value(self):
        answers = iter([None, 0, 'ready'])
        self.assertEqual('ready', waiting.wait_for(
            'it', lambda: next(answers), timeout=10, interval=1))
        self.assertEqual([1, 1], self.clock.sleeps)

    def test_a_timeout_raises_the_error_naming_what(self):
        with self.assertRaisesRegex(AssertionError,
                                    'timed out after 3s waiting for the '
                                    'node'):
            waiting.wait_for('the node', lambda: False, timeout=3,
                             interval=1, error=AssertionError)

    def test_the_default_error_is_timeout_error(self):
        self.assertRaises(TimeoutError, waiting.wait_for, 'x',
                          lambda: None, timeout=1)

    def test_tolerated_errors_count_as_not_yet_and_are_named(self):
        def check():
            raise ConnectionRefusedError('no answer')
        with self.assertRaisesRegex(TimeoutError,
                                    r'\(last error: no answer\)'):
            waiting.wait_for('the API', check, timeout=2, interval=1,
                             tolerate=(OSError,))

    def test_other_errors_of_check_end_the_wait(self):
        def check():
            raise KeyError('boom')
        self.assertRaises(KeyError, waiting.wait_for, 'x', check,
                          timeout=10, tolerate=(OSError,))
        self.assertEqual([], self.clock.sleeps)

    def test_gave_up_ends_the_wait_with_its_message(self):
        with self.assertRaisesRegex(RuntimeError, '^keystone died$'):
            waiting.wait_for('keystone', lambda: None, timeout=60,
                             gave_up=lambda: 'keystone died',
                             error=RuntimeError)
        self.assertEqual([], self.clock.sleeps)

    def test_the_interval_grows_up_to_its_bound(self):
        self.assertRaises(TimeoutError, waiting.wait_for, 'x',
                          lambda: None, timeout=5, interval=1, backoff=2,
                          max_interval=3)
        self.assertEqual([1, 2, 3], self.clock.sleeps)
