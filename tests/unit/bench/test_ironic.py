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

"""Enrolling the bench's nodes (bench/ironic.py Ironic.enroll): the
tools' enroll_nodes and manage_nodes on the system's own Ironic."""

import types

from tests.unit import bench as _path  # noqa: F401  (the repo on sys.path)
from tests.unit.tools import base

from bench.common import BenchError  # noqa: E402
from bench.common import FLOOR  # noqa: E402
from bench import ironic  # noqa: E402


class EnrollTest(base.ToolTestCase):

    def ironic(self, system):
        bench_ironic = ironic.Ironic.__new__(ironic.Ironic)
        bench_ironic.system = system
        bench_ironic._conn = types.SimpleNamespace(
            baremetal=self.cloud.baremetal)
        return bench_ironic

    def bodies(self, count, driver='redfish'):
        return [{'name': 'ios-bench-x-%d' % i, 'driver': driver,
                 'driver_info': {'redfish_address': 'http://127.0.0.1:1'}}
                for i in range(count)]

    def test_nodes_are_manageable_and_their_uuids_in_order(self):
        self.cloud.verify_listings = 2
        uuids = self.ironic('sushy-redfish').enroll(self.bodies(5))
        names = [self.cloud.nodes[u]['name'] for u in uuids]
        self.assertEqual(['ios-bench-x-%d' % i for i in range(5)], names)
        self.assertEqual({'manageable'}, {
            n['provision_state'] for n in self.cloud.nodes.values()})
        self.cloud.baremetal.set_node_power_state.assert_not_called()
        # Nothing is marked: the servers were marked beforehand.
        self.cloud.compute.set_server_metadata.assert_not_called()

    def test_the_floor_nodes_are_powered_on_before_manage(self):
        calls = []
        self.cloud.baremetal.set_node_power_state.side_effect = \
            lambda node, target, **kw: calls.append(('power', target)) \
            or self.cloud._set_power_state(node, target)
        manage = self.cloud._set_provision_state
        self.cloud.baremetal.set_node_provision_state.side_effect = \
            lambda node, target, **kw: calls.append(('provision', target)) \
            or manage(node, target, **kw)
        self.ironic(FLOOR).enroll(self.bodies(2, driver='fake-hardware'),
                                  workers=1)
        self.assertEqual([('power', 'power on')] * 2
                         + [('provision', 'manage')] * 2, calls)
        self.assertEqual({'power on'}, {
            n['power_state'] for n in self.cloud.nodes.values()})

    def test_a_node_that_fails_to_verify_is_named(self):
        bench_ironic = self.ironic('sushy-redfish')
        create = self.cloud._create_node

        def failing(**attrs):
            node = create(**attrs)
            self.cloud.nodes[node.id]['fail_verify'] = True
            return node
        self.cloud.baremetal.create_node.side_effect = failing
        with self.assertRaises(BenchError) as cm:
            bench_ironic.enroll(self.bodies(1))
        self.assertIn('node ios-bench-x-0', str(cm.exception))
        self.assertIn('power credentials are wrong', str(cm.exception))
