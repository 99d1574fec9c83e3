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

"""Several node counts in one run, and the peers left out above
--peers-max-nodes (bench/node_counts.py, bench/cli.py's options)."""

import contextlib
import io
import unittest

from tests.unit import bench as _path  # noqa: F401  (the repo on sys.path)

from bench import cli  # noqa: E402
from bench import node_counts  # noqa: E402
from bench.systems import SYSTEM_CLASSES  # noqa: E402

ALL = ['openstack', 'sushy-redfish', 'ovb-ipmi', 'ironic-floor']


class ParseNodeCountsTest(unittest.TestCase):

    def test_counts_are_sorted_without_repeats(self):
        self.assertEqual([200, 1000],
                         node_counts.parse_node_counts('1000, 200,200'))

    def test_one_count(self):
        self.assertEqual([10], node_counts.parse_node_counts('10'))

    def test_out_of_range_names_the_count(self):
        for text, bad in (('0', '0'), ('200,1001', '1001')):
            with self.assertRaises(ValueError) as cm:
                node_counts.parse_node_counts(text)
            self.assertIn('--nodes: %s is not between 1 and 1000' % bad,
                          str(cm.exception))

    def test_not_a_number_names_it(self):
        with self.assertRaises(ValueError) as cm:
            node_counts.parse_node_counts('200,lots')
        self.assertIn("'lots' is not a whole number", str(cm.exception))

    def test_nothing_given(self):
        self.assertRaises(ValueError, node_counts.parse_node_counts, ' , ')


class PlanTest(unittest.TestCase):

    def test_peers_left_out_above_the_limit_with_their_reason(self):
        schedule = node_counts.plan([200, 1000], ALL, SYSTEM_CLASSES, 200)
        self.assertEqual((200, ALL, {}), schedule[0])
        n, run, left_out = schedule[1]
        self.assertEqual(1000, n)
        self.assertEqual(['openstack', 'ironic-floor'], run)
        self.assertEqual({'sushy-redfish', 'ovb-ipmi'}, set(left_out))
        self.assertIn('--peers-max-nodes 200', left_out['ovb-ipmi'])
        self.assertIn('one openstackbmc process per node',
                      left_out['ovb-ipmi'])
        self.assertIn('~42 GB', left_out['ovb-ipmi'])
        self.assertIn('~15 min', left_out['sushy-redfish'])

    def test_our_driver_and_the_floor_are_never_left_out(self):
        schedule = node_counts.plan([1000], ['openstack', 'ironic-floor'],
                                    SYSTEM_CLASSES, 1)
        self.assertEqual([(1000, ['openstack', 'ironic-floor'], {})],
                         schedule)

    def test_a_higher_limit_keeps_the_peers(self):
        schedule = node_counts.plan([300], ALL, SYSTEM_CLASSES, 300)
        self.assertEqual([(300, ALL, {})], schedule)


class OptionsTest(unittest.TestCase):

    def parse_error(self, argv):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), \
                self.assertRaises(SystemExit):
            cli.parse(argv)
        return err.getvalue()

    def test_defaults(self):
        args = cli.parse([])
        self.assertEqual([200], args.node_counts)
        self.assertEqual(200, args.peers_max_nodes)
        self.assertEqual(10, args.changed_servers)
        self.assertEqual(3, args.sweeps)
        self.assertEqual(['openstack', 'sushy-redfish', 'ovb-ipmi'],
                         args.system_names)

    def test_several_node_counts(self):
        args = cli.parse(['--nodes', '1000,200', '--systems',
                          'openstack,ironic-floor'])
        self.assertEqual([200, 1000], args.node_counts)
        self.assertEqual(['openstack', 'ironic-floor'], args.system_names)

    def test_bad_node_count_is_refused(self):
        self.assertIn('--nodes: 5000 is not between 1 and 1000',
                      self.parse_error(['--nodes', '200,5000']))

    def test_unknown_system_is_refused(self):
        self.assertIn('unknown system(s): ovb',
                      self.parse_error(['--systems', 'openstack,ovb']))

    def test_changed_servers_may_be_zero_not_negative(self):
        self.assertEqual(0, cli.parse(['--changed-servers', '0'])
                         .changed_servers)
        self.assertIn('--changed-servers: -1 is too small',
                      self.parse_error(['--changed-servers', '-1']))
