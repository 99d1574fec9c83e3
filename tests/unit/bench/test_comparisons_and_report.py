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

"""Figures across systems and node counts (bench/comparisons.py) and the
report of one node count (bench/report.py)."""

import unittest

from tests.unit import bench as _path  # noqa: F401  (the repo on sys.path)

from bench import comparisons  # noqa: E402
from bench import report  # noqa: E402


def results(n=200, ours_sweep=1.0, floor_sweep=0.9, ours_pss=150.0,
            floor_pss=120.0):
    return {
        'openstack': {'nodes': n, 'sweep_seconds': ours_sweep,
                      'conductor_anon_mb_after_sweeps': ours_pss},
        'sushy-redfish': {'nodes': n, 'sweep_seconds': 178.0,
                          'conductor_anon_mb_after_sweeps': 140.0},
        'ironic-floor': {'nodes': n, 'sweep_seconds': floor_sweep,
                         'conductor_anon_mb_after_sweeps': floor_pss},
    }


class FloorRatioTest(unittest.TestCase):

    def test_each_sweep_over_the_floor_s(self):
        r = comparisons.add_floor_ratios(results())
        self.assertEqual(1.11, r['openstack']['sweep_ratio_to_floor'])
        self.assertEqual(197.78, r['sushy-redfish']['sweep_ratio_to_floor'])
        self.assertEqual(1.0, r['ironic-floor']['sweep_ratio_to_floor'])

    def test_none_without_the_floor(self):
        r = results()
        del r['ironic-floor']
        comparisons.add_floor_ratios(r)
        self.assertIsNone(r['openstack']['sweep_ratio_to_floor'])

    def test_none_when_the_floor_failed(self):
        r = results()
        r['ironic-floor'] = {'nodes': 200, 'error': 'timed out'}
        comparisons.add_floor_ratios(r)
        self.assertIsNone(r['openstack']['sweep_ratio_to_floor'])
        self.assertNotIn('sweep_ratio_to_floor', r['ironic-floor'])

    def test_a_system_without_a_sweep_gets_no_ratio(self):
        r = results()
        r['ovb-ipmi'] = {'nodes': 1000, 'skipped': 'too large'}
        comparisons.add_floor_ratios(r)
        self.assertNotIn('sweep_ratio_to_floor', r['ovb-ipmi'])


class DriverMemoryTest(unittest.TestCase):

    def test_conductor_difference_scaled_to_1000_nodes(self):
        r = comparisons.add_driver_memory(results(n=200))
        self.assertEqual(30.0, r['openstack']['driver_memory_mb'])
        self.assertEqual(150.0,
                         r['openstack']['driver_memory_mb_per_1000_nodes'])
        self.assertNotIn('driver_memory_mb', r['sushy-redfish'])

    def test_none_without_the_floor(self):
        r = results()
        del r['ironic-floor']
        comparisons.add_driver_memory(r)
        self.assertIsNone(r['openstack']['driver_memory_mb'])
        self.assertIsNone(r['openstack']['driver_memory_mb_per_1000_nodes'])

    def test_nothing_for_a_failed_driver_run(self):
        r = results()
        r['openstack'] = {'nodes': 200, 'error': 'boom'}
        comparisons.add_driver_memory(r)
        self.assertNotIn('driver_memory_mb', r['openstack'])

    def test_between_two_node_counts_leaves_the_fixed_part_out(self):
        small = results(n=200, ours_pss=150.0, floor_pss=120.0)
        large = results(n=1000, ours_pss=190.0, floor_pss=130.0)
        by_nodes = {200: comparisons.add_driver_memory(small),
                    1000: comparisons.add_driver_memory(large)}
        # 30 MB at 200, 60 MB at 1000: 30 MB for 800 more nodes.
        self.assertEqual({'nodes': [200, 1000], 'mb_per_1000_nodes': 37.5},
                         comparisons.driver_memory_between(by_nodes))

    def test_between_needs_two_node_counts(self):
        self.assertIsNone(comparisons.driver_memory_between(
            {200: comparisons.add_driver_memory(results())}))
        r = results(n=1000)
        del r['ironic-floor']
        self.assertIsNone(comparisons.driver_memory_between(
            {200: comparisons.add_driver_memory(results()),
             1000: comparisons.add_driver_memory(r)}))


def ours(n, **figures):
    r = {'nodes': n, 'sweep_seconds': 1.0, 'server_gets_per_sweep': 0,
         'sweeps': [{'errors': 0, 'nova_requests': 1}] * 3,
         'keystone_token_requests': 1,
         'nodes_evaluated_min': n, 'nova_requests_per_sweep': 1,
         'nova_requests_whole_phase': 40,
         'nova_requests_per_full_listing': n // 1000 + 1,
         'nova_requests_per_idle_sweep': 1, 'sweep_ratio_to_floor': 1.1,
         'power_on_overhead_s': 0.12, 'power_off_overhead_s': 0.14}
    r.update(figures)
    return r


