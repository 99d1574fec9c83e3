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

"""Which NIC is the provisioning one and its physical network (nics.py)."""

import unittest

from ironic_openstack_driver import nics

PROV, DATA = 'net-prov', 'net-data'
NAMES = {PROV: 'provisioning', DATA: 'data'}
NICS = [{'mac': 'FA:16:3E:00:00:02', 'network_id': DATA},
        {'mac': '52:54:00:00:00:01', 'network_id': PROV}]
# Nova's addresses: networks in NIC order, with or without IPs.
ADDRESSES = {'provisioning': [], 'data': [{'addr': '10.0.0.5'}]}


class ProvisioningNetworkTests(unittest.TestCase):

    def test_the_first_network_in_novas_order(self):
        self.assertEqual(PROV, nics.provisioning_network(NICS, NAMES,
                                                         ADDRESSES))

    def test_the_network_the_caller_names_wins(self):
        self.assertEqual(DATA, nics.provisioning_network(
            NICS, NAMES, ADDRESSES, chosen=DATA))

    def test_a_single_nic_without_any_order(self):
        self.assertEqual(PROV, nics.provisioning_network(NICS[1:], {}, {}))

    def test_unknown_without_an_order(self):
        self.assertIsNone(nics.provisioning_network(NICS, NAMES, {}))

    def test_unknown_when_two_networks_share_the_first_name(self):
        names = {PROV: 'same', DATA: 'same'}
        self.assertIsNone(nics.provisioning_network(NICS, names,
                                                    {'same': []}))


class IronicPortsTests(unittest.TestCase):

    def test_only_the_provisioning_nic_is_pxe_enabled_and_comes_first(self):
        self.assertEqual(
            [{'address': '52:54:00:00:00:01', 'pxe_enabled': True,
              'physical_network': 'physnet1'},
             {'address': 'fa:16:3e:00:00:02', 'pxe_enabled': False}],
            nics.ironic_ports(NICS, PROV, NAMES, {'provisioning': 'physnet1'},
                              ADDRESSES))

    def test_a_map_entry_by_id_wins_over_one_by_name(self):
        ports = nics.ironic_ports(NICS, PROV, NAMES,
                                  {'data': 'by-name', DATA: 'by-id'},
                                  ADDRESSES)
        self.assertEqual('by-id', ports[1]['physical_network'])

    def test_unknown_provisioning_network_leaves_every_nic_pxe_enabled(self):
        self.assertEqual([True, True], [p['pxe_enabled'] for p in
                                        nics.ironic_ports(NICS, None, NAMES,
                                                          {}, {})])
