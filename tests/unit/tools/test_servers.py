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

from ironic_openstack_driver.tools import common
from ironic_openstack_driver.tools import servers
from tests.unit.tools import base

ARGS = ('create-nodes', '--count', '3', '--prefix', 'bm', '--flavor',
        'bm.small', '--image', 'blank', '--network', 'prov')


class CreateNodesTests(base.ToolTestCase):

    def setUp(self):
        super().setUp()
        self.image = self.cloud.add_image('blank')

    def names(self):
        return sorted(s['name'] for s in self.cloud.servers.values())

    def test_creates_servers_on_no_ip_ports_without_port_security(self):
        rc, out, err = self.run_tool(*ARGS)
        self.assertEqual(0, rc, err)
        self.assertEqual(['bm-0', 'bm-1', 'bm-2'], self.names())
        for call in self.cloud.network.create_port.call_args_list:
            # Not asked for: the network has none, its ports inherit it.
            self.assertNotIn('port_security_enabled', call.kwargs)
            self.assertEqual([], call.kwargs['fixed_ips'])
            self.assertEqual(self.cloud.prov.id, call.kwargs['network_id'])
        port_ids = {c.kwargs['networks'][0]['port'] for c in
                    self.cloud.compute.create_server.call_args_list}
        self.assertEqual(set(self.cloud.ports), port_ids)
        self.assertEqual({'flavor-id'}, {
            c.kwargs['flavor_id'] for c in
            self.cloud.compute.create_server.call_args_list})

    def test_new_ports_get_a_mac_the_agent_does_not_ignore(self):
        # Neutron's default base_mac is fa:16:3e; Ironic Python Agent
        # 13.0.0+ ignores every interface whose MAC starts with fa:.
        rc, out, err = self.run_tool(*ARGS)
        self.assertEqual(0, rc, err)
        macs = sorted(p['mac_address'] for p in self.cloud.ports.values())
        self.assertEqual(['52:54:00:00:00:00', '52:54:00:00:00:01',
                          '52:54:00:00:00:02'], macs)
        for mac in macs:
            self.assertIn(mac, out)
        self.assertIn("instead of Neutron's fa:16:3e:00:00:00", err)

    def test_a_refused_mac_change_warns_and_keeps_the_port(self):
        self.cloud.refuse_mac_choice = True
        rc, out, err = self.run_tool(*ARGS)
        self.assertEqual(0, rc, err)
        self.assertEqual(3, len(self.cloud.servers))
        self.assertIn('Warning: port bm-0-provisioning has MAC '
                      'fa:16:3e:00:00:00, which Ironic Python Agent 13.0.0 '
                      'and later ignore', err)
        self.assertTrue(all(p['mac_address'].startswith('fa:16:3e:')
                            for p in self.cloud.ports.values()))
        self.assertIn('disallowed by policy', err)

    def test_image_gets_a_short_os_shutdown_timeout(self):
        rc, out, err = self.run_tool(*ARGS)
        self.assertEqual(0, rc, err)
        self.cloud.image.update_image.assert_called_once_with(
            self.image.id, os_shutdown_timeout='5')
        self.assertIn('os_shutdown_timeout=5', err)

    def test_image_with_a_short_os_shutdown_timeout_is_left_alone(self):
        self.image = self.cloud.add_image('quick', os_shutdown_timeout=3)
        rc, out, err = self.run_tool(*ARGS[:-4], '--image', 'quick',
                                     '--network', 'prov')
        self.assertEqual(0, rc, err)
        self.cloud.image.update_image.assert_not_called()

    def test_image_of_another_project_gets_a_warning(self):
        from openstack import exceptions as sdk_exc
        self.cloud.image.update_image.side_effect = (
            sdk_exc.ForbiddenException(message='not yours', http_status=403))
        rc, out, err = self.run_tool(*ARGS)
        self.assertEqual(0, rc, err)
        self.assertIn('Warning: cannot set os_shutdown_timeout', err)
        self.assertIn('power_state_change_timeout', err)

    def test_firmware_uefi_refuses_an_image_without_it_and_makes_nothing(
            self):
        rc, out, err = self.run_tool(*ARGS, '--firmware', 'uefi')
        self.assertEqual(1, rc)
        self.assertIn('image blank (%s) boots with bios firmware (no '
                      'hw_firmware_type: Nova\'s libvirt driver boots it '
                      'with BIOS), not uefi (--firmware uefi)'
                      % self.image.id, err)
        self.assertIn('openstack image set --property hw_firmware_type=uefi '
                      '--property hw_machine_type=q35 %s' % self.image.id,
                      err)
        self.assertEqual({}, self.cloud.servers)
        self.assertEqual({}, self.cloud.ports)
        # Neither the firmware nor anything else of the image is changed.
        self.cloud.image.update_image.assert_not_called()
        self.assertEqual({}, self.image.properties)

    def test_firmware_bios_refuses_a_uefi_image(self):
        self.cloud.add_image('blank-uefi', properties={
            'hw_firmware_type': 'uefi', 'hw_machine_type': 'q35'})
        rc, out, err = self.run_tool(*ARGS[:-4], '--image', 'blank-uefi',
                                     '--network', 'prov',
                                     '--firmware', 'bios')
        self.assertEqual(1, rc)
        self.assertIn('boots with uefi firmware (hw_firmware_type=uefi), '
                      'not bios (--firmware bios)', err)
        self.assertEqual({}, self.cloud.servers)

    def test_firmware_uefi_builds_from_a_uefi_image(self):
        uefi = self.cloud.add_image('blank-uefi', properties={
            'hw_firmware_type': 'uefi', 'hw_machine_type': 'q35'})
        rc, out, err = self.run_tool(*ARGS[:-4], '--image', 'blank-uefi',
                                     '--network', 'prov',
                                     '--firmware', 'uefi')
        self.assertEqual(0, rc, err)
        self.assertEqual({uefi.id}, {
            c.kwargs['image_id'] for c in
            self.cloud.compute.create_server.call_args_list})
        self.assertIn('Image blank-uefi (%s): the servers boot with uefi '
                      'firmware (hw_firmware_type=uefi)' % uefi.id, err)

    def test_firmware_reports_an_existing_server_of_another_firmware(self):
        # bm-0 .. bm-2 built from the BIOS image, then asked for UEFI.
        rc, out, err = self.run_tool(*ARGS)
        self.assertEqual(0, rc, err)
        self.cloud.add_image('blank-uefi', properties={
            'hw_firmware_type': 'uefi', 'hw_machine_type': 'q35'})
        before = {k: dict(v) for k, v in self.cloud.servers.items()}
        rc, out, err = self.run_tool('create-nodes', '--count', '4',
                                     '--prefix', 'bm', '--flavor',
                                     'bm.small', '--image', 'blank-uefi',
                                     '--network', 'prov',
                                     '--firmware', 'uefi')
        self.assertEqual(1, rc)
        bm0 = [k for k, v in before.items() if v['name'] == 'bm-0'][0]
        self.assertIn('server bm-0 (%s) boots with bios firmware (image '
                      'blank (%s): no hw_firmware_type' % (bm0,
                                                           self.image.id),
                      err)
        self.assertIn('It exists and is left as it is: delete it '
                      '(openstack server delete %s)' % bm0, err)
        self.assertEqual(3, err.count('It exists and is left as it is'))
        # The three are untouched; the missing bm-3 is built from UEFI.
        for server_id, data in before.items():
            self.assertEqual(data['image'],
                             self.cloud.servers[server_id]['image'])
        self.assertEqual(['bm-0', 'bm-1', 'bm-2', 'bm-3'], self.names())
        self.cloud.image.get_image.assert_called_once_with(self.image.id)

    def test_without_firmware_the_image_decides_and_is_named(self):
        rc, out, err = self.run_tool(*ARGS)
        self.assertEqual(0, rc, err)
        self.assertIn('Image blank (%s): the servers boot with bios firmware'
                      % self.image.id, err)

    def test_new_servers_are_left_powered_off(self):
        rc, out, err = self.run_tool(*ARGS)
        self.assertEqual(0, rc, err)
        self.assertEqual(3, self.cloud.compute.stop_server.call_count)
        self.assertEqual({'SHUTOFF'}, {s['status'] for s in
                                       self.cloud.servers.values()})
        self.assertEqual(3, out.count('SHUTOFF'))
        self.assertIn('bm-1: ACTIVE', err)

    def test_summary_table_lists_servers_and_macs(self):
        rc, out, err = self.run_tool(*ARGS)
        for port in self.cloud.ports.values():
            self.assertIn(port['mac_address'], out)
        self.assertIn('| bm-2 ', out)
        self.assertIn('created', out)

    def test_second_run_finds_everything_and_changes_nothing(self):
        self.run_tool(*ARGS)
        creates = self.cloud.compute.create_server.call_count
        ports = self.cloud.network.create_port.call_count
        rc, out, err = self.run_tool(*ARGS)
        self.assertEqual(0, rc, err)
        self.assertEqual(creates, self.cloud.compute.create_server.call_count)
        self.assertEqual(ports, self.cloud.network.create_port.call_count)
        self.assertEqual(3, out.count('exists'))

    def test_active_existing_server_is_not_powered_off(self):
        # Ironic may be driving it: a re-run must not change power.
        self.cloud.add_server('bm-0', status='ACTIVE', mac='fa:16:3e:aa:aa:aa')
        rc, out, err = self.run_tool(*ARGS)
        self.assertEqual(0, rc, err)
        stopped = {c.args[0].name for c in
                   self.cloud.compute.stop_server.call_args_list}
        self.assertEqual({'bm-1', 'bm-2'}, stopped)
        self.assertIn('fa:16:3e:aa:aa:aa', out)

    def test_port_left_by_a_failed_run_is_reused(self):
        self.cloud.fail_create_server.add('bm-1')
        rc, out, err = self.run_tool(*ARGS)
        self.assertEqual(1, rc)
        self.assertIn('cannot create server bm-1: HTTP 403', err)
        self.assertIn('failed', out)
        self.assertEqual(['bm-0', 'bm-2'], self.names())
        ports = self.cloud.network.create_port.call_count
        self.cloud.fail_create_server.clear()
        rc, out, err = self.run_tool(*ARGS)
        self.assertEqual(0, rc, err)
        self.assertEqual(['bm-0', 'bm-1', 'bm-2'], self.names())
        self.assertEqual(ports, self.cloud.network.create_port.call_count)
        self.assertEqual(3, len(self.cloud.ports))

    def test_server_in_error_is_reported_with_its_fault_and_fails(self):
        self.cloud.build_error.add('bm-2')
        rc, out, err = self.run_tool(*ARGS)
        self.assertEqual(1, rc)
        self.assertIn('server bm-2', err)
        self.assertIn('No valid host was found.', err)
        self.assertIn('ERROR', out)
        self.assertIn('table shows what exists', err)

    def test_extra_networks_are_attached_by_uuid(self):
        extra = self.cloud.add_network('public', port_security=True)
        rc, out, err = self.run_tool(*ARGS, '--extra-network', 'public')
        self.assertEqual(0, rc, err)
        networks = self.cloud.compute.create_server.call_args.kwargs[
            'networks']
        self.assertEqual({'uuid': extra.id}, networks[1])

    def test_missing_network_is_named_and_nothing_is_created(self):
        rc, out, err = self.run_tool(*ARGS[:-1], 'nowhere')
        self.assertEqual(1, rc)
        self.assertIn('network "nowhere" (--network) not found', err)
        self.cloud.compute.create_server.assert_not_called()

    def test_create_network_makes_one_without_port_security(self):
        rc, out, err = self.run_tool(*ARGS[:-1], 'newnet',
                                     '--create-network')
        self.assertEqual(0, rc, err)
        self.cloud.network.create_network.assert_called_once_with(
            name='newnet', port_security_enabled=False)

    def test_unknown_flavor_is_named(self):
        rc, out, err = self.run_tool('create-nodes', '--count', '1',
                                     '--flavor', 'huge', '--image', 'blank',
                                     '--network', 'prov')
        self.assertEqual(1, rc)
        self.assertIn('flavor "huge" (--flavor) not found', err)


