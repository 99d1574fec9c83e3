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

"""Sweeps as the benchmark reads them (bench/sweep_timing.py): the listing
each one made, whether it was idle, and the figures of a system."""

import os
import shutil
import tempfile
import unittest

from tests.unit import bench as _path  # noqa: F401  (the repo on sys.path)

from bench import sweep_timing as st  # noqa: E402

DETAIL = '/v2.1/servers/detail'
DELTA = DETAIL + '?changes-since=2026-12-01T20:12:41Z'
GET_ONE = '/v2.1/servers/0b6f6b8a-6b4e-4a55-9f0e-3f0c1f5b9a10'


def req(start, end, uri, method='GET', status=200):
    """One request as request_counting.nova_requests gives it."""
    return (end, start, method, uri, status)


def sweep(start, seconds):
    return {'start': start, 'end': start + seconds, 'seconds': seconds,
            'workers': 8}


class ListingKindTest(unittest.TestCase):

    def test_full_listing_pages(self):
        reqs = [req(0, 1, DETAIL), req(1, 2, DETAIL + '?marker=abc')]
        self.assertEqual(st.FULL, st.listing_kind(reqs))

    def test_delta_listing(self):
        self.assertEqual(st.DELTA, st.listing_kind([req(0, 1, DELTA)]))

    def test_a_delta_followed_by_a_full_listing_is_full(self):
        # The driver lists in full when the delta cannot be trusted.
        reqs = [req(0, 1, DELTA), req(1, 2, DETAIL)]
        self.assertEqual(st.FULL, st.listing_kind(reqs))

    def test_per_server_reads_are_no_listing(self):
        self.assertEqual(st.NO_LISTING, st.listing_kind([req(0, 1, GET_ONE)]))
        self.assertEqual(st.NO_LISTING, st.listing_kind([]))


class SweepRecordTest(unittest.TestCase):

    def test_only_requests_inside_the_sweep_count(self):
        reqs = [req(99.0, 99.5, DETAIL),       # before
                req(100.0, 100.4, DETAIL),     # inside: a full listing
                req(100.4, 100.6, DETAIL + '?marker=x'),
                req(100.7, 100.8, GET_ONE, status=404),
                req(101.5, 103.0, DELTA)]      # ends after the sweep
        rec = st.sweep_record(sweep(100.0, 1.0), reqs)
        self.assertEqual(3, rec['nova_requests'])
        self.assertEqual(st.FULL, rec['listing'])
        self.assertEqual(2, rec['full_listing_requests'])
        self.assertEqual(2, rec['server_listings'])
        self.assertEqual(1, rec['server_gets'])
        self.assertEqual(1, rec['errors'])
        self.assertEqual({'GET /v2.1/servers/detail': 2,
                          'GET /v2.1/servers/{id}': 1}, rec['by_kind'])


def record(start, seconds, nova_requests, listing, full_pages=0,
           nodes_evaluated=200):
    return {'start': start, 'end': start + seconds, 'seconds': seconds,
            'nodes_evaluated': nodes_evaluated,
            'nova_requests': nova_requests, 'listing': listing,
            'full_listing_requests': full_pages, 'server_listings':
            nova_requests if listing != st.NO_LISTING else 0,
            'server_gets': 0, 'errors': 0, 'by_kind': {}}


