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

"""nodes-file and enroll for servers with several NICs (server_nics.py)."""

import json
import os
import tempfile

from tests.unit.tools import base

CREATE = ('create-nodes', '--count', '1', '--prefix', 'bm', '--flavor',
          'bm.small', '--image', 'blank', '--network', 'prov',
          '--network', 'data')


class ServerNicsTests(base.ToolTestCase):

    def setUp(self):
        super().setUp()
        self.cloud.add_image('blank')
        self.data = self.cloud.add_network('data', port_security=False)
        rc, out, err = self.run_tool(*CREATE)
        self.assertEqual(0, rc, err)
        self.macs = {self.cloud.networks[p['network_id']].name:
                     p['mac_address'] for p in self.cloud.ports.values()}
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def conf_file(self, value):
        path = os.path.join(self.dir.name, 'ironic.conf')
        with open(path, 'w') as f:
            f.write('[DEFAULT]\ndebug = true\n\n[openstack]\n'
                    'physical_networks = %s\n' % value)
        return path

    def test_every_nic_is_a_port_only_the_first_pxe_enabled(self):
        # No --network: the first NIC in Nova's order is the
        # provisioning one.
        rc, out, err = self.run_tool('nodes-file', '--prefix', 'bm')
        self.assertEqual(0, rc, err)
        (node,) = json.loads(out)['nodes']
        self.assertEqual([{'address': self.macs['prov']},
                          {'address': self.macs['data'],
                           'pxe_enabled': False}], node['ports'])

    def test_network_option_names_the_provisioning_nic(self):
        rc, out, err = self.run_tool('nodes-file', '--prefix', 'bm',
                                     '--network', 'data')
        self.assertEqual(0, rc, err)
        (node,) = json.loads(out)['nodes']
        self.assertEqual([{'address': self.macs['data']},
                          {'address': self.macs['prov'],
                           'pxe_enabled': False}], node['ports'])

    def test_unknown_nic_order_asks_for_the_network(self):
        for server in self.cloud.servers.values():
            server['addresses'] = {}
        rc, out, err = self.run_tool('nodes-file', '--prefix', 'bm')
        self.assertEqual(1, rc)
        self.assertIn('name the provisioning network with --network', err)

    def test_physical_networks_from_the_driver_config_file(self):
        path = self.conf_file('prov:physnet1,%s:physnet2' % self.data.id)
        rc, out, err = self.run_tool('nodes-file', '--prefix', 'bm',
                                     '--driver-config-file', path)
        self.assertEqual(0, rc, err)
        (node,) = json.loads(out)['nodes']
        self.assertEqual(
            [{'address': self.macs['prov'], 'physical_network': 'physnet1'},
             {'address': self.macs['data'], 'pxe_enabled': False,
              'physical_network': 'physnet2'}], node['ports'])

    def test_malformed_map_is_named_before_any_server_is_read(self):
        path = self.conf_file('prov')
        rc, out, err = self.run_tool('nodes-file', '--prefix', 'bm',
                                     '--driver-config-file', path)
        self.assertEqual(1, rc)
        self.assertIn('--driver-config-file %s: [openstack]'
                      'physical_networks: expected "network:physnet"'
                      % path, err)
        self.cloud.compute.server_interfaces.assert_not_called()

    def test_missing_driver_config_file_is_named(self):
        rc, out, err = self.run_tool('nodes-file', '--prefix', 'bm',
                                     '--driver-config-file', '/nowhere')
        self.assertEqual(1, rc)
        self.assertIn('--driver-config-file /nowhere: no such file', err)

    def test_enroll_creates_a_port_per_nic_and_adds_new_ones_later(self):
        path = self.conf_file('prov:physnet1,data:physnet2')
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm',
                                     '--driver-config-file', path)
        self.assertEqual(0, rc, err)
        ports = {p['address']: (p.get('pxe_enabled', True),
                                p.get('physical_network'))
                 for p in self.cloud.bm_ports.values()}
        self.assertEqual({self.macs['prov']: (True, 'physnet1'),
                          self.macs['data']: (False, 'physnet2')}, ports)
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm',
                                     '--driver-config-file', path)
        self.assertEqual(0, rc, err)
        self.assertIn('| exists ', out)
        self.assertEqual(2, len(self.cloud.bm_ports))