class CreateServersFunctionTests(base.ToolTestCase):
    """create_servers, the function behind create-nodes.

    For its other callers: the lab's demos and the end-to-end tests.
    """

    def setUp(self):
        super().setUp()
        self.image = self.cloud.add_image('blank')
        self.report = common.Report(servers.COLUMNS, out=io.StringIO(),
                                    err=io.StringIO())

    def create(self, **kwargs):
        return servers.create_servers(self.cloud.conn, self.report, 'bm', 2,
                                      'bm.small', 'blank', None, **kwargs)

    def test_without_a_network_servers_have_none_and_no_port(self):
        ok, rows = self.create()
        self.assertTrue(ok, self.report.err.getvalue())
        self.assertEqual(['bm-0', 'bm-1'], list(rows))
        self.assertEqual({'none'}, {
            c.kwargs['networks'] for c in
            self.cloud.compute.create_server.call_args_list})
        self.assertEqual({}, self.cloud.ports)
        for name, (server_id, result, status, mac, port) in rows.items():
            self.assertEqual(name, self.cloud.servers[server_id]['name'])
            self.assertEqual(('created', 'SHUTOFF', '', ''),
                             (result, status, mac, port))

    def test_power_off_false_leaves_new_servers_active(self):
        ok, rows = self.create(power_off=False)
        self.assertTrue(ok, self.report.err.getvalue())
        self.cloud.compute.stop_server.assert_not_called()
        self.assertEqual(['ACTIVE', 'ACTIVE'],
                         [row[2] for row in rows.values()])
        self.assertEqual(['ACTIVE', 'ACTIVE'], [
            self.cloud.servers[row[0]]['status'] for row in rows.values()])

    def test_rows_are_not_added_to_the_report(self):
        # create-nodes adds them (create_nodes); callers get them back.
        self.create()
        self.assertEqual([], self.report.rows)

    def test_a_server_in_error_is_not_ok(self):
        self.cloud.build_error.add('bm-1')
        ok, rows = self.create(power_off=False)
        self.assertFalse(ok)
        self.assertEqual('ERROR', rows['bm-1'][2])
        self.assertIn('server bm-1', self.report.err.getvalue())
        self.assertNotIn('its port', self.report.err.getvalue())
