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

"""The rules that decide between a delta and a full server listing."""

import unittest

from ironic_openstack_driver import server_delta as sd
from ironic_openstack_driver import server_snapshot

# 2026-12-01T12:00:00Z
NOVA_NOON = 1796126400.0


def listed(server_id, vm_state='active'):
    return server_snapshot.ListedServer(id=server_id, vm_state=vm_state,
                                        task_state=None, power_state=1,
                                        image={})


def delta(clock, sent_at, servers=(), deleted=(), truncated=False,
          dated=True):
    return sd.Listing(servers={s.id: s for s in servers},
                      deleted=frozenset(deleted), clock=clock,
                      sent_at=sent_at, truncated=truncated, dated=dated)


class FullListingReasonTestCase(unittest.TestCase):

    state = sd.State(clock=NOVA_NOON, sent_at=500.0,
                     full_started_at=499.0)

    def test_first_listing_is_full(self):
        self.assertEqual(sd.FIRST, sd.full_listing_reason(None, 0.0, 300))

    def test_listing_after_a_failure_is_full(self):
        failed = sd.State(clock=None, sent_at=None, full_started_at=None)
        self.assertEqual(sd.FAILED,
                         sd.full_listing_reason(failed, 600.0, 300))

    def test_delta_until_the_full_interval(self):
        self.assertIsNone(sd.full_listing_reason(self.state, 798.9, 300))
        self.assertEqual(sd.INTERVAL,
                         sd.full_listing_reason(self.state, 799.0, 300))

    def test_interval_zero_disables_deltas(self):
        self.assertEqual(sd.NO_DELTAS,
                         sd.full_listing_reason(self.state, 501.0, 0))


class SendTimeTestCase(unittest.TestCase):

    def test_nova_time_at_send_is_the_date_less_the_round_trip(self):
        # Nova stamped its Date 15 s after the request left.
        self.assertEqual(NOVA_NOON - 15,
                         sd.send_time(NOVA_NOON, 100.0, 115.0))

    def test_a_monotonic_clock_never_adds_time(self):
        self.assertEqual(NOVA_NOON, sd.send_time(NOVA_NOON, 100.0, 100.0))


class ChangesSinceTestCase(unittest.TestCase):

    def test_nova_time_of_the_last_listing_minus_the_margin(self):
        state = sd.State(clock=NOVA_NOON, sent_at=1.0,
                         full_started_at=0.0)
        self.assertEqual('2026-12-01T11:59:50Z',
                         sd.changes_since(state, 10))

    def test_without_a_date_header_the_margin_is_larger(self):
        state = sd.State(clock=NOVA_NOON, sent_at=1.0,
                         full_started_at=0.0, dated=False)
        self.assertEqual('2026-12-01T11:58:00Z',
                         sd.changes_since(state, 10))
        self.assertEqual('2026-12-01T11:55:00Z',
                         sd.changes_since(state, 300))

    def test_fraction_of_a_second_rounds_down(self):
        state = sd.State(clock=NOVA_NOON + 0.9, sent_at=1.0,
                         full_started_at=0.0)
        self.assertEqual('2026-12-01T11:59:58Z',
                         sd.changes_since(state, 2.5))


class UntrustedDeltaTestCase(unittest.TestCase):

    state = sd.State(clock=NOVA_NOON, sent_at=500.0,
                     full_started_at=499.0)

    def test_clocks_moving_together_are_trusted(self):
        # Nova's Date counts whole seconds: a second of difference is fine.
        self.assertIsNone(sd.untrusted_delta_reason(
            self.state, delta(NOVA_NOON + 30, 530.9), margin=2))

    def test_nova_clock_jumping_back_is_not_trusted(self):
        self.assertEqual(sd.CLOCK_JUMP, sd.untrusted_delta_reason(
            self.state, delta(NOVA_NOON - 30, 530.0), margin=10))

    def test_nova_clock_jumping_ahead_is_not_trusted(self):
        self.assertEqual(sd.CLOCK_JUMP, sd.untrusted_delta_reason(
            self.state, delta(NOVA_NOON + 45, 530.0), margin=10))

    def test_undated_listing_tolerates_the_larger_margin(self):
        undated = sd.State(clock=NOVA_NOON, sent_at=500.0,
                           full_started_at=499.0, dated=False)
        self.assertIsNone(sd.untrusted_delta_reason(
            undated, delta(NOVA_NOON + 60, 530.0), margin=10))
        self.assertEqual(sd.CLOCK_JUMP, sd.untrusted_delta_reason(
            undated, delta(NOVA_NOON + 200, 530.0), margin=10))

    def test_a_full_page_of_changes_is_not_trusted(self):
        self.assertEqual(sd.PAGE_LIMIT, sd.untrusted_delta_reason(
            self.state, delta(NOVA_NOON + 30, 530.0, truncated=True),
            margin=10))


class MergeTestCase(unittest.TestCase):

    def test_changed_replace_new_added_deleted_removed_rest_kept(self):
        servers = {i: listed(i) for i in ('a', 'b', 'c')}
        merged = sd.merge(servers, delta(
            NOVA_NOON, 1.0, servers=[listed('b', 'stopped'), listed('d')],
            deleted=['c', 'never-listed']))
        self.assertEqual({'a': 'active', 'b': 'stopped', 'd': 'active'},
                         {k: v.vm_state for k, v in merged.items()})
        # The snapshot in use is not changed under other threads.
        self.assertEqual('active', servers['b'].vm_state)
        self.assertIn('c', servers)

    def test_deleted_is_nova_status_deleted(self):
        self.assertTrue(sd.is_deleted({'id': 'x', 'status': 'DELETED'}))
        self.assertFalse(sd.is_deleted({'id': 'x',
                                        'status': 'SOFT_DELETED'}))
        self.assertFalse(sd.is_deleted({'id': 'x', 'status': 'SHUTOFF'}))
