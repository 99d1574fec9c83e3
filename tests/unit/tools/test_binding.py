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

from ironic_openstack_driver import cloud
from tests.unit.tools import base


class BindTests(base.ToolTestCase):

    def setUp(self):
        super().setUp()
        self.servers = [self.cloud.add_server('bm-%d' % i) for i in range(3)]
        self.nodes = [self._node('bm-%d' % i, self.servers[i])
                      for i in range(3)]

    def _node(self, name, server_ref, driver='openstack'):
        return self.cloud.baremetal.create_node(
            name=name, driver=driver,
            driver_info={'openstack_server': server_ref}).id

    def mark_of(self, server_id):
        return self.cloud.servers[server_id]['metadata'].get(cloud.NODE_MARK)

    def test_marks_each_chosen_nodes_server_with_the_node_uuid(self):
        rc, out, err = self.run_tool('bind', '--node', 'bm-0', '--node',
                                     self.nodes[1])
        self.assertEqual(0, rc, err)
        self.assertEqual([self.nodes[0], self.nodes[1], None],
                         [self.mark_of(s) for s in self.servers])
        self.assertEqual(2, out.count('| marked '))

    def test_all_marks_every_openstack_node_once(self):
        self._node('ipmi-node', 'whatever', driver='ipmi')
        rc, out, err = self.run_tool('bind', '--all')
        self.assertEqual(0, rc, err)
        self.assertEqual(self.nodes, [self.mark_of(s) for s in self.servers])
        self.assertNotIn('ipmi-node', out)
        rc, out, err = self.run_tool('bind', '--all')
        self.assertEqual(0, rc, err)
        self.assertEqual(3, out.count('marked already'))
        self.assertEqual(
            3, self.cloud.compute.set_server_metadata.call_count)

    def test_server_named_by_two_nodes_is_not_marked(self):
        # Node bm-2's owner pointed it at bm-0's server (by name).
        self.cloud.nodes[self.nodes[2]]['driver_info'] = {
            'openstack_server': 'bm-0'}
        rc, out, err = self.run_tool('bind', '--node', 'bm-0')
        self.assertEqual(1, rc)
        self.assertIn('nodes bm-0, bm-2 name the same server', err)
        self.assertIsNone(self.mark_of(self.servers[0]))

    def test_server_marked_for_another_existing_node_is_kept(self):
        self.run_tool('bind', '--node', 'bm-1')
        self.cloud.nodes[self.nodes[1]]['driver_info'] = {
            'openstack_server': 'spare'}
        self.cloud.nodes[self.nodes[0]]['driver_info'] = {
            'openstack_server': self.servers[1]}
        rc, out, err = self.run_tool('bind', '--node', 'bm-0')
        self.assertEqual(1, rc)
        self.assertIn('is marked for node bm-1 (%s), which exists'
                      % self.nodes[1], err)
        self.assertEqual(self.nodes[1], self.mark_of(self.servers[1]))

    def test_mark_of_a_deleted_node_is_taken_over(self):
        self.cloud.servers[self.servers[0]]['metadata'][cloud.NODE_MARK] = \
            'deleted-node'
        rc, out, err = self.run_tool('bind', '--node', 'bm-0')
        self.assertEqual(0, rc, err)
        self.assertIn('marked (was deleted-node)', out)
        self.assertEqual(self.nodes[0], self.mark_of(self.servers[0]))

    def test_rescued_server_gets_the_command_for_later(self):
        self.cloud.servers[self.servers[0]]['status'] = 'RESCUE'
        rc, out, err = self.run_tool('bind', '--node', 'bm-0')
        self.assertEqual(1, rc)
        self.assertIn('it is rescued', err)
        self.assertIn('openstack server set --property %s=%s %s' % (
            cloud.NODE_MARK, self.nodes[0], self.servers[0]), err)
        self.cloud.compute.set_server_metadata.assert_not_called()

    def test_server_of_another_cloud_is_reported(self):
        self.cloud.nodes[self.nodes[0]]['driver_info'] = {
            'openstack_server': 'elsewhere'}
        rc, out, err = self.run_tool('bind', '--node', 'bm-0')
        self.assertEqual(1, rc)
        self.assertIn('server elsewhere is not in this cloud', err)

    def test_needs_nodes(self):
        rc, out, err = self.run_tool('bind')
        self.assertEqual(1, rc)
        self.assertIn('--node', err)

    def test_ironic_config_file_opens_ironic_from_that_file(self):
        rc, out, err = self.run_tool('bind', '--all', '--ironic-cloud',
                                     'admin', '--ironic-config-file',
                                     '/etc/openstack/clouds.yaml')
        self.assertEqual(0, rc, err)
        self.assertEqual([('admin', '/etc/openstack/clouds.yaml',
                           'ironic-cloud'), ('host', None, 'os-cloud')],
                         sorted(self.connected))
