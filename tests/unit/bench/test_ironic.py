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

"""Moving a bench node to manageable (bench/ironic.py): which of Ironic's
answers are asked again, and for how long."""

import time
import unittest
from unittest import mock

from tests.unit import bench as _path  # noqa: F401  (the repo on sys.path)

from bench import common  # noqa: E402
from bench import ironic  # noqa: E402

URL = 'http://127.0.0.1:16401'
UUID = '701d716a-b20e-4661-95d3-00bceb9f97be'
# Ironic 39's answer while its conductor's worker pool is full.
BUSY = (503, {'error_message': '{"faultcode": "Server", "faultstring": '
              '"Requested action cannot be performed due to lack of free '
              'conductor workers.", "debuginfo": null}'})
LOCKED = (500, {'error_message': 'database is locked'})
ENROLL = (200, {'provision_state': 'enroll'})


class FakeIronic:
    """Ironic's answers to the PUTs, from a script.

    Every GET says the node is enroll (Ironic sets it back after a 503)
    unless told otherwise.
    """

    def __init__(self, puts, gets=None):
        self.puts = list(puts)
        self.gets = list(gets or [])
        self.put_count = 0

    def __call__(self, method, url, body=None):
        if method == 'PUT':
            assert url == URL + '/v1/nodes/%s/states/provision' % UUID
            assert body == {'target': 'manage'}
            self.put_count += 1
            return self.puts.pop(0)
        assert method == 'GET'
        return self.gets.pop(0) if self.gets else ENROLL


class ManageNodeTest(unittest.TestCase):

    def manage(self, fake, deadline=None):
        with mock.patch.object(ironic, 'http', fake):
            ironic.manage_node(URL, UUID, deadline or time.monotonic() + 60,
                               pause=0)

    def test_busy_conductor_is_asked_again_beyond_the_attempts(self):
        # 1000 nodes verifying at once fill Ironic's worker pool for
        # minutes: more 503s than the 10 attempts other errors get.
        fake = FakeIronic([BUSY] * 25 + [(202, None)])
        self.manage(fake)
        self.assertEqual(26, fake.put_count)

    def test_busy_conductor_past_the_deadline_names_the_node(self):
        fake = FakeIronic([BUSY] * 3)
        with self.assertRaises(common.BenchError) as cm:
            self.manage(fake, deadline=time.monotonic() - 1)
        self.assertIn(UUID, str(cm.exception))
        self.assertIn('free conductor workers', str(cm.exception))
        self.assertEqual(1, fake.put_count)

    def test_other_server_errors_get_ten_attempts(self):
        fake = FakeIronic([LOCKED] * 10)
        with self.assertRaises(common.BenchError) as cm:
            self.manage(fake)
        self.assertIn('database is locked', str(cm.exception))
        self.assertEqual(10, fake.put_count)

    def test_a_client_error_fails_at_once(self):
        fake = FakeIronic([(400, {'error_message': 'bad'})])
        with self.assertRaises(common.BenchError):
            self.manage(fake)
        self.assertEqual(1, fake.put_count)

    def test_an_earlier_attempt_that_went_through_is_not_repeated(self):
        fake = FakeIronic([LOCKED], gets=[(200, {'provision_state':
                                                 'verifying'})])
        self.manage(fake)
        self.assertEqual(1, fake.put_count)

    def test_a_socket_timeout_is_asked_again(self):
        answers = iter([OSError('timed out'), (202, None)])

        def flaky(method, url, body=None):
            if method == 'GET':
                return ENROLL
            answer = next(answers)
            if isinstance(answer, Exception):
                raise answer
            return answer
        with mock.patch.object(ironic, 'http', flaky):
            ironic.manage_node(URL, UUID, time.monotonic() + 60, pause=0)
        self.assertRaises(StopIteration, next, answers)


class ManageInBatchesTest(unittest.TestCase):

    def test_next_batch_waits_until_the_last_left_verifying(self):
        events = []
        verifying = {}

        def manage(batch):
            events.append(('manage', list(batch)))
            verifying.update((u, 2) for u in batch)    # two polls each

        def still_verifying(batch):
            left = [u for u in batch if verifying[u] > 0]
            for u in left:
                verifying[u] -= 1
            events.append(('poll', len(left)))
            return len(left)

        with mock.patch.object(time, 'sleep'):
            ironic.manage_in_batches(list(range(5)), manage,
                                     still_verifying,
                                     time.monotonic() + 60, batch=2)
        self.assertEqual([
            ('manage', [0, 1]), ('poll', 2), ('poll', 2), ('poll', 0),
            ('manage', [2, 3]), ('poll', 2), ('poll', 2), ('poll', 0),
            ('manage', [4]), ('poll', 1), ('poll', 1), ('poll', 0),
        ], events)

    def test_batch_still_verifying_at_the_deadline_names_its_nodes(self):
        with mock.patch.object(time, 'sleep'), \
                self.assertRaises(common.BenchError) as caught:
            ironic.manage_in_batches(list(range(150)), lambda batch: None,
                                     lambda batch: 7, time.monotonic() - 1,
                                     batch=100)
        self.assertIn('7 of nodes 0-99 still verifying',
                      str(caught.exception))
