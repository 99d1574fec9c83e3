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

"""The devstack plugin (devstack/plugin.sh, devstack/settings) under bash.

A full devstack cannot run here, so each test sources devstack/settings and
devstack/plugin.sh in a real bash, for one phase, with devstack's functions
replaced by tests/devstack/stubs.sh, then reads back the ironic.conf and the
clouds.yaml the plugin wrote (the clouds.yaml through the driver's own
openstacksdk loading code) and the commands it ran.
"""

import configparser
import os
import shlex
import stat
import subprocess
import sys
import tempfile
import textwrap

import testtools
import yaml

from ironic_openstack_driver import cloud

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEVSTACK = os.path.join(ROOT, 'devstack')

FAKE_TOOL = textwrap.dedent('''\
    #!/bin/bash
    # ironic-openstack-nodes stand-in: records its arguments; nodes-file
    # writes an empty nodes file where -o says.
    echo "ironic-openstack-nodes $*" >> "$CALLS"
    prev=
    for arg in "$@"; do
        if [[ "$prev" == "-o" ]]; then echo '{"nodes": []}' > "$arg"; fi
        prev=$arg
    done
    exit ${FAKE_TOOL_STATUS:-0}
''')


class PluginTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name
        self.conf = os.path.join(self.tmp, 'etc', 'ironic.conf')
        os.makedirs(os.path.dirname(self.conf))
        with open(self.conf, 'w') as f:
            # What Ironic's own plugin leaves before ours runs.
            f.write('[DEFAULT]\nenabled_hardware_types = ipmi\n'
                    'enabled_power_interfaces = ipmitool\n'
                    'enabled_management_interfaces = ipmitool\n'
                    'enabled_boot_interfaces = fake,ipxe\n'
                    'enabled_rescue_interfaces = fake,no-rescue\n')
        self.clouds_yaml = os.path.join(self.tmp, 'etc', 'clouds.yaml')
        self.calls = os.path.join(self.tmp, 'calls')
        open(self.calls, 'w').close()
        self.tool = os.path.join(self.tmp, 'fake-tool')
        with open(self.tool, 'w') as f:
            f.write(FAKE_TOOL)
        os.chmod(self.tool, 0o755)
        self.tempest_conf = os.path.join(self.tmp, 'tempest.conf')
        self.env = {
            'PATH': os.environ['PATH'],
            'PYTHON': sys.executable,
            'STUBS_DIR': HERE,
            'CALLS': self.calls,
            # devstack's own variables
            'DEST': os.path.join(self.tmp, 'opt'),
            'DATA_DIR': os.path.join(self.tmp, 'data'),
            'STACK_USER': _user(),
            'ADMIN_PASSWORD': 'sec"ret\'pass: #1',
            'REGION_NAME': 'RegionOne',
            'KEYSTONE_SERVICE_URI': 'http://192.0.2.10/identity',
            'ENABLED_SERVICES': 'key,g-api,n-api,n-cpu,q-svc,ir-api,ir-cond',
            'VIRT_DRIVER': 'libvirt',
            'TEMPEST_CONFIG': self.tempest_conf,
            # the plugin's, pointed into the test's directory
            'IRONIC_CONF_FILE': self.conf,
            'IRONIC_OPENSTACK_CLOUDS_YAML': self.clouds_yaml,
            'IRONIC_OPENSTACK_NODES_CMD': self.tool,
        }

    def run_phase(self, *phase, check=True, between='', **env):
        # between: bash run after settings, before plugin.sh (devstack sets
        # some variables only after it has sourced the plugins' settings).
        script = ('set -u\nsource {stubs}\nsource {settings}\n{between}\n'
                  'source {plugin} {args}\n').format(
                      between=between,
                      stubs=shlex.quote(os.path.join(HERE, 'stubs.sh')),
                      settings=shlex.quote(os.path.join(DEVSTACK,
                                                        'settings')),
                      plugin=shlex.quote(os.path.join(DEVSTACK,
                                                      'plugin.sh')),
                      args=' '.join(shlex.quote(a) for a in phase))
        result = subprocess.run(['bash', '-c', script],
                                env=dict(self.env, **env),
                                capture_output=True, text=True, timeout=60)
        if check:
            self.assertEqual(0, result.returncode,
                             'stdout:\n%s\nstderr:\n%s'
                             % (result.stdout, result.stderr))
        return result

    def ironic_conf(self, path=None):
        # [DEFAULT] as a section of its own: items() of another section
        # are then that section's only.
        parser = configparser.RawConfigParser(default_section='-none-')
        parser.read(path or self.conf)
        return parser

    def recorded(self):
        with open(self.calls) as f:
            return [line.rstrip('\n') for line in f]

    def host_cloud(self, name='hostcloud'):
        """The clouds.yaml entry as the driver loads it."""
        creds = cloud.CloudCredentials(cloud=name)
        return cloud.cloud_region(creds, clouds_yaml=self.clouds_yaml)


