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

"""The tempest.conf writer for the real lab (labconf)."""

import configparser
import copy
import unittest

import labconf
from labkit.images import instance

STATUS = {
    'virt': 'qemu',
    'state_dir': '/var/lib/ios-lab',
    'keystone_url': 'http://127.0.0.1:15000/v3',
    'instance_image': 'http://192.0.2.1:8088/lab-images/instance.img',
    'instance_image_checksum': 'a6' * 32,
    'instance_image_qcow2': 'http://192.0.2.1:8088/lab-images/instance.qcow2',
    'instance_image_qcow2_checksum': 'b7' * 32,
    'deploy_kernel': 'file:///lab/images/ipa/ipa.kernel',
    'deploy_ramdisk': 'file:///lab/images/ipa/ipa.initramfs',
    'deploy_kernel_url': 'http://192.0.2.1:8088/lab-images/ipa.kernel',
    'deploy_ramdisk_url': 'http://192.0.2.1:8088/lab-images/ipa.initramfs',
    'provisioning_network': 'lab-provisioning',
    'exec_prefix': ['ip', 'netns', 'exec', 'ioslab'],
    'clouds_yaml': '/var/lib/ios-lab/clouds.yaml',
    'cloud': 'lab',
}
DRIVER = {
    'name': 'openstack',
    'enabled_boot_interfaces': ['ipxe', 'pxe', 'fake'],
    'enabled_deploy_interfaces': ['direct', 'ramdisk', 'fake'],
    'enabled_rescue_interfaces': ['no-rescue'],
    'enabled_power_interfaces': ['openstack', 'fake'],
    'enabled_raid_interfaces': None,
}
ADMIN = {'username': 'admin', 'password': 's3cret=;#x', 'project_name':
         'admin', 'user_domain_name': 'Default'}


def parsed(status=STATUS, driver=DRIVER, admin=ADMIN, **kw):
    text = labconf.render(labconf.sections(status, driver, admin, **kw))
    conf = configparser.ConfigParser(interpolation=None)
    conf.read_string(text)
    return conf


class SectionsTestCase(unittest.TestCase):

    def test_identity_and_admin_come_from_the_lab(self):
        conf = parsed(region='LabRegion')
        self.assertEqual(STATUS['keystone_url'], conf['identity']['uri_v3'])
        self.assertEqual('v3', conf['identity']['auth_version'])
        self.assertEqual('LabRegion', conf['identity']['region'])
        self.assertEqual('admin', conf['auth']['admin_username'])
        self.assertEqual(ADMIN['password'], conf['auth']['admin_password'])
        self.assertEqual('Default', conf['auth']['admin_domain_name'])

    def test_standalone_services(self):
        conf = parsed()
        available = conf['service_available']
        self.assertEqual('false', available['nova'])
        self.assertEqual('true', available['ironic'])
        self.assertEqual('true', available['neutron'])
        self.assertEqual('true', conf['enforce_scope']['ironic'])

    def test_enabled_interfaces_are_ironics_own(self):
        baremetal = parsed()['baremetal']
        self.assertEqual('openstack', baremetal['enabled_hardware_types'])
        self.assertEqual('ipxe,pxe,fake',
                         baremetal['enabled_boot_interfaces'])
        self.assertEqual('direct,ramdisk,fake',
                         baremetal['enabled_deploy_interfaces'])
        self.assertEqual('no-rescue',
                         baremetal['enabled_rescue_interfaces'])
        # Ironic's null for an interface type means none enabled.
        self.assertEqual('', baremetal['enabled_raid_interfaces'])
        self.assertEqual('', baremetal['enabled_bios_interfaces'])

    def test_whole_disk_image_is_the_qcow2_copy_and_timeouts(self):
        conf = parsed()
        baremetal = conf['baremetal']
        self.assertEqual(STATUS['instance_image_qcow2'],
                         baremetal['whole_disk_image_url'])
        self.assertEqual(STATUS['instance_image_qcow2'],
                         baremetal['whole_disk_image_ref'])
        self.assertEqual(STATUS['instance_image_qcow2_checksum'],
                         baremetal['whole_disk_image_checksum'])
        for key, seconds in labconf.TIMEOUTS.items():
            self.assertEqual(str(seconds), baremetal[key])
        ours = conf['openstack_driver']
        # Over HTTP: Ironic 39 cannot ramdisk-deploy file:// URLs.
        self.assertEqual(STATUS['deploy_kernel_url'],
                         ours['ramdisk_kernel'])
        self.assertEqual(STATUS['deploy_ramdisk_url'],
                         ours['ramdisk_ramdisk'])
        self.assertEqual('/var/lib/ios-lab/data/dnsmasq/leases',
                         ours['dhcp_leases_file'])

    def test_vifs_go_on_the_provisioning_network(self):
        conf = parsed()
        self.assertEqual('true', conf['network']['shared_physical_network'])
        self.assertEqual('lab-provisioning',
                         conf['compute']['fixed_network_name'])
        self.assertEqual('fixed', conf['validation']['connect_method'])

    def test_missing_status_field_is_named(self):
        status = copy.deepcopy(STATUS)
        del status['instance_image_qcow2_checksum']
        status['deploy_kernel_url'] = ''
        err = self.assertRaises_(status=status)
        self.assertIn('instance_image_qcow2_checksum', str(err))
        self.assertIn('deploy_kernel_url', str(err))

    def test_fast_lab_is_refused(self):
        status = dict(STATUS, exec_prefix=[], virt='fake')
        err = self.assertRaises_(status=status)
        self.assertIn('not run in a real mode (virt fake)', str(err))

    def test_answer_for_another_driver_is_refused(self):
        err = self.assertRaises_(driver=dict(DRIVER, name='ipmi'))
        self.assertIn("'ipmi'", str(err))

    def test_admin_without_password_is_refused_without_leaking(self):
        err = self.assertRaises_(admin=dict(ADMIN, password=''))
        self.assertIn('password', str(err))
        self.assertNotIn(ADMIN['password'], str(err))

    def test_newline_in_a_value_is_refused(self):
        status = dict(STATUS, provisioning_network='net\n[auth]')
        self.assertRaises(labconf.LabConfigError, labconf.render,
                          labconf.sections(status, DRIVER, ADMIN))

    def assertRaises_(self, status=STATUS, driver=DRIVER, admin=ADMIN):
        with self.assertRaises(labconf.LabConfigError) as ctx:
            labconf.sections(status, driver, admin)
        return ctx.exception

    def test_every_deploy_setting_of_the_plugin_is_set(self):
        # Else the plugin's classes fail with InvalidConfiguration.
        from ironic_openstack_driver_tempest_plugin import verify
        opts = parsed()['openstack_driver']
        for name in verify.DEPLOY_SETTINGS + ('ramdisk_kernel',
                                              'ramdisk_ramdisk'):
            self.assertTrue(opts.get(name), name)
        self.assertEqual(STATUS['clouds_yaml'], opts['host_clouds_yaml'])
        self.assertEqual('lab', opts['host_cloud'])
        self.assertEqual('IOS-LAB-INSTANCE booted from disk',
                         opts['instance_console_line'])

    def test_the_console_line_is_what_the_lab_image_prints(self):
        self.assertEqual(instance.MARKER, labconf.INSTANCE_CONSOLE_LINE)
