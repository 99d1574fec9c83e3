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

"""The run's servers (bench/lab.py Servers): batches, and servers that
Nova fails to build."""

import contextlib
import io
import re
import types
import unittest
from unittest import mock

from openstack import exceptions as sdk_exc

from tests.unit import bench as _path  # noqa: F401  (the repo on sys.path)

from bench.common import BenchError  # noqa: E402
from bench import lab  # noqa: E402

FAULT = {'code': 500, 'message': 'Exceeded maximum number of retries.'}


class FakeCompute:
    """Nova's multi-create and name-regex listing, builds settled at once.

    :param failing: per batch request, the Nova numbers (1-based) of the
        servers whose build fails.
    """

    def __init__(self, failing=(), failed_listings=0):
        self.failing = list(failing)
        self.failed_listings = failed_listings
        self.by_id = {}
        self.requests = []
        self.deleted = []

    def create_server(self, name, flavor_id, image_id, networks, min_count,
                      max_count):
        self.requests.append((name, max_count))
        bad = self.failing.pop(0) if self.failing else ()
        for i in range(1, max_count + 1):
            sid = '%s-id-%d' % (name, i)
            self.by_id[sid] = types.SimpleNamespace(
                id=sid, name='%s-%d' % (name, i) if max_count > 1 else name,
                status='ERROR' if i in bad else 'ACTIVE',
                fault=FAULT if i in bad else None)

    def servers(self, details=True, limit=None, name=None):
        if self.failed_listings:
            self.failed_listings -= 1
            raise sdk_exc.SDKException(
                'Endless pagination loop detected, aborting')
        return [s for s in self.by_id.values()
                if name is None or re.search(name, s.name)]

    def delete_server(self, server, ignore_missing=True):
        self.deleted.append(server.name)
        self.by_id.pop(server.id, None)


class GrowToTest(unittest.TestCase):

    def servers(self, compute):
        run = lab.Servers(project=None, prefix='ios-bench-x')
        run.conn = types.SimpleNamespace(compute=compute)
        return run

    def grow(self, run, nodes):
        with contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            return run.grow_to(nodes, types.SimpleNamespace(id='flavor'),
                               'image')

    def test_servers_nova_failed_to_build_are_deleted_and_replaced(self):
        compute = FakeCompute(failing=[{2, 3}])
        run = self.servers(compute)
        got = self.grow(run, 4)
        self.assertEqual(4, len(got))
        self.assertTrue(all(s.status == 'ACTIVE' for s in got))
        self.assertEqual(['ios-bench-x-b1-2', 'ios-bench-x-b1-3'],
                         compute.deleted)
        self.assertEqual([('ios-bench-x-b1', 4), ('ios-bench-x-b2', 2)],
                         compute.requests)
        self.assertEqual(['ios-bench-x-b1-1', 'ios-bench-x-b1-4',
                          'ios-bench-x-b2-1', 'ios-bench-x-b2-2'],
                         [s.name for s in got])
        self.assertEqual([4], list(run.build_seconds))

    def test_growing_adds_only_the_missing_servers(self):
        compute = FakeCompute()
        run = self.servers(compute)
        self.grow(run, 3)
        got = self.grow(run, 5)
        self.assertEqual(5, len(got))
        self.assertEqual([('ios-bench-x-b1', 3), ('ios-bench-x-b2', 2)],
                         compute.requests)
        self.assertEqual([3, 5], list(run.build_seconds))

    def test_builds_that_keep_failing_end_the_run_with_nova_fault(self):
        compute = FakeCompute(failing=[{1}] * (lab.REBUILD_ROUNDS + 1))
        run = self.servers(compute)
        with self.assertRaises(BenchError) as cm:
            self.grow(run, 2)
        self.assertIn('Exceeded maximum number of retries', str(cm.exception))
        self.assertEqual(lab.REBUILD_ROUNDS + 1, len(compute.requests))

    def test_a_failed_listing_of_the_batch_is_polled_again(self):
        compute = FakeCompute(failed_listings=1)
        run = self.servers(compute)
        with mock.patch('bench.common.time.sleep') as sleep:
            got = self.grow(run, 3)
        self.assertEqual(3, len(got))
        self.assertEqual(1, sleep.call_count)