class IdleTest(unittest.TestCase):

    def test_a_change_between_two_sweeps_makes_the_later_one_busy(self):
        recs = [record(100, 2, 1, st.DELTA), record(130, 2, 1, st.DELTA),
                record(160, 2, 1, st.DELTA)]
        st.mark_idle(recs, [145.0], first_window_start=70)
        self.assertEqual([True, True, False],
                         [r['idle'] for r in recs])

    def test_a_change_during_a_sweep_makes_it_and_the_next_busy(self):
        # The next sweep's window starts where this one started.
        recs = [record(100, 2, 1, st.DELTA), record(130, 2, 1, st.DELTA),
                record(160, 2, 1, st.DELTA)]
        st.mark_idle(recs, [131.0], first_window_start=70)
        self.assertEqual([True, False, False],
                         [r['idle'] for r in recs])

    def test_the_first_window_starts_where_asked(self):
        recs = [record(100, 2, 1, st.DELTA)]
        st.mark_idle(recs, [80.0], first_window_start=70)
        self.assertFalse(recs[0]['idle'])
        st.mark_idle(recs, [80.0], first_window_start=90)
        self.assertTrue(recs[0]['idle'])

    def test_whole_second_times_get_a_second_of_slack(self):
        # Nova's updated_at counts whole seconds: 102 may be 102.9.
        recs = [record(100, 2, 1, st.DELTA), record(130, 2, 1, st.DELTA)]
        st.mark_idle(recs, [99.0], first_window_start=99.8)
        self.assertFalse(recs[0]['idle'])
        self.assertFalse(recs[1]['idle'])    # its window starts at 100
        st.mark_idle(recs, [97.0], first_window_start=99.8)
        self.assertTrue(recs[0]['idle'])

    def test_idle_requests_leave_full_listings_out(self):
        # N=1000: a full listing is 2 requests (Nova links an empty page).
        recs = [record(100, 5, 2, st.FULL, 2), record(130, 1, 1, st.DELTA)]
        for r in recs:
            r['idle'] = True
        self.assertEqual(1, st.idle_sweep_requests(recs))

    def test_idle_requests_of_full_listings_only(self):
        # [openstack]server_list_full_interval = 0: every listing is full.
        recs = [record(100, 5, 2, st.FULL, 2), record(130, 5, 2, st.FULL, 2)]
        for r in recs:
            r['idle'] = True
        self.assertEqual(2, st.idle_sweep_requests(recs))

    def test_busy_sweeps_do_not_count_as_idle(self):
        recs = [record(100, 1, 1, st.DELTA), record(130, 1, 1, st.DELTA)]
        recs[0]['idle'], recs[1]['idle'] = True, False
        recs[1]['nova_requests'] = 40
        self.assertEqual(1, st.idle_sweep_requests(recs))
        recs[0]['idle'] = False
        self.assertIsNone(st.idle_sweep_requests(recs))

    def test_peers_idle_sweep_is_their_every_sweep(self):
        recs = [record(100, 170, 1600, st.NO_LISTING)]
        recs[0]['idle'] = True
        self.assertEqual(1600, st.idle_sweep_requests(recs))


class SweepFiguresTest(unittest.TestCase):

    def test_figures_of_a_system_that_lists(self):
        timed = [record(100, 1.5, 1, st.DELTA), record(130, 4.0, 2, st.FULL,
                                                       2),
                 record(160, 1.1, 1, st.DELTA)]
        for r in timed:
            r['idle'] = True
        phase = [req(130.0, 131.0, DETAIL),
                 req(131.0, 132.0, DETAIL + '?marker=x'),
                 req(160.0, 160.1, DELTA)]
        got = st.sweep_figures(timed, phase)
        self.assertEqual(1.5, got['sweep_seconds'])
        self.assertEqual(4.0, got['sweep_seconds_max'])
        self.assertEqual(1, got['nova_requests_per_sweep'])
        self.assertEqual(1, got['nova_requests_per_idle_sweep'])
        self.assertEqual(3, got['idle_sweeps'])
        self.assertEqual(2, got['nova_requests_per_full_listing'])
        self.assertEqual({st.FULL: 4.0, st.DELTA: 1.3},
                         got['sweep_seconds_by_listing'])

    def test_the_slowest_sweep_is_given_beside_the_median(self):
        # A first sweep of 5.07 s hides behind a median of 3.
        timed = [record(100, 5.07, 1, st.DELTA), record(130, 1.0, 1,
                                                        st.DELTA),
                 record(160, 1.1, 1, st.DELTA)]
        got = st.sweep_figures(timed, [])
        self.assertEqual(1.1, got['sweep_seconds'])
        self.assertEqual(5.07, got['sweep_seconds_max'])

    def test_the_fewest_nodes_any_sweep_evaluated(self):
        timed = [record(100, 1.0, 1, st.DELTA),
                 record(130, 0.2, 1, st.DELTA, nodes_evaluated=12),
                 record(160, 1.1, 1, st.DELTA)]
        self.assertEqual(12, st.sweep_figures(timed, [])[
            'nodes_evaluated_min'])

    def test_no_node_count_is_none_not_a_number(self):
        timed = [record(100, 1.0, 1, st.DELTA, nodes_evaluated=None)]
        self.assertIsNone(st.sweep_figures(timed, [])[
            'nodes_evaluated_min'])

    def test_full_listing_outside_any_sweep_counts(self):
        # The verifies of enrollment list in full; the timed sweeps delta.
        timed = [record(100, 1.0, 1, st.DELTA)]
        timed[0]['idle'] = True
        phase = [req(40.0, 41.0, DETAIL),
                 req(41.0, 41.2, DETAIL + '?marker=a'),
                 req(45.0, 45.1, DELTA), req(100.2, 100.3, DELTA)]
        got = st.sweep_figures(timed, phase)
        self.assertEqual(2, got['nova_requests_per_full_listing'])

    def test_each_full_listing_is_its_first_page_and_the_marked_ones(self):
        reqs = [req(0, 1, DETAIL), req(1, 2, DETAIL + '?marker=a'),
                req(2, 3, DELTA), req(3, 4, GET_ONE),
                req(10, 11, DETAIL),
                req(20, 21, DETAIL), req(21, 22, DETAIL + '?marker=b'),
                req(22, 23, DETAIL + '?marker=c')]
        self.assertEqual([2, 1, 3], st.full_listing_sizes(reqs))

    def test_no_listing_no_full_listing_figure(self):
        timed = [record(100, 11.0, 200, st.NO_LISTING)]
        timed[0]['idle'] = True
        got = st.sweep_figures(timed, [req(100.0, 100.1, GET_ONE)])
        self.assertIsNone(got['nova_requests_per_full_listing'])
        self.assertNotIn('sweep_seconds_by_listing', got)


