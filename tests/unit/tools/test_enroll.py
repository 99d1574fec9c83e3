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

import io
import json
import os
import tempfile

from ironic_openstack_driver.tools import common
from ironic_openstack_driver.tools import enroll
from ironic_openstack_driver.tools import nodes_file
from tests.unit.tools import base


class EnrollTests(base.ToolTestCase):

    def setUp(self):
        super().setUp()
        self.ids = [self.cloud.add_server('bm-%d' % i,
                                          mac='fa:16:3e:00:00:%02d' % i)
                    for i in range(2)]

    def node_names(self):
        return sorted(n['name'] for n in self.cloud.nodes.values())

    def test_creates_nodes_and_ports_from_servers(self):
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm')
        self.assertEqual(0, rc, err)
        self.assertEqual(['bm-0', 'bm-1'], self.node_names())
        node = self.cloud.baremetal.create_node.call_args_list[0].kwargs
        self.assertEqual('openstack', node['driver'])
        self.assertEqual(self.ids[0], node['driver_info']['openstack_server'])
        self.assertNotIn('ports', node)
        ports = {p['address']: p['node_id']
                 for p in self.cloud.bm_ports.values()}
        self.assertEqual(2, len(ports))
        self.assertEqual(2, out.count('created'))

    def test_marks_each_server_with_its_node(self):
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm', '--manage')
        self.assertEqual(0, rc, err)
        for node in self.cloud.nodes.values():
            server = node['driver_info']['openstack_server']
            self.assertEqual(
                {'ironic_node_uuid': node['id']},
                self.cloud.servers[server]['metadata'])

    def test_existing_node_gets_its_server_marked(self):
        # Enrolled before the driver checked the mark.
        self.run_tool('enroll', '--prefix', 'bm')
        for server in self.cloud.servers.values():
            server['metadata'].clear()
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm')
        self.assertEqual(0, rc, err)
        self.assertEqual(2, out.count('exists, server marked'))

    def test_second_run_finds_nodes_and_ports(self):
        self.run_tool('enroll', '--prefix', 'bm')
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm')
        self.assertEqual(0, rc, err)
        self.assertEqual(2, self.cloud.baremetal.create_node.call_count)
        self.assertEqual(2, self.cloud.baremetal.create_port.call_count)
        self.assertEqual(2, out.count('exists'))

    def test_ironic_cloud_gets_its_own_connection(self):
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm',
                                     '--ironic-cloud', 'undercloud')
        self.assertEqual(0, rc, err)
        self.assertEqual([('host', None, 'os-cloud'),
                          ('undercloud', None, 'ironic-cloud')],
                         self.connected)

    def test_provide_moves_new_nodes_to_available_once(self):
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm',
                                     '--provide')
        self.assertEqual(0, rc, err)
        self.assertEqual({'available'}, {n['provision_state'] for n in
                                         self.cloud.nodes.values()})
        self.assertEqual(4, self.cloud.baremetal.set_node_provision_state
                         .call_count)
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm',
                                     '--provide')
        self.assertEqual(0, rc, err)
        self.assertEqual(4, self.cloud.baremetal.set_node_provision_state
                         .call_count)

    def test_manage_stops_at_manageable(self):
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm', '--manage')
        self.assertEqual(0, rc, err)
        self.assertEqual({'manageable'}, {n['provision_state'] for n in
                                          self.cloud.nodes.values()})
        self.assertIn('created, now manageable', out)

    def test_failed_manage_reports_ironics_last_error(self):
        self.run_tool('enroll', '--prefix', 'bm')
        for node in self.cloud.nodes.values():
            node['fail_verify'] = True
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm', '--manage')
        self.assertEqual(1, rc)
        self.assertIn('power credentials are wrong', err)
        self.assertIn('did not reach manageable', err)
        self.assertIn('exists, then failed', out)

    def test_node_of_another_server_is_not_taken_over(self):
        self.cloud.nodes['n1'] = {
            'id': 'n1', 'name': 'bm-0', 'driver': 'openstack',
            'driver_info': {'openstack_server': 'someone-else'},
            'provision_state': 'enroll'}
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm')
        self.assertEqual(1, rc)
        self.assertIn('someone-else', err)
        self.assertEqual(['bm-0', 'bm-1'], self.node_names())
        self.assertIn('failed', out)

    def test_mac_owned_by_another_node_is_reported(self):
        self.cloud.bm_ports['p'] = {'address': 'fa:16:3e:00:00:01',
                                    'node_id': 'other-node'}
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm')
        self.assertEqual(1, rc)
        self.assertIn('fa:16:3e:00:00:01 already belongs to node other-node',
                      err)

    def test_enrolls_from_a_nodes_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'nodes.json')
            rc, out, err = self.run_tool('nodes-file', '--prefix', 'bm',
                                         '-o', path)
            self.assertEqual(0, rc, err)
            rc, out, err = self.run_tool('enroll', '--file', path)
        self.assertEqual(0, rc, err)
        self.assertEqual(['bm-0', 'bm-1'], self.node_names())
        self.assertEqual(2, len(self.cloud.bm_ports))

    def test_uefi_servers_are_enrolled_without_boot_mode(self):
        uefi = self.cloud.add_image('blank-uefi', properties={
            'hw_firmware_type': 'uefi', 'hw_machine_type': 'q35'})
        self.cloud.add_server('efi-0', mac='fa:16:3e:00:00:50',
                              image_id=uefi.id)
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm',
                                     '--server', 'efi-0')
        self.assertEqual(0, rc, err)
        props = {n['name']: n['properties']
                 for n in self.cloud.nodes.values()}
        self.assertNotIn('capabilities', props['efi-0'])
        # Their image is gone from Glance: the driver takes them as BIOS.
        self.assertEqual('boot_mode:bios', props['bm-0']['capabilities'])

    def test_firmware_mismatch_enrolls_no_node(self):
        uefi = self.cloud.add_image('blank-uefi', properties={
            'hw_firmware_type': 'uefi'})
        self.cloud.add_server('efi-0', mac='fa:16:3e:00:00:50',
                              image_id=uefi.id)
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm',
                                     '--server', 'efi-0',
                                     '--firmware', 'uefi')
        self.assertEqual(1, rc)
        self.assertIn('server bm-0 (%s) boots with bios firmware'
                      % self.ids[0], err)
        self.assertEqual({}, self.cloud.nodes)
        self.cloud.compute.set_server_metadata.assert_not_called()

    def test_firmware_with_a_nodes_file_is_refused(self):
        rc, out, err = self.run_tool('enroll', '--file', 'nodes.json',
                                     '--firmware', 'bios')
        self.assertEqual(1, rc)
        self.assertIn('--firmware checks the servers read with '
                      '--server/--prefix', err)

    def test_nodes_file_without_names_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'nodes.json')
            with open(path, 'w') as f:
                json.dump({'nodes': [{'driver': 'openstack'}]}, f)
            rc, out, err = self.run_tool('enroll', '--file', path)
        self.assertEqual(1, rc)
        self.assertIn('nodes[0] has no "name"', err)