def _user():
    import pwd
    return pwd.getpwuid(os.getuid()).pw_name


class TestPostConfig(PluginTestCase):

    def test_enables_the_hardware_type_beside_ironics_own(self):
        self.run_phase('stack', 'post-config')
        conf = self.ironic_conf()
        self.assertEqual('ipmi,openstack',
                         conf.get('DEFAULT', 'enabled_hardware_types'))
        self.assertEqual('ipmitool,openstack',
                         conf.get('DEFAULT', 'enabled_power_interfaces'))
        self.assertEqual('ipmitool,openstack',
                         conf.get('DEFAULT',
                                  'enabled_management_interfaces'))
        self.assertEqual({'clouds_yaml': self.clouds_yaml,
                          'cloud': 'hostcloud',
                          'rescue_image': 'ipxe-rescue',
                          'uefi_rescue_image': 'ipxe-rescue-uefi'},
                         dict(conf.items('openstack')))

    def test_enables_virtual_media_boot_and_agent_rescue_after_ironics(self):
        # Ironic's first enabled interface stays the default one.
        self.run_phase('stack', 'post-config')
        conf = self.ironic_conf()
        self.assertEqual('fake,ipxe,openstack-virtual-media',
                         conf.get('DEFAULT', 'enabled_boot_interfaces'))
        self.assertEqual('fake,no-rescue,agent',
                         conf.get('DEFAULT', 'enabled_rescue_interfaces'))

    def test_running_twice_adds_nothing_twice(self):
        self.run_phase('stack', 'post-config')
        self.run_phase('stack', 'post-config')
        conf = self.ironic_conf()
        self.assertEqual('ipmi,openstack',
                         conf.get('DEFAULT', 'enabled_hardware_types'))
        self.assertEqual('ipmitool,openstack',
                         conf.get('DEFAULT', 'enabled_power_interfaces'))

    def test_extra_interfaces_from_variables(self):
        self.run_phase('stack', 'post-config',
                       IRONIC_OPENSTACK_MANAGEMENT_INTERFACES='openstack,'
                                                              'noop')
        self.assertEqual(
            'ipmitool,openstack,noop',
            self.ironic_conf().get('DEFAULT',
                                   'enabled_management_interfaces'))

    def test_default_host_cloud_is_this_devstack(self):
        self.run_phase('stack', 'post-config')
        region = self.host_cloud()
        auth = region.config['auth']
        self.assertEqual('password', region.config['auth_type'])
        self.assertEqual('http://192.0.2.10/identity/v3', auth['auth_url'])
        self.assertEqual('demo', auth['username'])
        # Quotes, a colon and a hash survive YAML quoting.
        self.assertEqual('sec"ret\'pass: #1', auth['password'])
        self.assertEqual('demo', auth['project_name'])
        self.assertEqual('Default', auth['user_domain_name'])
        self.assertEqual('Default', auth['project_domain_name'])
        self.assertEqual('RegionOne', region.region_name)

    def test_password_and_region_set_after_settings_are_used(self):
        env = dict(self.env)
        del env['ADMIN_PASSWORD'], env['REGION_NAME']
        self.env = env
        self.run_phase('stack', 'post-config',
                       between='ADMIN_PASSWORD=late-pw; REGION_NAME=Late')
        region = self.host_cloud()
        self.assertEqual('late-pw', region.config['auth']['password'])
        self.assertEqual('Late', region.region_name)

    def test_clouds_yaml_is_readable_by_its_owner_only(self):
        self.run_phase('stack', 'post-config')
        mode = stat.S_IMODE(os.stat(self.clouds_yaml).st_mode)
        self.assertEqual(0o600, mode)

    def test_host_cloud_from_variables_with_application_credential(self):
        self.run_phase('stack', 'post-config',
                       VIRT_DRIVER='ironic',
                       IRONIC_OPENSTACK_CLOUD='far',
                       IRONIC_OPENSTACK_AUTH_URL='https://k.example/v3',
                       IRONIC_OPENSTACK_APP_CRED_ID='ac-id',
                       IRONIC_OPENSTACK_APP_CRED_SECRET='ac-secret',
                       IRONIC_OPENSTACK_REGION_NAME='R2',
                       IRONIC_OPENSTACK_CACERT='/etc/ssl/far.pem')
        with open(self.clouds_yaml) as f:
            entry = yaml.safe_load(f)['clouds']['far']
        self.assertEqual({'auth': {'auth_url': 'https://k.example/v3',
                                   'application_credential_id': 'ac-id',
                                   'application_credential_secret':
                                       'ac-secret'},
                          'auth_type': 'v3applicationcredential',
                          'region_name': 'R2',
                          'cacert': '/etc/ssl/far.pem'}, entry)
        region = self.host_cloud('far')
        self.assertEqual('v3applicationcredential',
                         region.config['auth_type'])
        self.assertEqual('far', self.ironic_conf().get('openstack', 'cloud'))

    def test_no_host_cloud_is_a_clear_error(self):
        result = self.run_phase('stack', 'post-config', check=False,
                                VIRT_DRIVER='ironic')
        self.assertNotEqual(0, result.returncode)
        self.assertIn('no host cloud: set IRONIC_OPENSTACK_AUTH_URL',
                      result.stderr)
        self.assertIn("VIRT_DRIVER is 'ironic'", result.stderr)
        self.assertFalse(os.path.exists(self.clouds_yaml))
        self.assertNotIn('openstack', self.ironic_conf().get(
            'DEFAULT', 'enabled_hardware_types'))

    def test_nova_without_compute_here_needs_variables(self):
        result = self.run_phase('stack', 'post-config', check=False,
                                ENABLED_SERVICES='key,ir-api,ir-cond')
        self.assertNotEqual(0, result.returncode)
        self.assertIn('no host cloud', result.stderr)

    def test_nothing_without_ironic(self):
        self.run_phase('stack', 'post-config',
                       ENABLED_SERVICES='key,n-api,n-cpu')
        self.assertFalse(os.path.exists(self.clouds_yaml))
        self.assertFalse(self.ironic_conf().has_section('openstack'))


