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

"""What a power action's overhead is made of (bench/action_overhead.py)."""

import unittest

from tests.unit import bench as _path  # noqa: F401  (the repo on sys.path)

from bench import action_overhead as ao  # noqa: E402

SERVER = '/v2.1/servers/0b6f6b8a-6b4e-4a55-9f0e-3f0c1f5b9a10'


def get(start, end):
    return (end, start, 'GET', SERVER, 200)


class OverheadPartsTest(unittest.TestCase):

    def test_parts_add_up_to_the_overhead(self):
        # PUT at 100.0; the driver reads 100.10-100.30; Nova gets the
        # action at 100.35; the probe sees it settled at 101.00; the
        # driver's reads after the action end at 100.60 and 101.08; Ironic
        # shows the state at 101.15.
        t0, nova_start, settled, t1 = 100.0, 100.35, 101.0, 101.15
        reads = [get(100.10, 100.30), get(100.50, 100.60),
                 get(100.98, 101.08)]
        parts = ao.overhead_parts(t0, t1, nova_start, settled, reads)
        self.assertEqual(0.35, parts['before_nova_action_s'])
        self.assertEqual(0.2, parts['first_read_s'])
        self.assertEqual(0.15, parts['ironic_before_s'])
        self.assertEqual(0.15, parts['after_nova_settled_s'])
        self.assertEqual(0.08, parts['detect_s'])
        self.assertEqual(0.07, parts['ironic_after_s'])
        self.assertEqual(2, parts['reads_after_action'])
        overhead = (t1 - t0) - (settled - nova_start)
        self.assertAlmostEqual(
            overhead, parts['first_read_s'] + parts['ironic_before_s']
            + parts['detect_s'] + parts['ironic_after_s'])

    def test_no_read_before_the_action(self):
        # A system that acts without reading first (or whose read is not
        # in Nova's log: a peer's BMC caches it).
        parts = ao.overhead_parts(10.0, 11.0, 10.2, 10.9,
                                  [get(10.95, 10.97)])
        self.assertEqual(0.0, parts['first_read_s'])
        self.assertEqual(0.2, parts['ironic_before_s'])
        self.assertEqual(0.07, parts['detect_s'])

    def test_no_read_after_the_action(self):
        parts = ao.overhead_parts(10.0, 11.0, 10.2, 10.9, [])
        self.assertEqual(0.0, parts['detect_s'])
        self.assertEqual(0.1, parts['ironic_after_s'])
        self.assertEqual(0, parts['reads_after_action'])