class EnrollInspectTests(base.ToolTestCase):

    def setUp(self):
        super().setUp()
        self.cloud.add_server('bm-0', mac='fa:16:3e:00:00:00')

    def test_inspect_enrolls_without_ports_or_properties(self):
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm',
                                     '--inspect')
        self.assertEqual(0, rc, err)
        node = self.cloud.baremetal.create_node.call_args.kwargs
        self.assertNotIn('properties', node)
        self.assertEqual('openstack', node['inspect_interface'])
        self.cloud.baremetal.create_port.assert_not_called()
        targets = [c.args[1] for c in self.cloud.baremetal
                   .set_node_provision_state.call_args_list]
        self.assertEqual(['manage', 'inspect'], targets)
        self.assertIn('created, now manageable', out)

    def test_inspect_then_provide(self):
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm',
                                     '--inspect', '--provide')
        self.assertEqual(0, rc, err)
        targets = [c.args[1] for c in self.cloud.baremetal
                   .set_node_provision_state.call_args_list]
        self.assertEqual(['manage', 'inspect', 'provide'], targets)

    def test_inspected_node_is_not_inspected_again(self):
        self.run_tool('enroll', '--prefix', 'bm', '--inspect')
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm',
                                     '--inspect')
        self.assertEqual(0, rc, err)
        self.assertEqual(2, self.cloud.baremetal.set_node_provision_state
                         .call_count)


