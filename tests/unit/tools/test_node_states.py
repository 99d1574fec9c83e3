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

"""Many nodes: one listing to find them, manage in batches waited for on
node listings (enroll_nodes, node_states.manage_nodes)."""

import io
from unittest import mock

from openstack import exceptions as sdk_exc

from ironic_openstack_driver.tools import common
from ironic_openstack_driver.tools import enroll
from ironic_openstack_driver.tools import node_states
from ironic_openstack_driver.tools import nodes_file
from tests.unit.tools import base
from tests.unit.tools import interrupting


class ManyNodesTests(base.ToolTestCase):

    def setUp(self):
        super().setUp()
        self.ids = [self.cloud.add_server('bm-%d' % i) for i in range(5)]
        self.report = common.Report(enroll.COLUMNS, out=io.StringIO(),
                                    err=io.StringIO())

    def specs(self):
        conn = self.cloud.conn
        return [nodes_file.node_for_server(
            conn, conn.compute.get_server(server_id), 'lab',
            with_port=False) for server_id in self.ids]

    def enroll(self, specs=None, **kwargs):
        return enroll.enroll_nodes(self.cloud.baremetal, self.report,
                                   specs or self.specs(), self.cloud.compute,
                                   **kwargs)

    def test_nodes_are_found_with_one_listing_not_one_lookup_each(self):
        # openstacksdk's find_node of a missing name is a GET and then a
        # listing of every node: one per node enrolled.
        ok, enrolled = self.enroll()
        self.assertTrue(ok, self.report.err.getvalue())
        self.cloud.baremetal.find_node.assert_not_called()
        self.assertEqual(1, self.cloud.node_listings)
        self.assertEqual(5, self.cloud.baremetal.create_node.call_count)

    def test_a_second_run_finds_the_nodes_in_the_listing(self):
        self.enroll()
        ok, enrolled = self.enroll()
        self.assertTrue(ok, self.report.err.getvalue())
        self.assertEqual(['exists'] * 5, [e[2] for e in enrolled])
        self.assertEqual(5, self.cloud.baremetal.create_node.call_count)

    def test_manage_asks_every_node_then_waits_on_listings(self):
        self.cloud.verify_listings = 3
        ok, enrolled = self.enroll(manage=True, workers=4)
        self.assertTrue(ok, self.report.err.getvalue())
        self.assertEqual(['bm-%d' % i for i in range(5)],
                         [e[0] for e in enrolled])
        self.assertEqual(['created, now manageable'] * 5,
                         [e[2] for e in enrolled])
        self.assertEqual({False}, {
            c.kwargs['wait'] for c in
            self.cloud.baremetal.set_node_provision_state.call_args_list})
        self.cloud.baremetal.get_node.assert_not_called()
        # The enrolment's listing, then three while the nodes verify.
        self.assertEqual(4, self.cloud.node_listings)

    def test_at_most_a_batch_of_nodes_verifies_at_once(self):
        self.cloud.verify_listings = 2
        verifying = []
        ask = self.cloud._set_provision_state

        def counting(node, target, **kw):
            verifying.append(sum(
                1 for n in self.cloud.nodes.values()
                if n['provision_state'] == 'verifying'))
            return ask(node, target, **kw)
        self.cloud.baremetal.set_node_provision_state.side_effect = counting
        with mock.patch.object(node_states, 'MANAGE_BATCH', 2):
            ok, enrolled = self.enroll(manage=True)
        self.assertTrue(ok, self.report.err.getvalue())
        self.assertEqual([0, 1, 0, 1, 0], verifying)
        self.assertEqual({'manageable'}, {
            n['provision_state'] for n in self.cloud.nodes.values()})

    def test_a_busy_conductor_is_asked_again(self):
        self.cloud.busy_answers = 3
        ok, enrolled = self.enroll(manage=True)
        self.assertTrue(ok, self.report.err.getvalue())
        self.assertEqual(5 + 3, self.cloud.baremetal
                         .set_node_provision_state.call_count)
        self.assertEqual({'manageable'}, {
            n['provision_state'] for n in self.cloud.nodes.values()})

    def test_a_refusal_that_does_not_pass_fails_that_node_only(self):
        ask = self.cloud._set_provision_state

        def refusing_first(node, target, **kw):
            if node.name == 'bm-0':
                raise sdk_exc.BadRequestException(
                    message='The requested action "manage" can not be '
                            'performed', http_status=400)
            return ask(node, target, **kw)
        self.cloud.baremetal.set_node_provision_state.side_effect = \
            refusing_first
        ok, enrolled = self.enroll(manage=True)
        self.assertFalse(ok)
        self.assertEqual('created, then failed', enrolled[0][2])
        self.assertEqual(['created, now manageable'] * 4,
                         [e[2] for e in enrolled[1:]])
        self.assertIn('node bm-0', self.report.err.getvalue())
        self.assertIn('can not be performed', self.report.err.getvalue())

    def test_an_earlier_attempt_that_went_through_is_not_repeated(self):
        ask = self.cloud._set_provision_state
        calls = []

        def lost_answer(node, target, **kw):
            calls.append(node.name)
            ask(node, target, **kw)
            if calls.count(node.name) == 1:
                raise sdk_exc.HttpException(message='Gateway Timeout',
                                            http_status=504)
        self.cloud.baremetal.set_node_provision_state.side_effect = \
            lost_answer
        ok, enrolled = self.enroll(manage=True)
        self.assertTrue(ok, self.report.err.getvalue())
        self.assertEqual(5, len(calls))

    def test_nodes_still_verifying_at_the_timeout_are_named(self):
        self.cloud.verify_listings = 10 ** 6
        ok, result = node_states.manage_nodes(
            self.cloud.baremetal, self.report,
            [self.cloud._node(data) for data in self._enrolled().values()],
            timeout=0)
        self.assertFalse(ok)
        self.assertEqual({}, result)
        err = self.report.err.getvalue()
        self.assertIn('node bm-4', err)
        self.assertIn('(now verifying): still verifying after 0 s', err)

    def _enrolled(self):
        self.enroll()
        return self.cloud.nodes

    def test_nodes_of_other_drivers_are_not_marked(self):
        spec = {'name': 'peer-0', 'driver': 'redfish',
                'driver_info': {'redfish_address': 'http://127.0.0.1:8000'}}
        ok, enrolled = self.enroll(specs=[spec])
        self.assertTrue(ok, self.report.err.getvalue())
        self.assertEqual('created', enrolled[0][2])
        self.cloud.compute.find_server.assert_not_called()
        self.cloud.compute.set_server_metadata.assert_not_called()

    def test_mark_false_leaves_the_servers_as_they_are(self):
        ok, enrolled = self.enroll(mark=False)
        self.assertTrue(ok, self.report.err.getvalue())
        self.cloud.compute.set_server_metadata.assert_not_called()
        self.assertEqual([{}] * 5, [s['metadata'] for s in
                                    self.cloud.servers.values()])


