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

"""How the demos make their servers and nodes: with the tools' functions.

Both demos call the functions behind ``ironic-openstack-nodes
create-nodes`` and ``enroll``; here against the tools' fake cloud
(tests/unit/tools/fakes.py), for the normal user and the admin alike.
"""

import contextlib
import io
import os
import sys
import unittest
from unittest import mock

from tests.unit.tools import fakes

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(REPO, 'lab'))

from labkit import demo  # noqa: E402
from labkit import deploy_demo  # noqa: E402

STATUS = {'clouds_yaml': '/nowhere/clouds.yaml', 'cloud': 'lab',
          'admin_cloud': 'lab-admin', 'flavor': 'bm.small',
          'disk_image': 'blank', 'provisioning_network': 'prov'}


class DemoNodesTestCase(unittest.TestCase):

    def setUp(self):
        super().setUp()
        self.cloud = fakes.FakeCloud()
        self.cloud.add_image('blank')
        connect = mock.patch('labkit.demo_output.connect',
                             return_value=self.cloud.conn)
        connect.start()
        self.addCleanup(connect.stop)
        sleep = mock.patch('time.sleep')
        sleep.start()
        self.addCleanup(sleep.stop)
        self.out = io.StringIO()

    def quietly(self, func, *args):
        with contextlib.redirect_stdout(self.out):
            return func(*args)


class FastDemoNodesTest(DemoNodesTestCase):

    def test_servers_are_stopped_without_a_network(self):
        made = self.quietly(demo.Demo(STATUS, 2).create_servers)
        self.assertEqual(['lab-demo-0', 'lab-demo-1'],
                         [server.name for server in made])
        self.assertEqual({'SHUTOFF'}, {
            s['status'] for s in self.cloud.servers.values()})
        self.assertEqual({'none'}, {
            c.kwargs['networks'] for c in
            self.cloud.compute.create_server.call_args_list})

    def test_nodes_are_manageable_and_their_servers_marked(self):
        run = demo.Demo(STATUS, 2)
        made = self.quietly(run.create_servers)
        nodes = self.quietly(run.enroll, made)
        self.assertEqual(['lab-demo-0', 'lab-demo-1'],
                         [node.name for node in nodes])
        for node, server in zip(nodes, made):
            self.assertEqual('manageable', node.provision_state)
            self.assertEqual({'openstack_server': server.id,
                              'openstack_cloud': 'lab'}, node.driver_info)
            self.assertEqual({'ironic_node_uuid': node.id},
                             self.cloud.servers[server.id]['metadata'])
        self.assertEqual({}, self.cloud.bm_ports)


class DeployDemoNodesTest(DemoNodesTestCase):

    def test_nodes_have_the_provisioning_port_and_are_available(self):
        run = deploy_demo.DeployDemo(STATUS, 2)
        self.quietly(run.create_servers)
        names = self.quietly(run.enroll)
        self.assertEqual(['lab-deploy-0', 'lab-deploy-1'], names)
        nodes = {n['name']: n for n in self.cloud.nodes.values()}
        self.assertEqual({'available'}, {
            n['provision_state'] for n in nodes.values()})
        macs = {p['mac_address'] for p in self.cloud.ports.values()
                if p['network_id'] == self.cloud.prov.id}
        self.assertEqual(macs, {p['address']
                                for p in self.cloud.bm_ports.values()})
        for node in nodes.values():
            server = node['driver_info']['openstack_server']
            self.assertEqual({'ironic_node_uuid': node['id']},
                             self.cloud.servers[server]['metadata'])
        # The tools' tables, as create-nodes and enroll print them.
        self.assertIn('| Provisioning MAC', self.out.getvalue())
        self.assertIn('| Provision state', self.out.getvalue())

    def test_a_failed_server_ends_the_demo_with_the_tools_message(self):
        self.cloud.fail_create_server.add('lab-deploy-1')
        run = deploy_demo.DeployDemo(STATUS, 2)
        with self.assertRaisesRegex(RuntimeError, 'create-nodes failed'):
            self.quietly(run.create_servers)
        self.assertIn('error: cannot create server lab-deploy-1',
                      self.out.getvalue())