class EnrollAdoptTests(base.ToolTestCase):
    """enroll --adopt: nodes of servers in use, active with no Nova action."""

    # Nova actions that would stop, reboot or change the server's disk.
    SERVER_ACTIONS = {'stop_server', 'start_server', 'reboot_server',
                      'rescue_server', 'unrescue_server', 'rebuild_server',
                      'delete_server', 'shelve_server', 'pause_server',
                      'suspend_server', 'resize_server'}

    def setUp(self):
        super().setUp()
        self.ids = [self.cloud.add_server('bm-%d' % i, status='ACTIVE',
                                          mac='fa:16:3e:00:00:%02d' % i)
                    for i in range(2)]

    def _bm_calls(self):
        return [(name, call.args[1]) for name, call in
                ((c[0], c) for c in self.cloud.baremetal.mock_calls)
                if name in ('set_node_provision_state',
                            'set_node_boot_device')]

    def test_adopt_makes_active_nodes_that_boot_their_disks(self):
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm', '--adopt')
        self.assertEqual(0, rc, err)
        for node in self.cloud.nodes.values():
            self.assertEqual('active', node['provision_state'])
            self.assertEqual({'boot_device': 'disk', 'persistent': True},
                             node['boot_device'])
        # Managed together (node_states.manage_nodes), then adopted one
        # by one.
        self.assertEqual(
            [('set_node_provision_state', 'manage')] * 2
            + [('set_node_boot_device', 'disk'),
               ('set_node_provision_state', 'adopt')] * 2,
            self._bm_calls())
        self.assertEqual(2, out.count('created, now active'))
        called = {c[0] for c in self.cloud.compute.mock_calls}
        self.assertEqual(set(), called & self.SERVER_ACTIONS)
        for server_id in self.ids:
            self.assertEqual('ACTIVE', self.cloud.servers[server_id][
                'status'])

    def test_nodes_still_verifying_when_asked_are_adopted(self):
        # Ironic answers the manage with the node verifying, which
        # openstacksdk writes into the node it was given.
        self.cloud.verify_listings = 2
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm', '--adopt')
        self.assertEqual(0, rc, err)
        self.assertEqual({'active'}, {n['provision_state'] for n in
                                      self.cloud.nodes.values()})
        self.assertEqual(2, out.count('created, now active'))

    def test_a_node_that_fails_verifying_is_reported_once(self):
        # Asked, the node is verifying (written into the node object);
        # its power check then fails and Ironic puts it back in enroll.
        self.cloud.verify_listings = 2
        self.run_tool('enroll', '--prefix', 'bm')
        for node in self.cloud.nodes.values():
            node['fail_verify'] = True
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm', '--adopt')
        self.assertEqual(1, rc)
        self.assertEqual(2, err.count('did not reach manageable'))
        self.assertIn('power credentials are wrong', err)
        self.assertNotIn('is verifying', err)
        self.assertEqual(2, out.count('exists, then failed'))
        self.assertEqual({'enroll'}, {n['provision_state'] for n in
                                      self.cloud.nodes.values()})

    def test_a_second_run_leaves_the_active_nodes_alone(self):
        self.run_tool('enroll', '--prefix', 'bm', '--adopt')
        calls = len(self._bm_calls())
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm', '--adopt')
        self.assertEqual(0, rc, err)
        self.assertEqual(calls, len(self._bm_calls()))
        self.assertEqual(2, out.count('exists'))

    def test_adopt_with_provide_is_refused_before_any_node(self):
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm', '--adopt',
                                     '--provide')
        self.assertEqual(1, rc)
        self.assertIn('either --adopt', err)
        self.assertEqual({}, self.cloud.nodes)

    def test_an_available_node_is_not_adopted(self):
        self.run_tool('enroll', '--prefix', 'bm', '--provide')
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm', '--adopt')
        self.assertEqual(1, rc)
        self.assertIn('is available: Ironic adopts from manageable or '
                      'adopt failed only', err)
        self.assertEqual({'available'}, {n['provision_state'] for n in
                                         self.cloud.nodes.values()})

    def test_a_failed_adoption_is_reported_then_retried(self):
        self.run_tool('enroll', '--prefix', 'bm', '--manage')
        node = next(iter(self.cloud.nodes.values()))
        node['fail_adopt'] = True
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm', '--adopt')
        self.assertEqual(1, rc)
        self.assertIn('"adopt" did not reach active (now adopt failed): '
                      'Error while attempting to adopt node', err)
        self.assertIn('now active', out)
        node['fail_adopt'] = False
        rc, out, err = self.run_tool('enroll', '--prefix', 'bm', '--adopt')
        self.assertEqual(0, rc, err)
        self.assertEqual('active', node['provision_state'])


