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

import tempfile
from unittest import mock

from oslo_config import cfg

from ironic.common import exception
from ironic.common import states
from ironic.conductor import inspection
from ironic.conductor import task_manager
from ironic.drivers.modules import inspect_utils
from ironic import objects

from ironic_openstack_driver import conf
from ironic_openstack_driver import inspect as os_inspect
from tests.unit import cloud_base

MAC1, MAC2, MAC3 = ('fa:16:3e:00:00:01', 'fa:16:3e:00:00:02',
                    'fa:16:3e:00:00:03')


class InspectTestCase(cloud_base.CloudTestCase):

    def setUp(self):
        super().setUp()
        self.provisioning = self.nova.add_network('provisioning')
        self.tenant = self.nova.add_network('tenant')
        self.nova.add_port(self.server, MAC1, self.provisioning,
                           ips=['10.0.0.5', 'fd00::5'])
        # No IP: its MAC is not in the server's addresses.
        self.nova.add_port(self.server, MAC2, self.tenant)
        self.node.provision_state = states.MANAGEABLE
        self.node.properties = {}
        self.node.save()

    def _inspect(self, boot_mode=None):
        """Through the conductor's inspection code, as Ironic's tests do."""
        self.node.provision_state = states.INSPECTING
        self.node.target_provision_state = states.MANAGEABLE
        self.node.save()
        task = task_manager.TaskManager(self.context, self.node.uuid)
        if boot_mode:
            task.driver.management.get_boot_mode = lambda task: boot_mode
        try:
            inspection.inspect_hardware(task)
        finally:
            task.release_resources()
            self.node.refresh()

    def _ports(self):
        return {port.address: port for port in
                objects.Port.list_by_node_id(self.context, self.node.id)}

    def test_fills_properties_from_flavor_and_image_and_ends_manageable(self):
        self._inspect()
        self.assertEqual(states.MANAGEABLE, self.node.provision_state)
        self.assertIsNone(self.node.last_error)
        self.assertEqual({'cpus': 2, 'memory_mb': 3072, 'local_gb': 9,
                          'cpu_arch': 'x86_64',
                          'capabilities': 'boot_mode:bios'},
                         self.node.properties)

    def test_only_reads_the_cloud(self):
        self._inspect()
        self.assertEqual([], self.nova.actions)
        self.assertEqual([], self.nova.consoles)

    def test_one_port_per_neutron_port_with_and_without_ips(self):
        self._inspect()
        ports = self._ports()
        self.assertEqual({MAC1, MAC2}, set(ports))
        self.assertIsNone(ports[MAC1].physical_network)

    def test_physical_network_from_the_configured_map(self):
        self.config(physical_networks={'provisioning': 'physnet1',
                                       self.tenant: 'physnet2'},
                    group='openstack')
        self._inspect()
        ports = self._ports()
        self.assertEqual('physnet1', ports[MAC1].physical_network)
        self.assertEqual('physnet2', ports[MAC2].physical_network)

    def test_only_the_first_nic_of_the_server_is_pxe_enabled(self):
        self._inspect()
        ports = self._ports()
        self.assertTrue(ports[MAC1].pxe_enabled)
        self.assertFalse(ports[MAC2].pxe_enabled)

    def test_first_nic_without_an_ip_is_the_provisioning_one(self):
        # Nova's order, not Neutron's and not the ports with IPs: a
        # provisioning port has no IP, the second NIC has one.
        self.nova.ports.clear()
        self.server.addresses.clear()
        self.nova.add_port(self.server, MAC2, self.provisioning)
        self.nova.add_port(self.server, MAC1, self.tenant, ips=['10.0.0.5'])
        self._inspect()
        ports = self._ports()
        self.assertTrue(ports[MAC2].pxe_enabled)
        self.assertFalse(ports[MAC1].pxe_enabled)

    def test_a_network_the_user_cannot_see_does_not_fail_inspection(self):
        del self.nova.networks[self.tenant]
        self._inspect()
        self.assertEqual(states.MANAGEABLE, self.node.provision_state)
        ports = self._ports()
        self.assertTrue(ports[MAC1].pxe_enabled)
        self.assertFalse(ports[MAC2].pxe_enabled)

    def test_unknown_nic_order_leaves_every_port_pxe_enabled(self):
        self.server.addresses.clear()
        self._inspect()
        self.assertEqual({True}, {p.pxe_enabled
                                  for p in self._ports().values()})

    def test_pxe_and_physical_networks_of_a_two_network_server(self):
        self.config(physical_networks={'provisioning': 'physnet-prov',
                                       'tenant': 'physnet-data'},
                    group='openstack')
        self._inspect()
        self.assertEqual(
            {MAC1: (True, 'physnet-prov'), MAC2: (False, 'physnet-data')},
            {mac: (p.pxe_enabled, p.physical_network)
             for mac, p in self._ports().items()})

    def test_malformed_physical_networks_stop_the_interface_loading(self):
        with tempfile.NamedTemporaryFile('w', suffix='.conf') as f:
            f.write('[openstack]\nphysical_networks = provisioning\n')
            f.flush()
            bad = cfg.ConfigOpts()
            bad.register_opt(conf.PHYSICAL_NETWORKS_OPT, group='openstack')
            bad(args=[], default_config_files=[f.name],
                default_config_dirs=[])
            with mock.patch.object(conf, 'CONF', bad):
                e = self.assertRaises(exception.DriverLoadError,
                                      os_inspect.OpenStackInspect)
        self.assertIn('[openstack]physical_networks', str(e))
        self.assertIn('NAME:VALUE', str(e))

    def test_reinspection_adds_only_the_new_port(self):
        self._inspect()
        before = {mac: port.uuid for mac, port in self._ports().items()}
        self.nova.add_port(self.server, MAC3, self.tenant)
        self._inspect()
        after = self._ports()
        self.assertEqual({MAC1, MAC2, MAC3}, set(after))
        for mac, uuid in before.items():
            self.assertEqual(uuid, after[mac].uuid)
        self.assertEqual(3, len(objects.Port.list_by_node_id(
            self.context, self.node.id)))

    def test_mac_of_another_node_is_left_alone(self):
        other = objects.Node(self.context, driver='openstack',
                             uuid='7c8b5f0e-5a3e-4f57-9a8b-6a3f1a3c2b10',
                             driver_info={'openstack_server': 'x'})
        other.create()
        objects.Port(self.context, address=MAC2, node_id=other.id).create()
        self._inspect()
        self.assertEqual({MAC1}, set(self._ports()))
        self.assertEqual(states.MANAGEABLE, self.node.provision_state)

    def test_inventory_is_stored_in_ironics_format(self):
        self._inspect()
        data = inspect_utils.get_inspection_data(self.node, self.context)
        inventory = data['inventory']
        self.assertEqual({'count': 2, 'architecture': 'x86_64'},
                         inventory['cpu'])
        self.assertEqual(3072, inventory['memory']['physical_mb'])
        self.assertEqual([{'name': '/dev/vda', 'size': 10 * 1024 ** 3,
                           'rotational': False}], inventory['disks'])
        self.assertEqual(
            [{'name': self.nova.ports[0]['id'], 'mac_address': MAC1,
              'has_carrier': True, 'ipv4_address': '10.0.0.5',
              'ipv6_address': 'fd00::5'},
             {'name': self.nova.ports[1]['id'], 'mac_address': MAC2,
              'has_carrier': True}],
            inventory['interfaces'])
        self.assertEqual({'current_boot_mode': 'bios'}, inventory['boot'])
        plugin = data['plugin_data']['openstack']
        self.assertEqual(self.server.id, plugin['server'])
        self.assertEqual('bm.small', plugin['flavor'])
        self.assertEqual('default', plugin['cpu_arch_source'])

    def test_cpu_arch_and_uefi_from_the_image(self):
        image = self.nova.add_image('arm-disk',
                                    hw_architecture='aarch64',
                                    hw_firmware_type='uefi')
        self.server.image_id = image.id
        self._inspect()
        self.assertEqual('aarch64', self.node.properties['cpu_arch'])
        self.assertEqual('boot_mode:uefi',
                         self.node.properties['capabilities'])

    def test_default_cpu_arch_is_configurable(self):
        self.config(default_cpu_arch='aarch64', group='openstack')
        self._inspect()
        self.assertEqual('aarch64', self.node.properties['cpu_arch'])

    def test_boot_mode_set_by_the_operator_is_kept(self):
        self.node.properties = {'capabilities': 'boot_mode:uefi,foo:bar'}
        self.node.save()
        self._inspect()
        self.assertEqual('boot_mode:uefi,foo:bar',
                         self.node.properties['capabilities'])

    def test_other_properties_are_kept(self):
        self.node.properties = {'vendor': 'lab', 'cpus': 64}
        self.node.save()
        self._inspect()
        self.assertEqual('lab', self.node.properties['vendor'])
        self.assertEqual(2, self.node.properties['cpus'])

    def test_flavor_by_id_on_clouds_before_2_47(self):
        self.server.embed_flavor = False
        self._inspect()
        self.assertEqual(2, self.node.properties['cpus'])
        self.nova.compute.get_flavor.assert_called_once_with('flavor-small')

    def test_deleted_flavor_on_an_old_cloud_fails_inspection(self):
        self.server.embed_flavor = False
        self.nova.flavors.clear()
        self.assertRaises(exception.DriverOperationError, self._inspect)
        self.assertEqual(states.INSPECTFAIL, self.node.provision_state)
        self.assertIn('flavor-small', self.node.last_error)
        self.assertEqual({}, self._ports())

    def test_volume_backed_server_root_disk_from_its_volume(self):
        self.server.image_id = None
        self.server.flavor['disk'] = 0
        self.nova.add_volume(self.server, 50, '/dev/vdb')
        self.nova.add_volume(self.server, 30, '/dev/vda')
        self._inspect()
        self.assertEqual(29, self.node.properties['local_gb'])

    def test_flavor_disk_zero_sizes_the_root_from_the_image(self):
        self.server.flavor['disk'] = 0
        image = self.nova.add_image('big',
                                    virtual_size=5 * 1024 ** 3 + 1)
        self.server.image_id = image.id
        self._inspect()
        self.assertEqual(5, self.node.properties['local_gb'])

    def test_deleted_image_gives_default_arch(self):
        self.server.image_id = 'deleted-image'
        self.server.flavor['disk'] = 20
        # The boot mode read is the management interface's (issue 10).
        self._inspect(boot_mode='bios')
        self.assertEqual('x86_64', self.node.properties['cpu_arch'])
        self.assertEqual(19, self.node.properties['local_gb'])

    def test_missing_server_fails_inspection_with_a_clear_error(self):
        del self.nova.servers[self.server.id]
        self.assertRaises(exception.DriverOperationError, self._inspect)
        self.assertEqual(states.INSPECTFAIL, self.node.provision_state)
        self.assertIn('was not found', self.node.last_error)
        self.assertEqual({}, self._ports())

    def test_local_gb_leaves_one_gib(self):
        self.assertEqual(0, os_inspect.local_gb(0))
        self.assertEqual(0, os_inspect.local_gb(1))
        self.assertEqual(39, os_inspect.local_gb(40))