class SweepsFromIronicLogTest(unittest.TestCase):

    def test_completed_sweeps_are_read_with_their_start(self):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        log = os.path.join(d, 'ironic.log')
        with open(log, 'w') as f:
            f.write(
                '2026-12-01 20:13:50.000 77 DEBUG ironic.conductor.manager '
                '[-] Completed power state sync operation, evaluated 200 '
                'nodes with 8 workers in 2.5 seconds _sync_power_states\n'
                '2026-12-01 20:13:51.000 77 DEBUG ironic.conductor.manager '
                '[-] something else\n')
        got = st.sweeps(log)
        self.assertEqual(1, len(got))
        self.assertEqual(2.5, got[0]['seconds'])
        self.assertEqual(8, got[0]['workers'])
        self.assertAlmostEqual(got[0]['end'] - 2.5, got[0]['start'])

    def test_nodes_evaluated_are_the_nodes_the_sweep_locked(self):
        # Ironic's "evaluated N nodes" is its count of extra workers (7
        # here): the nodes are those whose power-sync lock was released
        # during the sweep (each counted once), not before it or after.
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        log = os.path.join(d, 'ironic.log')
        node = '0b6f6b8a-6b4e-4a55-9f0e-3f0c1f5b9a1%d'
        released = ('%s 77 DEBUG ironic.conductor.task_manager [-] '
                    'Successfully released %s lock for power state sync on '
                    'node ' + node + ' (lock was held 0.01 sec) release\n')
        with open(log, 'w') as f:
            f.write(released % ('2026-12-01 20:13:46.000', 'shared', 0))
            f.write(released % ('2026-12-01 20:13:48.000', 'shared', 1))
            f.write(released % ('2026-12-01 20:13:49.000', 'shared', 2))
            f.write(released % ('2026-12-01 20:13:49.500', 'exclusive', 2))
            f.write(released % ('2026-12-01 20:13:50.000', 'shared', 3))
            f.write(
                '2026-12-01 20:13:50.000 77 DEBUG ironic.conductor.manager '
                '[-] Completed power state sync operation, evaluated 7 '
                'nodes with 8 workers in 2.5 seconds _sync_power_states\n')
            f.write(released % ('2026-12-01 20:13:52.000', 'shared', 4))
        got = st.sweeps(log)
        self.assertEqual(3, got[0]['nodes_evaluated'])
        self.assertEqual(3, st.sweep_record(got[0], [])['nodes_evaluated'])
