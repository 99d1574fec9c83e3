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

import json
import os
import tempfile

from ironic_openstack_driver.tools import nodes_file
from tests.unit.tools import base


class NodesFileTests(base.ToolTestCase):

    def setUp(self):
        super().setUp()
        self.image = self.cloud.add_image(
            'ipxe', properties={'hw_firmware_type': 'uefi'},
            architecture='aarch64')
        self.rescue = self.cloud.add_image('rescue')
        self.ids = [self.cloud.add_server(
            'bm-%d' % i, image_id=self.image.id,
            mac='fa:16:3e:00:00:%02d' % i) for i in (0, 1, 10)]
        self.cloud.add_server('other', mac='fa:16:3e:99:99:99')
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.path = os.path.join(self.dir.name, 'nodes.json')

    def test_writes_what_openstack_baremetal_create_reads(self):
        rc, out, err = self.run_tool('nodes-file', '--prefix', 'bm',
                                     '--rescue-image', 'rescue',
                                     '-o', self.path)
        self.assertEqual(0, rc, err)
        with open(self.path) as f:
            data = json.load(f)
        self.assertEqual(['nodes'], list(data))
        self.assertEqual(['bm-0', 'bm-1', 'bm-10'],
                         [n['name'] for n in data['nodes']])
        self.assertEqual({
            'name': 'bm-0', 'driver': 'openstack',
            'driver_info': {'openstack_server': self.ids[0],
                            'openstack_cloud': 'host',
                            'openstack_rescue_image': self.rescue.id},
            'properties': {'cpus': 2, 'memory_mb': 1024, 'local_gb': 10,
                           'cpu_arch': 'aarch64'},
            'ports': [{'address': 'fa:16:3e:00:00:00'}]}, data['nodes'][0])

    def test_node_keys_are_ones_ironicclient_creates(self):
        from ironicclient.v1 import node as ic_node
        from ironicclient.v1 import port as ic_port
        rc, out, err = self.run_tool('nodes-file', '--prefix', 'bm',
                                     '--physical-network', 'physnet1',
                                     '--resource-class', 'baremetal')
        node = json.loads(out)['nodes'][0]
        self.assertLessEqual(
            set(node) - {'ports'},
            set(ic_node.NodeManager._creation_attributes))
        self.assertLessEqual(set(node['ports'][0]),
                             set(ic_port.PortManager._creation_attributes))
        self.assertEqual('physnet1', node['ports'][0]['physical_network'])
        self.assertEqual('baremetal', node['resource_class'])

    def test_file_passes_ironicclients_schema(self):
        from ironicclient.v1 import create_resources
        import jsonschema
        self.run_tool('nodes-file', '--prefix', 'bm', '-o', self.path)
        jsonschema.validate(create_resources.load_from_file(self.path),
                            create_resources._CREATE_SCHEMA)

    def test_second_run_leaves_the_file_untouched(self):
        self.run_tool('nodes-file', '--prefix', 'bm', '-o', self.path)
        mtime = os.stat(self.path).st_mtime_ns
        rc, out, err = self.run_tool('nodes-file', '--prefix', 'bm',
                                     '-o', self.path)
        self.assertEqual(0, rc, err)
        self.assertEqual(mtime, os.stat(self.path).st_mtime_ns)
        self.assertIn('Unchanged', err)

    def test_defaults_bios_and_x86_64_without_image_properties(self):
        self.cloud.add_server('plain-0', mac='fa:16:3e:11:11:11',
                              image_id=self.rescue.id)
        rc, out, err = self.run_tool('nodes-file', '--server', 'plain-0')
        props = json.loads(out)['nodes'][0]['properties']
        self.assertEqual(('x86_64', 'boot_mode:bios'),
                         (props['cpu_arch'], props['capabilities']))

    def test_uefi_server_gets_no_capability_bios_server_boot_mode_bios(self):
        # Ironic's [deploy]default_boot_mode is uefi: only a BIOS server
        # needs the capability; a UEFI one takes its firmware by the sync.
        bios = self.cloud.add_image('blank', properties={
            'hw_firmware_type': 'bios'})
        self.cloud.add_server('plain-0', mac='fa:16:3e:11:11:11',
                              image_id=bios.id)
        rc, out, err = self.run_tool('nodes-file', '--server', 'bm-0',
                                     '--server', 'plain-0')
        self.assertEqual(0, rc, err)
        props = {n['name']: n['properties']
                 for n in json.loads(out)['nodes']}
        self.assertNotIn('capabilities', props['bm-0'])
        self.assertEqual('boot_mode:bios', props['plain-0']['capabilities'])
        self.assertIn('| uefi ', err)
        self.assertIn('| bios (capability) ', err)

    def test_conductor_default_bios_makes_uefi_servers_carry_it(self):
        conf = os.path.join(self.dir.name, 'ironic.conf')
        with open(conf, 'w') as f:
            f.write('[deploy]\ndefault_boot_mode = bios\n')
        self.cloud.add_server('plain-0', mac='fa:16:3e:11:11:11',
                              image_id=self.rescue.id)
        rc, out, err = self.run_tool('nodes-file', '--server', 'bm-0',
                                     '--server', 'plain-0',
                                     '--driver-config-file', conf)
        self.assertEqual(0, rc, err)
        props = {n['name']: n['properties']
                 for n in json.loads(out)['nodes']}
        self.assertEqual('boot_mode:uefi', props['bm-0']['capabilities'])
        self.assertNotIn('capabilities', props['plain-0'])

    def test_malformed_conductor_default_boot_mode_is_named(self):
        conf = os.path.join(self.dir.name, 'ironic.conf')
        with open(conf, 'w') as f:
            f.write('[deploy]\ndefault_boot_mode = legacy\n')
        rc, out, err = self.run_tool('nodes-file', '--server', 'bm-0',
                                     '--driver-config-file', conf)
        self.assertEqual(1, rc)
        self.assertIn('--driver-config-file %s: [deploy]default_boot_mode'
                      % conf, err)
        self.assertEqual('', out)

    def test_firmware_option_refuses_a_server_of_another_firmware(self):
        plain = self.cloud.add_server('plain-0', mac='fa:16:3e:11:11:11',
                                      image_id=self.rescue.id)
        rc, out, err = self.run_tool('nodes-file', '--prefix', 'bm',
                                     '--server', 'plain-0',
                                     '--firmware', 'uefi', '-o', self.path)
        self.assertEqual(1, rc)
        self.assertIn('server plain-0 (%s) boots with bios firmware (image '
                      'rescue (%s): no hw_firmware_type' % (
                          plain, self.rescue.id), err)
        self.assertIn('not uefi (--firmware uefi)', err)
        self.assertFalse(os.path.exists(self.path))

    def test_firmware_option_accepts_servers_that_have_it(self):
        rc, out, err = self.run_tool('nodes-file', '--prefix', 'bm',
                                     '--firmware', 'uefi')
        self.assertEqual(0, rc, err)
        self.assertEqual(3, len(json.loads(out)['nodes']))
        rc, out, err = self.run_tool('nodes-file', '--prefix', 'bm',
                                     '--firmware', 'bios')
        self.assertEqual(1, rc)
        self.assertIn('server bm-0 (%s) boots with uefi firmware (image '
                      'ipxe (%s): hw_firmware_type=uefi), not bios' % (
                          self.ids[0], self.image.id), err)

    def test_firmware_is_what_nova_kept_for_the_server_from_2_98(self):
        # The image changed (then went) after the servers were built: Nova
        # boots them by the copy it kept, as the driver reads it.
        self.cloud.compute_microversion = '2.100'
        self.image.properties['hw_firmware_type'] = 'bios'
        rc, out, err = self.run_tool('nodes-file', '--server', 'bm-0')
        self.assertEqual(0, rc, err)
        self.assertNotIn('capabilities',
                         json.loads(out)['nodes'][0]['properties'])
        del self.cloud.images[self.image.id]
        rc, out, err = self.run_tool('nodes-file', '--server', 'bm-0',
                                     '--firmware', 'bios')
        self.assertEqual(1, rc)
        self.assertIn('server bm-0 (%s) boots with uefi firmware (image %s '
                      'as Nova kept it for the server: hw_firmware_type='
                      'uefi), not bios' % (self.ids[0], self.image.id), err)

    def test_aarch64_image_without_firmware_type_is_uefi(self):
        # Nova boots aarch64 guests with UEFI, and the driver reads them so:
        # boot_mode:bios would be refused before every deploy.
        arm = self.cloud.add_image('arm', architecture='aarch64')
        self.cloud.add_server('arm-0', mac='fa:16:3e:44:44:44',
                              image_id=arm.id)
        rc, out, err = self.run_tool('nodes-file', '--server', 'arm-0')
        self.assertEqual(0, rc, err)
        props = json.loads(out)['nodes'][0]['properties']
        self.assertEqual('aarch64', props['cpu_arch'])
        self.assertNotIn('capabilities', props)

    def test_below_2_98_the_image_in_glance_is_read(self):
        self.cloud.compute_microversion = '2.97'
        self.image.properties['hw_firmware_type'] = 'bios'
        self.image.architecture = 'x86_64'
        rc, out, err = self.run_tool('nodes-file', '--server', 'bm-0')
        self.assertEqual(0, rc, err)
        self.assertEqual('boot_mode:bios', json.loads(out)['nodes'][0][
            'properties']['capabilities'])

    def test_volume_backed_server_is_taken_as_bios(self):
        self.cloud.add_server('vol-0', mac='fa:16:3e:33:33:33',
                              image_id=None)
        rc, out, err = self.run_tool('nodes-file', '--server', 'vol-0',
                                     '--firmware', 'uefi')
        self.assertEqual(1, rc)
        self.assertIn('volume-backed: its firmware is not read, the driver '
                      'takes it as BIOS', err)

    def test_cpu_arch_option_wins_and_driver_cloud_is_written(self):
        rc, out, err = self.run_tool('nodes-file', '--server', 'bm-1',
                                     '--cpu-arch', 'x86_64',
                                     '--driver-cloud', 'conductor-cloud')
        node = json.loads(out)['nodes'][0]
        self.assertEqual('x86_64', node['properties']['cpu_arch'])
        self.assertEqual('conductor-cloud',
                         node['driver_info']['openstack_cloud'])

    def test_flavor_is_read_when_nova_gives_only_its_id(self):
        server_id = self.cloud.add_server('old-0', mac='fa:16:3e:22:22:22')
        self.cloud.servers[server_id]['flavor'] = {'id': 'flavor-id'}
        rc, out, err = self.run_tool('nodes-file', '--server', server_id)
        self.assertEqual(0, rc, err)
        self.cloud.compute.get_flavor.assert_called_once_with('flavor-id')
        self.assertEqual(2, json.loads(out)['nodes'][0]['properties']['cpus'])

    def test_several_ports_each_a_port_the_first_nic_pxe_enabled(self):
        extra = self.cloud.add_network('public')
        self.cloud.ports['extra'] = {
            'name': 'x', 'mac_address': 'fa:16:3e:77:77:77',
            'network_id': extra.id, 'device_id': self.ids[0]}
        # An interface attached later: Nova lists it after the first NIC.
        self.cloud.servers[self.ids[0]]['addresses']['public'] = []
        rc, out, err = self.run_tool('nodes-file', '--server', 'bm-0')
        self.assertEqual(0, rc, err)
        self.assertEqual([{'address': 'fa:16:3e:00:00:00'},
                          {'address': 'fa:16:3e:77:77:77',
                           'pxe_enabled': False}],
                         json.loads(out)['nodes'][0]['ports'])
        rc, out, err = self.run_tool('nodes-file', '--server', 'bm-0',
                                     '--network', 'public')
        self.assertEqual(0, rc, err)
        self.assertEqual([{'address': 'fa:16:3e:77:77:77'},
                          {'address': 'fa:16:3e:00:00:00',
                           'pxe_enabled': False}],
                         json.loads(out)['nodes'][0]['ports'])

    def test_unknown_server_is_named(self):
        rc, out, err = self.run_tool('nodes-file', '--server', 'ghost')
        self.assertEqual(1, rc)
        self.assertIn('server ghost (--server) not found', err)

    def test_no_selection_is_refused(self):
        rc, out, err = self.run_tool('nodes-file')
        self.assertEqual(1, rc)
        self.assertIn('--server', err)

    def test_output_must_be_json_or_yaml(self):
        rc, out, err = self.run_tool('nodes-file', '--prefix', 'bm', '-o',
                                     os.path.join(self.dir.name, 'n.txt'))
        self.assertEqual(1, rc)
        self.assertIn('.json or .yaml', err)

    def test_yaml_output_is_read_by_ironicclient(self):
        from ironicclient.v1 import create_resources
        path = os.path.join(self.dir.name, 'nodes.yaml')
        self.run_tool('nodes-file', '--prefix', 'bm', '-o', path)
        self.assertEqual(3, len(create_resources.load_from_file(path)[
            'nodes']))

    def test_invalid_node_name_is_refused(self):
        self.cloud.add_server('my server-0', mac='fa:16:3e:33:33:33')
        rc, out, err = self.run_tool('nodes-file', '--server', 'my server-0')
        self.assertEqual(1, rc)
        self.assertIn('not a valid Ironic node name', err)


class SortTests(base.unittest.TestCase):

    def test_servers_sort_by_number(self):
        servers = [type('S', (), {'name': n, 'id': n})()
                   for n in ('bm-10', 'bm-2', 'bm-1')]
        self.assertEqual(['bm-1', 'bm-2', 'bm-10'], [
            s.name for s in sorted(servers, key=nodes_file._sort_key)])
