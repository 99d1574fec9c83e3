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

"""Ironic's verify (``manage``) reads servers from the shared listing."""

import threading

from oslo_utils import uuidutils

from ironic.common import states
from ironic.conductor import manager
from ironic.conductor import task_manager
from ironic.conductor import utils as conductor_utils
from ironic.conductor import verify
from ironic.tests.unit.objects import utils as obj_utils

from ironic_openstack_driver import node_access
from tests.unit import base
from tests.unit import fake_nova as fn


class VerifyReadsTestCase(base.OpenStackDriverTestCase):

    def setUp(self):
        super().setUp()
        self.config(server_list_max_age=20, group='openstack')
        self.nodes = [self._verifying(self.node)]
        for i in range(1, 5):
            server = self.nova.add_server(name='node-%d' % i,
                                          image_id=self.disk_image.id)
            self.nodes.append(self._verifying(obj_utils.create_test_node(
                self.context, driver='openstack',
                uuid=uuidutils.generate_uuid(), name='n%d' % i,
                power_state=states.NOSTATE,
                driver_info={'openstack_server': server.id})))
            self.mark(server, self.nodes[-1])

    @staticmethod
    def _verifying(node):
        # As Ironic's `manage` leaves a node for its verify.
        node.provision_state = states.VERIFYING
        node.target_provision_state = states.MANAGEABLE
        node.power_state = states.NOSTATE
        node.save()
        return node

    def _verify(self, node):
        """Ironic's own verify of the node, under its exclusive lock."""
        with task_manager.acquire(self.context, node.uuid) as task:
            verify.do_node_verify(task)
        node.refresh()
        return node

    def test_verify_costs_one_listing_and_no_per_server_read(self):
        # Power state, boot mode and secure boot: one listing for all three.
        for count, node in enumerate(self.nodes, start=1):
            node = self._verify(node)
            self.assertEqual(states.MANAGEABLE, node.provision_state)
            self.assertEqual(states.POWER_ON, node.power_state)
            self.assertEqual('bios', node.boot_mode)
            self.assertIsNone(node.last_error)
            self.assertEqual(count, self.nova.listings)
        self.nova.compute.get_server.assert_not_called()

    def test_verify_reads_a_listing_begun_after_it_asked(self):
        # As fresh as a GET: a listing from before the verify never answers.
        self._verify(self.nodes[1])
        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        self.assertEqual(states.POWER_OFF,
                         self._verify(self.node).power_state)
        self.nova.compute.get_server.assert_not_called()

    def test_verifies_waiting_together_share_a_listing(self):
        # The first verify lists; those that ask during that listing wait
        # and share the next one: two listings, however many verify.
        listing = threading.Event()
        release = threading.Event()
        real_list = self.nova.get

        def slow_list(url, **kwargs):
            listing.set()
            release.wait(5)
            return real_list(url, **kwargs)

        self.nova.compute.get.side_effect = slow_list
        tasks = [task_manager.acquire(self.context, n.uuid)
                 for n in self.nodes]
        results = {}

        def read(task):
            results[task.node.uuid] = task.driver.power.get_power_state(task)

        try:
            first = threading.Thread(target=read, args=(tasks[0],))
            first.start()
            self.assertTrue(listing.wait(5))
            others = [threading.Thread(target=read, args=(t,))
                      for t in tasks[1:]]
            for t in others:
                t.start()
            # Each has asked (and waits for the listing) before it ends.
            for _ in range(500):
                if all(node_access.verify_read_asked(t) for t in tasks):
                    break
                release.wait(0.01)    # time.sleep is mocked
            release.set()
            for t in [first] + others:
                t.join(10)
        finally:
            for task in tasks:
                task.release_resources()
        self.assertEqual({n.uuid: states.POWER_ON for n in self.nodes},
                         results)
        self.assertEqual(2, self.nova.listings)
        self.nova.compute.get_server.assert_not_called()

    def test_verify_records_a_stopped_server_as_off(self):
        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        self.assertEqual(states.POWER_OFF,
                         self._verify(self.node).power_state)

    def test_verify_of_a_deleted_server_fails_naming_the_node(self):
        self.nova.delete_server(self.server.id)
        node = self._verify(self.node)
        # Back to enroll, as Ironic's verify leaves a node it cannot read.
        self.assertEqual(states.ENROLL, node.provision_state)
        self.assertIsNone(node.target_provision_state)
        self.assertIn(self.node.uuid, node.last_error)
        self.assertIn('not found', node.last_error)
        self.assertIsNone(node.reservation)

    def test_power_action_after_verify_reads_the_server_fresh(self):
        node = self._verify(self.node)
        with task_manager.acquire(self.context, node.uuid) as task:
            conductor_utils.node_power_action(task, states.POWER_OFF)
        self.nova.compute.get_server.assert_called_with(self.server.id)
        self.assertEqual(fn.STOPPED, self.server.vm_state)
        node.refresh()
        self.assertEqual(states.POWER_OFF, node.power_state)

    def test_verify_during_a_nova_start_records_on_and_sync_keeps_it(self):
        # `openstack server start` runs: Nova shows powering-on with the
        # guest still off. The verify waits for it, as a power action
        # would, instead of recording "power off".
        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        self.server.task_state = 'powering-on'
        self.server.pending = (3, fn.ACTIVE, fn.RUNNING)
        node = self._verify(self.node)
        self.assertEqual(states.POWER_ON, node.power_state)
        self.assertEqual(states.MANAGEABLE, node.provision_state)
        self.config(server_list_max_age=0, group='openstack')
        with task_manager.acquire(self.context, node.uuid,
                                  shared=True) as task:
            manager.do_sync_power_state(task, 0)
        # Nova's start stands: the sync stops nothing.
        self.assertEqual([], self.nova.actions)
        self.assertEqual((fn.ACTIVE, fn.RUNNING),
                         (self.server.vm_state, self.server.power_state))
        node.refresh()
        self.assertEqual(states.POWER_ON, node.power_state)