class TargetsTest(unittest.TestCase):

    def targets(self, result, floor_evaluated=None, **others):
        n = result['nodes']
        floor = {'nodes': n, 'sweep_seconds': 0.9,
                 'nodes_evaluated_min': (n if floor_evaluated is None
                                         else floor_evaluated)}
        return {label: (met, value) for label, met, value in
                report.targets(dict(others, openstack=result,
                                    **{'ironic-floor': floor}))}

    def assertMissing(self, got, label, *words):
        self.assertIn(label, got)
        met, value = got[label]
        self.assertFalse(met, '%s: %s' % (label, value))
        for word in ('no data',) + words:
            self.assertIn(word, str(value))

    def test_all_met(self):
        got = self.targets(ours(1000))
        self.assertEqual(
            (True, 2),
            got['full listing: Nova requests <= floor(N/1000)+1 = 2'])
        self.assertEqual((True, 1), got['idle sweep: 1 Nova request'])
        self.assertEqual((True, '1.10x'),
                         got["sweep <= 1.15x ironic-floor's"])
        self.assertEqual((True, 0.12),
                         got['power_on_overhead_s median <= 0.15 s'])
        self.assertEqual((True, 1), got['one Keystone token for the phase'])
        self.assertEqual(
            (True, 1000), got['every timed sweep evaluated the 1000 nodes'])
        self.assertTrue(all(met for met, _ in got.values()), got)

    def test_misses(self):
        got = self.targets(ours(200, nova_requests_per_full_listing=2,
                                nova_requests_per_idle_sweep=2,
                                sweep_ratio_to_floor=2.25,
                                power_off_overhead_s=0.23))
        self.assertEqual(
            (False, 2),
            got['full listing: Nova requests <= floor(N/1000)+1 = 1'])
        self.assertEqual((False, 2), got['idle sweep: 1 Nova request'])
        self.assertEqual((False, '2.25x'),
                         got["sweep <= 1.15x ironic-floor's"])
        self.assertEqual((False, 0.23),
                         got['power_off_overhead_s median <= 0.15 s'])

    def test_no_floor_is_a_ratio_miss_naming_it(self):
        got = self.targets(ours(200, sweep_ratio_to_floor=None))
        self.assertMissing(got, "sweep <= 1.15x ironic-floor's",
                           'ironic-floor')

    def test_no_request_counted_misses_instead_of_passing(self):
        # The request-log pattern stopped matching: every count is 0.
        got = self.targets(ours(200, nova_requests_per_sweep=0,
                                nova_requests_whole_phase=0,
                                server_gets_per_sweep=0))
        self.assertMissing(got, 'no per-node GET /servers/{id} in a sweep')
        self.assertMissing(
            got, 'Nova requests counted in the sweeps and the phase',
            'request log')

    def test_none_figures_are_misses_with_the_reason(self):
        r = ours(1000, nova_requests_per_full_listing=None,
                 nova_requests_per_idle_sweep=None,
                 keystone_token_requests=None)
        del r['power_on_overhead_s']
        got = self.targets(r)
        self.assertMissing(
            got, 'full listing: Nova requests <= floor(N/1000)+1 = 2',
            'no full listing')
        self.assertMissing(got, 'idle sweep: 1 Nova request',
                           'no idle sweep')
        self.assertMissing(got, 'power_on_overhead_s median <= 0.15 s')
        self.assertMissing(got, 'one Keystone token for the phase')

    def test_zero_keystone_tokens_is_a_miss(self):
        got = self.targets(ours(200, keystone_token_requests=0))
        self.assertMissing(got, 'one Keystone token for the phase', '0')

    def test_a_sweep_that_evaluated_fewer_than_n_nodes_is_a_miss(self):
        got = self.targets(ours(200, nodes_evaluated_min=150))
        met, value = got['every timed sweep evaluated the 200 nodes']
        self.assertFalse(met)
        self.assertEqual('a sweep evaluated 150 of 200 nodes', value)
        got = self.targets(ours(200, nodes_evaluated_min=None))
        self.assertMissing(got, 'every timed sweep evaluated the 200 nodes')

    def test_a_floor_that_evaluated_fewer_nodes_gives_no_ratio(self):
        got = self.targets(ours(200), floor_evaluated=3)
        met, value = got["sweep <= 1.15x ironic-floor's"]
        self.assertFalse(met)
        self.assertIn('ironic-floor: a sweep evaluated 3 of 200', value)

    def test_a_peer_with_no_request_counted_is_a_miss(self):
        got = self.targets(ours(200), **{'sushy-redfish': {
            'nodes': 200, 'sweep_seconds': 10.0,
            'nova_requests_whole_phase': 0}})
        self.assertMissing(got, 'sushy-redfish: Nova requests counted in '
                           'its phase')

    def test_one_sweep_without_requests_misses_under_a_counted_median(self):
        # Two sweeps counted, one not (its requests fell outside the log
        # read): the median of 3 is 1, the third sweep counted nothing.
        r = ours(200, sweeps=[{'errors': 0, 'nova_requests': 1},
                              {'errors': 0, 'nova_requests': 0},
                              {'errors': 0, 'nova_requests': 1}])
        got = self.targets(r)
        self.assertMissing(
            got, 'Nova requests counted in the sweeps and the phase',
            '1 of 3 timed sweeps with 0 Nova requests')
        self.assertMissing(got, 'no per-node GET /servers/{id} in a sweep')

    def test_no_phase_count_is_a_miss(self):
        got = self.targets(ours(200, nova_requests_whole_phase=None))
        self.assertMissing(
            got, 'Nova requests counted in the sweeps and the phase',
            'None in the phase')

    def test_an_idle_sweep_of_zero_requests_is_a_miss_not_a_pass(self):
        got = self.targets(ours(200, nova_requests_per_idle_sweep=0))
        self.assertMissing(got, 'idle sweep: 1 Nova request',
                           '0 Nova requests counted in the idle sweeps')

    def test_the_sweep_after_the_changes_must_be_counted(self):
        label = ('the sweep after 10 changed servers counted over the 200 '
                 'nodes')
        counted = {'nova_requests': 2, 'nodes_evaluated': 200}

        def changed(**rec):
            return self.targets(ours(200, k_changed_servers=10,
                                     k_changed_sweep=dict(counted, **rec)))
        self.assertEqual((True, '2 Nova requests, 200 nodes'),
                         changed()[label])
        self.assertMissing(changed(nova_requests=0), label,
                           '0 Nova requests counted in it')
        self.assertEqual((False, 'it evaluated 120 of 200 nodes'),
                         changed(nodes_evaluated=120)[label])
        self.assertMissing(changed(nodes_evaluated=None), label,
                           'lock lines')

    def test_no_changed_servers_no_line_for_their_sweep(self):
        got = self.targets(ours(200))
        self.assertFalse([label for label in got if 'changed' in label], got)

    def test_a_peer_sweep_over_fewer_nodes_is_a_miss(self):
        peer = {'nodes': 200, 'sweep_seconds': 10.0,
                'nova_requests_whole_phase': 600,
                'sweeps': [{'errors': 0}], 'nodes_evaluated_min': 150}
        got = self.targets(ours(200), **{'sushy-redfish': peer})
        self.assertEqual(
            (False, 'a sweep evaluated 150 of 200 nodes'),
            got['sushy-redfish: every timed sweep evaluated the 200 nodes'])
        got = self.targets(ours(200), **{'sushy-redfish': dict(
            peer, nodes_evaluated_min=None)})
        self.assertMissing(
            got, 'sushy-redfish: every timed sweep evaluated the 200 nodes',
            'lock lines')
        got = self.targets(ours(200), **{'sushy-redfish': dict(
            peer, nodes_evaluated_min=200)})
        self.assertTrue(all(met for met, _ in got.values()), got)

    def test_our_driver_without_sweeps_is_a_miss(self):
        got = self.targets({'nodes': 200, 'error': 'Ironic did not start'})
        self.assertEqual(
            {'our driver timed its power sync sweeps':
             (False, 'Ironic did not start')}, got)


