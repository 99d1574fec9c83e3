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

"""The provisioning network's rules, through create-nodes."""

from tests.unit.tools import base
from tests.unit.tools import fakes
from tests.unit.tools.test_servers import ARGS


class NetworkRulesTests(base.ToolTestCase):

    def make_cloud(self):
        return fakes.FakeCloud(ip_allocation=False,
                               network_port_security=True)

    def test_subnetless_network_without_ip_allocation_is_refused(self):
        self.cloud.add_image('blank')
        rc, out, err = self.run_tool(*ARGS)
        self.assertEqual(1, rc)
        self.assertIn('no subnet', err)
        self.assertIn('segments', err)
        self.cloud.network.create_port.assert_not_called()


class PortSecurityRuleTests(base.ToolTestCase):

    def make_cloud(self):
        return fakes.FakeCloud(network_port_security=True)

    def test_subnetless_network_with_port_security_is_refused(self):
        self.cloud.add_image('blank')
        rc, out, err = self.run_tool(*ARGS)
        self.assertEqual(1, rc)
        self.assertIn('--disable-port-security', err)
        self.cloud.compute.create_server.assert_not_called()


class SubnetWithoutNoIpTests(base.ToolTestCase):

    def make_cloud(self):
        cloud = fakes.FakeCloud(ip_allocation=False)
        cloud.subnets.append({'id': 'subnet-1',
                              'network_id': cloud.prov.id})
        return cloud

    def test_ports_get_an_ip_where_neutron_cannot_do_without(self):
        self.cloud.add_image('blank')
        rc, out, err = self.run_tool(*ARGS)
        self.assertEqual(0, rc, err)
        calls = self.cloud.network.create_port.call_args_list
        # One port for each of the 3 servers: the checks below ran on each.
        self.assertEqual(['bm-0-provisioning', 'bm-1-provisioning',
                          'bm-2-provisioning'],
                         sorted({c.kwargs['name'] for c in calls}))
        for call in calls:
            self.assertNotIn('fixed_ips', call.kwargs)
        # The network has no port security: its ports inherit that.
        for port in self.cloud.ports.values():
            self.assertIs(False, port['port_security_enabled'])