class TestInstall(PluginTestCase):

    def test_installs_the_checkout_and_ipxe(self):
        self.run_phase('stack', 'install')
        dest = os.path.join(self.tmp, 'opt', 'ironic-openstack-driver')
        self.assertEqual(['define_plugin ironic-openstack-driver',
                          'plugin_requires ironic-openstack-driver ironic',
                          'setup_develop %s' % dest,
                          'install_package ipxe'], self.recorded())

    def test_no_ipxe_without_the_rescue_image_upload(self):
        self.run_phase('stack', 'install',
                       IRONIC_OPENSTACK_UPLOAD_RESCUE_IMAGE='False')
        self.assertNotIn('install_package ipxe', self.recorded())


class TestExtra(PluginTestCase):

    def tool_calls(self):
        return [line for line in self.recorded()
                if line.startswith(('ironic-openstack-nodes',
                                    'OS_CLIENT_CONFIG_FILE'))]

    def test_uploads_both_rescue_images_and_no_nodes_by_default(self):
        self.run_phase('stack', 'extra')
        host = '--os-config-file %s --os-cloud hostcloud' % self.clouds_yaml
        self.assertEqual(
            ['ironic-openstack-nodes %s rescue-image --file '
             '/usr/lib/ipxe/ipxe.iso --name ipxe-rescue' % host,
             'ironic-openstack-nodes %s rescue-image --uefi --file '
             '/usr/lib/ipxe/ipxe.iso --name ipxe-rescue-uefi' % host],
            self.tool_calls())

    def test_creates_network_servers_and_enrolls_n_nodes(self):
        self.run_phase('stack', 'extra', IRONIC_OPENSTACK_NODES='3',
                       IRONIC_OPENSTACK_UPLOAD_RESCUE_IMAGE='False')
        host = '--os-config-file %s --os-cloud hostcloud' % self.clouds_yaml
        env = 'OS_CLIENT_CONFIG_FILE=%s openstack --os-cloud hostcloud' % (
            self.clouds_yaml)
        nodes = os.path.join(self.tmp, 'data', 'ironic-openstack-driver',
                             'nodes.json')
        self.assertEqual(
            ['%s network show ios-provisioning' % env,
             '%s network create --disable-port-security ios-provisioning'
             % env,
             '%s subnet create --network ios-provisioning --subnet-range '
             '10.250.0.0/24 --no-dhcp --gateway none '
             'ios-provisioning-subnet' % env,
             'ironic-openstack-nodes %s create-nodes --count 3 --prefix '
             'ios-node --flavor ds2G --image ipxe-rescue --network '
             'ios-provisioning' % host,
             'ironic-openstack-nodes %s nodes-file --prefix ios-node '
             '--network ios-provisioning --driver-cloud hostcloud -o %s'
             % (host, nodes),
             'ironic-openstack-nodes %s enroll --file %s --ironic-cloud '
             'devstack-system-admin --ironic-config-file '
             '/etc/openstack/clouds.yaml --manage --provide' % (host, nodes)],
            self.tool_calls())
        self.assertTrue(os.path.exists(nodes))

    def test_existing_network_is_used_and_nodes_stay_enroll(self):
        self.run_phase('stack', 'extra', IRONIC_OPENSTACK_NODES='1',
                       IRONIC_OPENSTACK_UPLOAD_RESCUE_IMAGE='False',
                       IRONIC_OPENSTACK_PROVIDE_NODES='False',
                       IRONIC_OPENSTACK_NETWORK='prov',
                       FAKE_NETWORK_EXISTS='True')
        calls = self.tool_calls()
        self.assertFalse([c for c in calls if 'network create' in c])
        self.assertTrue(calls[-1].endswith(
            'enroll --file %s --ironic-cloud devstack-system-admin '
            '--ironic-config-file /etc/openstack/clouds.yaml' % os.path.join(
                self.tmp, 'data', 'ironic-openstack-driver', 'nodes.json')))

    def test_a_failing_tool_fails_the_phase(self):
        result = self.run_phase('stack', 'extra', check=False,
                                FAKE_TOOL_STATUS='1')
        self.assertNotEqual(0, result.returncode)
        self.assertIn('rescue image upload failed', result.stderr)
        # It stopped at the first failure.
        self.assertEqual(1, len(self.tool_calls()))


