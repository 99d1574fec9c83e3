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

"""The run's servers (bench/lab.py Servers): made with the tools'
create_servers in batch mode, and servers that Nova fails to build."""

import contextlib
import io
import types
from unittest import mock

from tests.unit import bench as _path  # noqa: F401  (the repo on sys.path)
from tests.unit.tools import base

from bench.common import BenchError  # noqa: E402
from bench import lab  # noqa: E402

PREFIX = 'ios-bench-x'


class GrowToTest(base.ToolTestCase):
    """Servers.grow_to on the tools' fake cloud (Nova's multi-create)."""

    def setUp(self):
        super().setUp()
        self.image = self.cloud.add_image('disk')
        self.run = lab.Servers(project=None, prefix=PREFIX)
        self.run.conn = self.cloud.conn

    def grow(self, nodes):
        with contextlib.redirect_stdout(io.StringIO()):
            return self.run.grow_to(nodes, types.SimpleNamespace(
                id='flavor-id'), self.image.id)

    def requests(self):
        return [c.kwargs['max_count'] for c in
                self.cloud.compute.create_server.call_args_list]

    def test_servers_are_made_in_one_request_named_in_node_order(self):
        got = self.grow(4)
        self.assertEqual([4], self.requests())
        self.assertEqual(['%s-%d' % (PREFIX, i) for i in range(4)],
                         [s.name for s in got])
        self.assertEqual({'ACTIVE'}, {s.status for s in got})
        self.cloud.compute.get_server.assert_not_called()
        self.assertEqual([4], list(self.run.build_seconds))

    def test_servers_nova_failed_to_build_are_deleted_and_replaced(self):
        self.cloud.failing_batches = [{2, 3}]
        got = self.grow(4)
        self.assertEqual(4, len(got))
        self.assertEqual({'ACTIVE'}, {s.status for s in got})
        self.assertEqual(2, self.cloud.compute.delete_server.call_count)
        self.assertEqual([4, 2], self.requests())
        self.assertEqual(['%s-%d' % (PREFIX, i) for i in range(4)],
                         [s.name for s in got])
        self.assertEqual(4, len(self.cloud.servers))

    def test_growing_adds_only_the_missing_servers(self):
        first = self.grow(3)
        got = self.grow(5)
        self.assertEqual(5, len(got))
        self.assertEqual([s.id for s in first], [s.id for s in got[:3]])
        self.assertEqual([3, 2], self.requests())
        self.assertEqual([3, 5], list(self.run.build_seconds))

    def test_builds_that_keep_failing_end_the_run_with_nova_fault(self):
        self.cloud.failing_batches = [{1}] * (lab.REBUILD_ROUNDS + 1)
        with self.assertRaises(BenchError) as cm:
            self.grow(2)
        self.assertIn('No valid host was found', str(cm.exception))
        self.assertEqual(lab.REBUILD_ROUNDS + 1, len(self.requests()))

    def test_a_failed_listing_of_the_batch_is_polled_again(self):
        create = self.cloud._create_server

        def then_fail(**attrs):
            self.cloud.failed_listings = 1
            return create(**attrs)
        self.cloud.compute.create_server.side_effect = then_fail
        got = self.grow(3)
        self.assertEqual(3, len(got))
        self.assertEqual(0, self.cloud.failed_listings)

    def test_delete_removes_every_server_of_the_run(self):
        self.grow(3)
        self.cloud.add_server('someone-else')
        with contextlib.redirect_stdout(io.StringIO()) as out:
            self.run.delete()
        self.assertEqual(['someone-else'], [
            s['name'] for s in self.cloud.servers.values()])
        self.assertIn('deleted 3 servers', out.getvalue())


class NoServersYetTest(base.ToolTestCase):

    def test_delete_before_any_server_does_nothing(self):
        run = lab.Servers(project=None, prefix=PREFIX)
        with mock.patch.object(lab, 'connect') as connect:
            run.delete()
        connect.assert_not_called()