class EnrollNodesFunctionTests(base.ToolTestCase):
    """enroll_nodes and node_for_server(with_port=False).

    For the callers that make nodes of servers without a port (the fast
    lab's demo and the end-to-end tests).
    """

    def setUp(self):
        super().setUp()
        self.ids = [self.cloud.add_server('bm-%d' % i) for i in range(2)]
        self.report = common.Report(enroll.COLUMNS, out=io.StringIO(),
                                    err=io.StringIO())

    def specs(self, **fields):
        conn = self.cloud.conn
        return [dict(nodes_file.node_for_server(
            conn, conn.compute.get_server(server_id), 'lab',
            with_port=False), **fields) for server_id in self.ids]

    def test_a_server_without_a_port_makes_a_node_without_ports(self):
        spec = self.specs()[0]
        self.assertEqual([], spec['ports'])
        self.assertEqual({'openstack_server': self.ids[0],
                          'openstack_cloud': 'lab'}, spec['driver_info'])
        self.assertEqual(2, spec['properties']['cpus'])
        self.cloud.compute.server_interfaces.assert_not_called()

    def test_virtual_media_needs_the_port(self):
        conn = self.cloud.conn
        self.assertRaisesRegex(
            common.ToolError, 'needs its provisioning port',
            nodes_file.node_for_server, conn,
            conn.compute.get_server(self.ids[0]), 'lab', with_port=False,
            boot='virtual-media')

    def test_returns_the_nodes_marked_and_managed_in_order(self):
        ok, enrolled = enroll.enroll_nodes(
            self.cloud.baremetal, self.report, self.specs(),
            self.cloud.compute, manage=True)
        self.assertTrue(ok, self.report.err.getvalue())
        self.assertEqual(['bm-0', 'bm-1'], [e[0] for e in enrolled])
        for (_name, node, result), server_id in zip(enrolled, self.ids):
            self.assertEqual('manageable', node.provision_state)
            self.assertEqual(server_id,
                             node.driver_info['openstack_server'])
            self.assertEqual({'ironic_node_uuid': node.id},
                             self.cloud.servers[server_id]['metadata'])
            self.assertEqual('created, now manageable', result)
        self.assertEqual([], self.report.rows)

    def test_other_node_fields_are_created_with_the_node(self):
        ok, enrolled = enroll.enroll_nodes(
            self.cloud.baremetal, self.report, self.specs(owner='project-a'),
            self.cloud.compute)
        self.assertTrue(ok, self.report.err.getvalue())
        self.assertEqual(['project-a', 'project-a'], [
            c.kwargs['owner'] for c in
            self.cloud.baremetal.create_node.call_args_list])

    def test_a_failure_is_reported_and_the_next_node_enrolled(self):
        specs = self.specs()
        specs[0]['driver_info']['openstack_server'] = 'gone'
        ok, enrolled = enroll.enroll_nodes(
            self.cloud.baremetal, self.report, specs, self.cloud.compute)
        self.assertFalse(ok)
        self.assertEqual('created, then failed', enrolled[0][2])
        self.assertEqual('created', enrolled[1][2])
        self.assertIn('server gone is not in this cloud',
                      self.report.err.getvalue())