class TableTest(unittest.TestCase):

    def test_skipped_peer_and_changed_count_are_shown(self):
        r = {'openstack': ours(1000, k_changed_servers=10,
                               sweep_seconds_max=5.07,
                               nova_requests_per_sweep_k_changed=1,
                               driver_memory_mb_per_1000_nodes=12.5),
             'ovb-ipmi': {'nodes': 1000, 'skipped': 'too large'},
             'ironic-floor': {'nodes': 1000, 'sweep_seconds': 0.9,
                              'sweep_ratio_to_floor': 1.0}}
        text = report.table(r)
        lines = {line.split('|')[1].strip(): [c.strip() for c in
                                              line.split('|')[2:-1]]
                 for line in text.splitlines() if line.startswith('| ')}
        self.assertEqual(['openstack', 'ovb-ipmi', 'ironic-floor'],
                         lines['metric'])
        self.assertEqual(['1000', 'skipped', '1000'], lines['nodes'])
        self.assertEqual(['1', '-', '-'],
                         lines['Nova requests / sweep, 10 changed'])
        self.assertEqual(['1.10', '-', '1.00'],
                         lines['sweep / ironic-floor sweep'])
        self.assertEqual(['12.5', '-', '-'],
                         lines['driver memory / 1000 nodes (MB)'])
        self.assertEqual(['1000', '-', '-'],
                         lines['nodes evaluated / sweep (fewest)'])
        self.assertEqual(['5.07', '-', '-'],
                         lines['slowest timed sweep (s)'])
        # Peers' figures carry their ratio to ours.
        self.assertEqual(['1.00', '-', '0.90 (0.9x)'],
                         lines['power sync sweep (s)'])
