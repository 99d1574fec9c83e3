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

"""create-nodes with several networks (nic_networks.py)."""

from ironic_openstack_driver.tools.common import ToolError
from ironic_openstack_driver.tools import nic_networks
from tests.unit.tools import base

ARGS = ('create-nodes', '--count', '2', '--prefix', 'bm', '--flavor',
        'bm.small', '--image', 'blank', '--network', 'prov:physnet1')


class SeveralNetworksTests(base.ToolTestCase):

    def setUp(self):
        super().setUp()
        self.cloud.add_image('blank')
        # An ordinary network: port security on, a subnet.
        self.data = self.cloud.add_network('data', port_security=True)
        self.cloud.subnets.append({'id': 'subnet-data',
                                   'network_id': self.data.id,
                                   'cidr': '10.0.0.0/24'})

    def ports_on(self, network):
        return {p['name']: p for p in self.cloud.ports.values()
                if p['network_id'] == network.id}

    def test_each_server_gets_a_port_per_network_in_order(self):
        rc, out, err = self.run_tool(*ARGS, '--network', 'data:physnet2')
        self.assertEqual(0, rc, err)
        data = self.ports_on(self.data)
        self.assertEqual(['bm-0-data', 'bm-1-data'], sorted(data))
        prov = self.ports_on(self.cloud.prov)
        for call in self.cloud.compute.create_server.call_args_list:
            name = call.kwargs['name']
            ids = {p['name']: pid for pid, p in self.cloud.ports.items()}
            self.assertEqual(
                [{'port': ids['%s-provisioning' % name]},
                 {'port': ids['%s-data' % name]}],
                call.kwargs['networks'])
        for port in data.values():
            # The network's port security and addressing, a MAC the
            # agent does not ignore.
            self.assertTrue(port['port_security_enabled'])
            self.assertEqual('subnet-data',
                             port['fixed_ips'][0]['subnet_id'])
            self.assertTrue(port['mac_address'].startswith('52:54:00:'))
        for port in prov.values():
            self.assertFalse(port['port_security_enabled'])
            self.assertEqual([], port['fixed_ips'])
        self.assertIn('[openstack]physical_networks = '
                      'prov:physnet1,data:physnet2', err)

    def test_second_run_creates_nothing(self):
        self.run_tool(*ARGS, '--network', 'data')
        ports = dict(self.cloud.ports)
        rc, out, err = self.run_tool(*ARGS, '--network', 'data')
        self.assertEqual(0, rc, err)
        self.assertEqual(2, out.count('exists'))
        self.assertEqual(ports, self.cloud.ports)
        self.assertEqual(2, self.cloud.compute.create_server.call_count)

    def test_a_port_left_by_a_failed_run_is_reused(self):
        self.cloud.fail_create_server.add('bm-1')
        rc, out, err = self.run_tool(*ARGS, '--network', 'data')
        self.assertEqual(1, rc)
        left = self.ports_on(self.data)['bm-1-data']
        self.cloud.fail_create_server.clear()
        rc, out, err = self.run_tool(*ARGS, '--network', 'data')
        self.assertEqual(0, rc, err)
        self.assertEqual(left['mac_address'],
                         self.ports_on(self.data)['bm-1-data']['mac_address'])
        self.assertEqual(2, len(self.ports_on(self.data)))

    def test_allowed_address_pairs_on_ports_with_port_security(self):
        rc, out, err = self.run_tool(*ARGS, '--network', 'data',
                                     '--allowed-address-pair',
                                     '10.0.0.100/32')
        self.assertEqual(0, rc, err)
        for port in self.ports_on(self.data).values():
            self.assertEqual([{'ip_address': '10.0.0.100/32'}],
                             port['allowed_address_pairs'])
        for port in self.ports_on(self.cloud.prov).values():
            self.assertEqual([], port['allowed_address_pairs'])

    def test_virtual_media_provisioning_ports_take_the_pairs(self):
        # With virtual media the provisioning network keeps its port
        # security: its ports carry the pairs too.
        rc, out, err = self.run_tool(
            'create-nodes', '--count', '1', '--prefix', 'vm', '--flavor',
            'bm.small', '--image', 'blank', '--network', 'data',
            '--boot', 'virtual-media', '--allowed-address-pair',
            '10.0.0.100/32')
        self.assertEqual(0, rc, err)
        (port,) = self.ports_on(self.data).values()
        self.assertTrue(port['port_security_enabled'])
        self.assertEqual([{'ip_address': '10.0.0.100/32'}],
                         port['allowed_address_pairs'])

    def test_address_pairs_without_a_secured_network_are_refused(self):
        # Neutron refuses pairs on a port without port security: nothing
        # is made.
        rc, out, err = self.run_tool(*ARGS, '--allowed-address-pair',
                                     '10.0.0.100/32')
        self.assertEqual(1, rc)
        self.assertIn('--allowed-address-pair 10.0.0.100/32: no network of '
                      '--network keeps port security', err)
        self.assertEqual({}, self.cloud.ports)
        self.cloud.compute.create_server.assert_not_called()

    def test_a_further_network_is_created_without_port_security(self):
        rc, out, err = self.run_tool(*ARGS, '--network', 'new',
                                     '--create-network')
        self.assertEqual(0, rc, err)
        new = self.cloud._find_network('new')
        self.assertFalse(new.is_port_security_enabled)
        for port in self.ports_on(new).values():
            self.assertEqual([], port['fixed_ips'])

    def test_malformed_physnet_is_named_before_anything_is_made(self):
        rc, out, err = self.run_tool(*ARGS, '--network', 'data:')
        self.assertEqual(1, rc)
        self.assertIn('--network data:: expected NAME or NAME:PHYSNET', err)
        self.cloud.compute.create_server.assert_not_called()

    def test_parse_network(self):
        self.assertEqual(('data', None), nic_networks.parse_network('data'))
        self.assertEqual(('a:b', 'p'), nic_networks.parse_network('a:b:p'))
        self.assertRaises(ToolError, nic_networks.parse_network, ':p')
        self.assertRaises(ToolError, nic_networks.parse_network, 'a:p q')
