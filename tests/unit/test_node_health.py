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

"""get_node_health: Ironic 39 asks it on every power sync."""

import time

from oslo_utils import uuidutils

from ironic.common import health_states
from ironic.common import states
from ironic.conductor import manager
from ironic.conductor import task_manager
from ironic.conductor import utils as manager_utils
from ironic.tests.unit.objects import utils as obj_utils

from ironic_openstack_driver import caches
from tests.unit import base
from tests.unit import fake_nova as fn

OK = health_states.HealthState.OK
WARNING = health_states.HealthState.WARNING
CRITICAL = health_states.HealthState.CRITICAL


class NodeHealthTestCase(base.OpenStackDriverTestCase):
    """Health as Nova shows it to admin credentials (its default policy)."""

    def setUp(self):
        super().setUp()
        self.nova.admin = True

    def _health(self, shared=True):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=shared) as task:
            return task.driver.management.get_node_health(task)

    def _service(self, host=fn.COMPUTE_HOST, **state):
        self.nova.services.setdefault(host, {
            'state': 'up', 'status': 'enabled', 'forced_down': False})
        self.nova.services[host].update(state)
        caches.reset()

    def test_running_or_stopped_server_on_an_up_host_is_ok(self):
        self.assertEqual(OK, self._health())
        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        self.assertEqual(OK, self._health(shared=False))

    def test_error_is_critical(self):
        self.server.vm_state = fn.ERROR
        self.assertEqual(CRITICAL, self._health(shared=False))

    def test_host_status_from_the_compute_services(self):
        for state, expected in (({'state': 'down'}, WARNING),
                                ({'state': 'up', 'status': 'disabled'},
                                 WARNING),
                                ({'forced_down': True}, CRITICAL),
                                ({'state': 'up', 'status': 'enabled',
                                  'forced_down': False}, OK)):
            self._service(**state)
            self.assertEqual(expected, self._health(), state)
            self.assertEqual(expected, self._health(shared=False), state)

    def test_a_down_host_reads_from_the_services_not_a_stale_listing(self):
        # A host going down changes no server: a changes-since listing
        # does not carry it. The services list does, at every refresh.
        self.config(server_list_max_age=0.001, group='openstack')
        self.assertEqual(OK, self._health())
        self.nova.services[fn.COMPUTE_HOST]['state'] = 'down'
        time.sleep(0.01)    # past max_age: a delta listing, a new read
        self.assertEqual(WARNING, self._health())
        self.assertEqual(0, self.nova.compute.get_server.call_count)

    def test_a_listing_at_2_1_shows_no_host_status(self):
        # Nova shows host_status only from 2.16: the listing the driver
        # reads at 2.1 never has it, whoever asks.
        response = self.nova.compute.get('/servers/detail',
                                         microversion='2.1')
        self.assertNotIn('host_status', response.json()['servers'][0])

    def test_power_sync_caches_health_from_listing_and_services(self):
        # Three nodes on two hosts, one sweep: one listing, one read of
        # the compute services, no per-server read.
        self._service('compute-2', state='down')
        self.node.power_state = states.POWER_ON
        self.node.save()
        nodes = [self.node]
        for i in (1, 2):
            server = self.nova.add_server(name='node-%d' % i)
            nodes.append(obj_utils.create_test_node(
                self.context, driver='openstack',
                uuid=uuidutils.generate_uuid(),
                name='n%d' % i, power_state=states.POWER_ON,
                driver_info={'openstack_server': server.id}))
            self.mark(server, nodes[-1])
        server.compute_host = 'compute-2'
        for sweep in (1, 2):
            # The first sweep caches each node's boot mode (Ironic then
            # takes the exclusive lock: fresh reads follow); count the
            # second, a sweep as every later one.
            self.nova.compute.get_server.reset_mock()
            self.nova.compute.get.reset_mock()
            for node in nodes:
                with task_manager.acquire(self.context, node.uuid,
                                          shared=True) as task:
                    manager.do_sync_power_state(task, 0)
        self.assertEqual(1, self.nova.listings)
        self.assertEqual(0, self.nova.compute.get_server.call_count)
        self.assertEqual([], [c for c in self.nova.compute.get.call_args_list
                              if 'os-services' in c.args[0]])
        for node, expected in zip(nodes, ('OK', 'OK', 'Warning')):
            node.refresh()
            self.assertEqual(expected, node.health)

    def test_node_cache_health_records_a_change(self):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            manager_utils.node_cache_health(task)
        self.node.refresh()
        self.assertEqual('OK', self.node.health)


class CappedNodeHealthTestCase(base.OpenStackDriverTestCase):
    """Admin credentials under a compute microversion cap.

    Nova shows a service's forced_down from 2.11 only, and a forced-down
    service as down at every microversion.
    """

    def setUp(self):
        super().setUp()
        self.nova.admin = True
        self.nova.services[fn.COMPUTE_HOST]['forced_down'] = True
        self.node.power_state = states.POWER_ON
        self.node.save()

    def _synced_health(self):
        """The node's health as Ironic's power sync records it."""
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            manager.do_sync_power_state(task, 0)
        self.node.refresh()
        return self.node.health

    def _services_microversions(self):
        return {c.kwargs['microversion']
                for c in self.nova.compute.get.call_args_list
                if 'os-services' in c.args[0]}

    def test_below_2_11_services_read_within_the_cap_host_not_ok(self):
        self.config(compute_microversion_cap='2.10', group='openstack')
        self.assertEqual('Warning', self._synced_health())
        self.assertEqual({'2.1'}, self._services_microversions())

    def test_from_2_11_a_forced_down_host_is_critical(self):
        self.config(compute_microversion_cap='2.60', group='openstack')
        self.assertEqual('Critical', self._synced_health())
        self.assertEqual({'2.11'}, self._services_microversions())

    def test_an_older_nova_is_read_at_2_1(self):
        self.nova.max_microversion = '2.10'
        self.assertEqual('Warning', self._synced_health())
        self.assertEqual({'2.1'}, self._services_microversions())


class MemberNodeHealthTestCase(base.OpenStackDriverTestCase):
    """Member credentials: Nova shows neither host nor host status."""

    def _health(self, shared=True):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=shared) as task:
            return task.driver.management.get_node_health(task)

    def test_no_health_claimed_without_the_host_status(self):
        self.nova.services[fn.COMPUTE_HOST]['state'] = 'down'
        self.assertIsNone(self._health())
        self.assertIsNone(self._health(shared=False))

    def test_no_services_request_without_a_host(self):
        self._health()
        self.assertEqual([], [c for c in self.nova.compute.get.call_args_list
                              if 'os-services' in c.args[0]])

    def test_what_the_server_shows_still_counts(self):
        self.server.vm_state = fn.ERROR
        self.assertEqual(CRITICAL, self._health(shared=False))
        self.server.vm_state, self.server.power_state = (fn.ACTIVE,
                                                         fn.GUEST_PAUSED)
        self.assertEqual(WARNING, self._health(shared=False))

    def test_node_cache_health_records_none(self):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            manager_utils.node_cache_health(task)
        self.node.refresh()
        self.assertIsNone(self.node.health)
