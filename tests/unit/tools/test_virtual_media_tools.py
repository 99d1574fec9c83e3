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

"""create-nodes, nodes-file and enroll with --boot virtual-media."""

from tests.unit.tools import base
from tests.unit.tools import fakes

CREATE = ('create-nodes', '--count', '1', '--prefix', 'vm', '--flavor',
          'bm.small', '--image', 'blank', '--network', 'prov', '--boot',
          'virtual-media')


class VirtualMediaToolTests(base.ToolTestCase):

    def make_cloud(self):
        cloud = fakes.FakeCloud(network_port_security=True)
        cloud.subnets.append({
            'id': 'subnet-1', 'network_id': cloud.prov.id,
            'cidr': '10.0.0.0/24', 'gateway_ip': '10.0.0.1',
            'dns_nameservers': ['10.0.0.2'], 'host_routes': [],
            'ip_version': 4})
        cloud.add_image('blank')
        return cloud

    def test_create_nodes_keeps_port_security_and_neutron_addressing(self):
        rc, out, err = self.run_tool(*CREATE)
        self.assertEqual(0, rc, err)
        (call,) = [c for c in self.cloud.network.create_port.call_args_list
                   if 'mac_address' in c.kwargs]
        self.assertNotIn('port_security_enabled', call.kwargs)
        self.assertNotIn('fixed_ips', call.kwargs)
        (port,) = [p for p in self.cloud.ports.values()
                   if p['device_id']]
        self.assertTrue(port['port_security_enabled'])
        self.assertTrue(port['mac_address'].startswith('52:54:00'))
        self.assertEqual('subnet-1', port['fixed_ips'][0]['subnet_id'])

    def test_create_nodes_refuses_a_network_without_subnet(self):
        self.cloud.subnets.clear()
        rc, out, err = self.run_tool(*CREATE)
        self.assertNotEqual(0, rc)
        self.assertIn('has no subnet', err)
        self.cloud.compute.create_server.assert_not_called()

    def _nodes(self, *extra):
        rc, out, err = self.run_tool(*CREATE)
        self.assertEqual(0, rc, err)
        rc, out, err = self.run_tool('enroll', '--prefix', 'vm', '--boot',
                                     'virtual-media', *extra)
        self.assertEqual(0, rc, err)
        (node,) = self.cloud.nodes.values()
        return node

    def test_enroll_writes_network_data_from_the_port(self):
        node = self._nodes()
        (port,) = [(pid, p) for pid, p in self.cloud.ports.items()
                   if p['device_id']]
        port_id, port = port
        self.assertEqual('openstack-virtual-media', node['boot_interface'])
        self.assertEqual({
            'links': [{'id': 'port-%s' % port_id, 'type': 'phy',
                       'ethernet_mac_address': port['mac_address']}],
            'networks': [{
                'id': 'network0', 'link': 'port-%s' % port_id,
                'type': 'ipv4',
                'ip_address': port['fixed_ips'][0]['ip_address'],
                'netmask': '255.255.255.0', 'network_id': self.cloud.prov.id,
                'routes': [{'network': '0.0.0.0', 'netmask': '0.0.0.0',
                            'gateway': '10.0.0.1'}]}],
            'services': [{'type': 'dns', 'address': '10.0.0.2'}]},
            node['network_data'])
        # openstacksdk's Node would drop network_data: a patch sets it.
        create = self.cloud.baremetal.create_node.call_args.kwargs
        self.assertNotIn('network_data', create)
        self.cloud.baremetal.patch_node.assert_called_once()

    def test_pxe_nodes_get_no_network_data(self):
        self.cloud.add_server('pxe-0', mac='52:54:00:00:00:09')
        rc, out, err = self.run_tool('enroll', '--server', 'pxe-0')
        self.assertEqual(0, rc, err)
        (node,) = self.cloud.nodes.values()
        self.assertNotIn('network_data', node)
        self.assertNotIn('boot_interface', node)
        self.cloud.baremetal.patch_node.assert_not_called()
