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

"""create-nodes as a project member on networks of another project.

The fake Neutron applies Neutron's default port policy (fake_neutron.py):
on a shared network the member's project does not own, a port may not be
created with port_security_enabled, mac_address, allowed_address_pairs or
a fixed IP address.
"""

from ironic_openstack_driver.tools import port_policy
from tests.unit.tools import base

ADMIN_PROJECT = 'admin-project'
ARGS = ('create-nodes', '--count', '3', '--prefix', 'bm', '--flavor',
        'bm.small', '--image', 'blank')


class SharedNetworkTests(base.ToolTestCase):

    def setUp(self):
        super().setUp()
        self.cloud.add_image('blank')

    def shared(self, name, port_security, subnet=True):
        net = self.cloud.add_network(name, port_security=port_security,
                                     project_id=ADMIN_PROJECT, shared=True)
        if subnet:
            self.cloud.subnets.append({'id': 'subnet-%s' % name,
                                       'network_id': net.id})
        return net

    def test_shared_network_without_port_security_serves_a_member(self):
        # The admin disabled port security on the network itself: the
        # ports inherit it, and are not asked for it (which Neutron
        # refuses a member: create_port:port_security_enabled).
        self.shared('shared-prov', port_security=False, subnet=False)
        rc, out, err = self.run_tool(*ARGS, '--network', 'shared-prov')
        self.assertEqual(0, rc, err)
        self.assertEqual(3, len(self.cloud.servers))
        self.assertEqual(3, len(self.cloud.ports))
        for port in self.cloud.ports.values():
            self.assertIs(False, port['port_security_enabled'])
        for call in self.cloud.network.create_port.call_args_list:
            self.assertNotIn('port_security_enabled', call.kwargs)

    def test_refused_mac_on_a_shared_network_names_rule_and_owner(self):
        self.shared('shared-prov', port_security=False, subnet=False)
        rc, out, err = self.run_tool(*ARGS, '--network', 'shared-prov')
        self.assertEqual(0, rc, err)
        self.assertIn('Warning: port bm-0-provisioning has MAC '
                      'fa:16:3e:00:00:00', err)
        self.assertIn('which project %s owns, not yours (project-1)'
                      % ADMIN_PROJECT, err)
        self.assertIn('mac_address (rule create_port:mac_address)', err)
        self.assertNotIn('port_security_enabled (rule', err)
        self.assertTrue(all(p['mac_address'].startswith('fa:16:3e:')
                            for p in self.cloud.ports.values()))

    def test_port_security_off_refused_stops_with_what_to_ask(self):
        net = self.shared('shared-prov', port_security=True)
        rc, out, err = self.run_tool(*ARGS, '--network', 'shared-prov')
        self.assertEqual(1, rc)
        self.assertIn('error: Neutron refused port bm-0-provisioning on '
                      'network shared-prov (%s), which project %s owns, '
                      'not yours (project-1): HTTP 403: ' % (
                          net.id, ADMIN_PROJECT), err)
        self.assertIn('is disallowed by policy', err)
        self.assertIn('port_security_enabled (rule '
                      'create_port:port_security_enabled)', err)
        self.assertIn('Ask the cloud\'s admin for a network your project '
                      'owns', err)
        self.assertIn('--boot virtual-media', err)
        self.assertIn('--disable-port-security', err)
        # Once, not per server; nothing made.
        self.assertEqual(1, err.count('Neutron refused'))
        self.assertEqual(1, self.cloud.network.create_port.call_count)
        self.assertEqual({}, self.cloud.ports)
        self.assertEqual({}, self.cloud.servers)
        self.cloud.compute.create_server.assert_not_called()

    def test_virtual_media_on_a_shared_network_serves_a_member(self):
        # The alternative the refusal names: port security stays on.
        self.shared('shared-net', port_security=True)
        rc, out, err = self.run_tool(*ARGS, '--network', 'shared-net',
                                     '--boot', 'virtual-media')
        self.assertEqual(0, rc, err)
        self.assertEqual(3, len(self.cloud.servers))
        for port in self.cloud.ports.values():
            self.assertIs(True, port['port_security_enabled'])
        self.assertIn('mac_address (rule create_port:mac_address)', err)

    def test_refused_second_nic_deletes_the_servers_new_ports(self):
        # The provisioning network is the project's own; the data network
        # is the admin's: its port with allowed address pairs is refused
        # and the server's provisioning port made just before goes too.
        self.shared('shared-data', port_security=True)
        rc, out, err = self.run_tool(*ARGS, '--network', 'prov',
                                     '--network', 'shared-data',
                                     '--allowed-address-pair',
                                     '10.0.0.250/32')
        self.assertEqual(1, rc)
        self.assertIn('error: Neutron refused port bm-0-shared-data', err)
        self.assertIn('allowed_address_pairs (rule '
                      'create_port:allowed_address_pairs)', err)
        self.assertIn('openstack port set --allowed-address', err)
        self.assertIn('Deleting port bm-0-provisioning', err)
        self.assertEqual({}, self.cloud.ports)
        self.assertEqual({}, self.cloud.servers)

    def test_subnetless_shared_network_with_port_security_names_owner(self):
        self.shared('shared-prov', port_security=True, subnet=False)
        rc, out, err = self.run_tool(*ARGS, '--network', 'shared-prov')
        self.assertEqual(1, rc)
        self.assertIn('--disable-port-security', err)
        self.assertIn('the network is project %s\'s, not yours'
                      % ADMIN_PROJECT, err)
        self.cloud.network.create_port.assert_not_called()

    def test_own_network_with_port_security_gets_ports_without(self):
        # The project's own network: the member may turn it off per port.
        own = self.cloud.add_network('own', port_security=True)
        self.cloud.subnets.append({'id': 'subnet-own',
                                   'network_id': own.id})
        rc, out, err = self.run_tool(*ARGS, '--network', 'own')
        self.assertEqual(0, rc, err)
        for call in self.cloud.network.create_port.call_args_list:
            self.assertIs(False, call.kwargs['port_security_enabled'])
        self.assertTrue(all(p['mac_address'].startswith('52:54:00:')
                            for p in self.cloud.ports.values()))


class RefusedMessageTests(base.ToolTestCase):

    def test_only_the_owner_only_attributes_asked_are_named(self):
        self.assertEqual(
            ['port_security_enabled', 'fixed_ips:ip_address'],
            [entry[0] for entry in port_policy.owner_only(
                {'name': 'p', 'network_id': 'n',
                 'port_security_enabled': False,
                 'fixed_ips': [{'ip_address': '10.0.0.5'}]})])
        self.assertEqual([], port_policy.owner_only(
            {'name': 'p', 'network_id': 'n', 'fixed_ips': []}))