class InterruptedEnrolmentTests(base.ToolTestCase):
    """SIGINT/SIGTERM while nodes are created or asked to manage.

    KeyboardInterrupt in the main thread: the run stops with the request
    in flight; what was queued is not sent.
    """

    def setUp(self):
        super().setUp()
        self.ids = [self.cloud.add_server('bm-%d' % i) for i in range(5)]
        self.report = common.Report(enroll.COLUMNS, out=io.StringIO(),
                                    err=io.StringIO())
        self.interrupter = interrupting.Interrupter(self)

    def specs(self):
        conn = self.cloud.conn
        return [nodes_file.node_for_server(
            conn, conn.compute.get_server(server_id), 'lab',
            with_port=False) for server_id in self.ids]

    def test_interrupted_enrolment_creates_no_node_after_the_one_in_flight(
            self):
        create = self.cloud._create_node

        def interrupted(**attrs):
            self.interrupter.send_from_request()
            return create(**attrs)
        self.cloud.baremetal.create_node.side_effect = interrupted
        with self.assertRaises(KeyboardInterrupt):
            enroll.enroll_nodes(self.cloud.baremetal, self.report,
                                self.specs(), self.cloud.compute,
                                manage=True, workers=1)
        self.assertEqual(1, self.cloud.baremetal.create_node.call_count)
        self.cloud.baremetal.set_node_provision_state.assert_not_called()

    def test_interrupted_manage_wakes_the_worker_waiting_to_ask_again(self):
        # A conductor without free workers answers 503: the worker pauses
        # RETRY_PAUSE before asking again. Interrupted, it asks no more,
        # and the nodes queued behind it are not asked at all.
        nodes = [self.cloud._create_node(name='bm-%d' % i,
                                         driver='openstack')
                 for i in range(5)]
        self.cloud.busy_answers = 3
        ask = self.cloud._set_provision_state

        def interrupted(node, target, **kw):
            self.interrupter.send_from_request()
            return ask(node, target, **kw)
        self.cloud.baremetal.set_node_provision_state.side_effect = \
            interrupted
        with mock.patch.object(node_states, 'RETRY_PAUSE', 3600.0), \
                self.assertRaises(KeyboardInterrupt):
            node_states.manage_nodes(self.cloud.baremetal, self.report,
                                     nodes, timeout=7200, workers=1)
        self.assertEqual(
            1, self.cloud.baremetal.set_node_provision_state.call_count)
        self.assertEqual({'enroll'}, {
            n['provision_state'] for n in self.cloud.nodes.values()})
