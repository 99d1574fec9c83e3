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

from oslo_utils import uuidutils

from ironic.common import health_states
from ironic.common import states
from ironic.conductor import manager
from ironic.conductor import task_manager
from ironic.conductor import utils as manager_utils
from ironic.tests.unit.objects import utils as obj_utils

from tests.unit import base
from tests.unit import fake_nova as fn

OK = health_states.HealthState.OK
WARNING = health_states.HealthState.WARNING
CRITICAL = health_states.HealthState.CRITICAL


class NodeHealthTestCase(base.OpenStackDriverTestCase):

    def _health(self, shared=True):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=shared) as task:
            return task.driver.management.get_node_health(task)

    def test_running_or_stopped_server_is_ok(self):
        self.assertEqual(OK, self._health())
        self.server.vm_state, self.server.power_state = fn.STOPPED, 4
        self.assertEqual(OK, self._health(shared=False))

    def test_error_is_critical(self):
        self.server.vm_state = fn.ERROR
        self.assertEqual(CRITICAL, self._health(shared=False))

    def test_no_host_is_critical_where_nova_shows_it(self):
        self.server.compute_host = ''
        self.assertEqual(CRITICAL, self._health(shared=False))
        self.server.vm_state = fn.SHELVED_OFFLOADED   # no host by design
        self.assertEqual(OK, self._health(shared=False))

    def test_host_status_where_nova_shows_it(self):
        for status, expected in (('UP', OK), ('MAINTENANCE', WARNING),
                                 ('UNKNOWN', WARNING), ('DOWN', CRITICAL)):
            self.server.host_status = status
            self.assertEqual(expected, self._health(shared=False), status)

    def test_power_sync_caches_health_from_the_shared_listing(self):
        # Three nodes, one sweep: one listing, no per-server read.
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
        self.nova.servers[nodes[2].driver_info['openstack_server']] \
            .host_status = 'DOWN'
        for sweep in (1, 2):
            # The first sweep caches each node's boot mode (Ironic then
            # takes the exclusive lock: fresh reads follow); count the
            # second, a sweep as every later one.
            self.nova.compute.get_server.reset_mock()
            for node in nodes:
                with task_manager.acquire(self.context, node.uuid,
                                          shared=True) as task:
                    manager.do_sync_power_state(task, 0)
        self.assertEqual(1, self.nova.listings)
        self.assertEqual(0, self.nova.compute.get_server.call_count)
        for node, expected in zip(nodes, ('OK', 'OK', 'Critical')):
            node.refresh()
            self.assertEqual(expected, node.health)

    def test_node_cache_health_records_a_change(self):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            manager_utils.node_cache_health(task)
        self.node.refresh()
        self.assertEqual('OK', self.node.health)