class TestTestConfigAndClean(PluginTestCase):

    def test_tempest_learns_the_hardware_type(self):
        with open(self.tempest_conf, 'w') as f:
            f.write('[baremetal]\nenabled_hardware_types = ipmi\n')
        self.run_phase('stack', 'test-config',
                       ENABLED_SERVICES='key,n-cpu,ir-api,ir-cond,tempest')
        self.assertEqual('ipmi,openstack', self.ironic_conf(
            self.tempest_conf).get('baremetal', 'enabled_hardware_types'))

    def test_tempest_learns_the_added_interfaces_and_sees_no_nova(self):
        # Ironic's plugin wrote its lists; upstream's standalone classes
        # skip when tempest sees Nova (the plugin's classes then fail).
        with open(self.tempest_conf, 'w') as f:
            f.write('[baremetal]\nenabled_boot_interfaces = fake,ipxe\n'
                    'enabled_rescue_interfaces = fake,no-rescue\n'
                    '[service_available]\nnova = True\n')
        self.run_phase('stack', 'test-config',
                       ENABLED_SERVICES='key,n-api,n-cpu,ir-api,ir-cond,'
                                        'tempest')
        conf = self.ironic_conf(self.tempest_conf)
        self.assertEqual('fake,ipxe,openstack-virtual-media',
                         conf.get('baremetal', 'enabled_boot_interfaces'))
        self.assertEqual('fake,no-rescue,agent',
                         conf.get('baremetal', 'enabled_rescue_interfaces'))
        self.assertEqual('False', conf.get('service_available', 'nova'))

    def test_nova_deploying_onto_ironic_stays_seen_by_tempest(self):
        with open(self.tempest_conf, 'w') as f:
            f.write('[service_available]\nnova = True\n')
        self.run_phase('stack', 'test-config', VIRT_DRIVER='ironic',
                       ENABLED_SERVICES='key,n-api,n-cpu,ir-api,ir-cond,'
                                        'tempest')
        self.assertEqual('True', self.ironic_conf(self.tempest_conf).get(
            'service_available', 'nova'))

    def test_tempest_plugin_gets_what_its_deploy_tests_need(self):
        self.run_phase(
            'stack', 'test-config',
            ENABLED_SERVICES='key,n-cpu,ir-api,ir-cond,tempest',
            IRONIC_OPENSTACK_TEMPEST_DHCP_LEASES_FILE='/var/lib/leases',
            IRONIC_OPENSTACK_TEMPEST_RAMDISK_KERNEL='http://h/k',
            IRONIC_OPENSTACK_TEMPEST_RAMDISK='http://h/r')
        opts = dict(self.ironic_conf(self.tempest_conf).items(
            'openstack_driver'))
        self.assertEqual({
            'host_clouds_yaml': self.clouds_yaml,
            'host_cloud': 'hostcloud',
            'node_name_prefix': 'ios-node',
            'instance_console_line': "login as 'cirros' user",
            'dhcp_leases_file': '/var/lib/leases',
            'ramdisk_kernel': 'http://h/k',
            'ramdisk_ramdisk': 'http://h/r'}, opts)

    def test_tempest_plugin_settings_not_given_stay_unset(self):
        # The plugin's classes then fail naming them (InvalidConfiguration)
        # instead of skipping; nothing is invented here.
        self.run_phase('stack', 'test-config',
                       ENABLED_SERVICES='key,n-cpu,ir-api,ir-cond,tempest')
        opts = dict(self.ironic_conf(self.tempest_conf).items(
            'openstack_driver'))
        self.assertEqual({'host_clouds_yaml', 'host_cloud',
                          'node_name_prefix', 'instance_console_line'},
                         set(opts))

    def test_no_tempest_no_change(self):
        self.run_phase('stack', 'test-config')
        self.assertFalse(os.path.exists(self.tempest_conf))

    def test_unstack_changes_nothing_and_clean_removes_its_files(self):
        self.run_phase('stack', 'post-config')
        self.run_phase('unstack')
        self.assertTrue(os.path.exists(self.clouds_yaml))
        self.run_phase('clean')
        self.assertFalse(os.path.exists(self.clouds_yaml))
