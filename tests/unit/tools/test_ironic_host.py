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

"""ironic-openstack-nodes ironic-host: what it makes, finds and deletes."""

import base64
import json
import os
import stat

import bcrypt
import jsonschema
from openstack import exceptions as sdk_exc
import yaml

from tests.unit.tools import base
from tests.unit.tools import fake_host_cloud
from tests.unit.tools import test_host_userdata


class IronicHostTest(base.HostCloudTestCase):

    def host(self, *extra, clouds_file=True):
        """Run ironic-host (--clouds-file self.clouds_file if clouds_file)."""
        return self.run_tool(
            'ironic-host', '--image', 'debian-12', '--flavor', 'bm.small',
            '--key-name', 'mykey', '--network', 'prov',
            '--provisioning-address', '192.168.24.1/24',
            '--access-network', 'public', '--allow-from', '203.0.113.0/24',
            '--driver-source', 'https://wheels.example/driver.whl',
            *(('--clouds-file', self.clouds_file) if clouds_file else ()),
            *extra)

    def servers(self):
        return {s['name']: s for s in self.cloud.servers.values()}

    def ports(self):
        return {p['name']: p for p in self.cloud.ports.values()}

    def user_data(self):
        call = self.cloud.compute.create_server.call_args
        return yaml.safe_load(base64.b64decode(call.kwargs['user_data']))

    def test_creates_the_host_its_ports_access_and_credential(self):
        rc, out, err = self.host()
        self.assertEqual(0, rc, err)
        server = self.servers()['ironic-host']
        self.assertEqual('ACTIVE', server['status'])
        self.assertEqual({'ironic_openstack_nodes': 'ironic-host'},
                         server['metadata'])
        kwargs = self.cloud.compute.create_server.call_args.kwargs
        self.assertEqual('mykey', kwargs['key_name'])
        ports = self.ports()
        prov, access = ports['ironic-host-provisioning'], \
            ports['ironic-host-access']
        self.assertEqual([{'port': self.port_id(prov)},
                          {'port': self.port_id(access)}],
                         kwargs['networks'])
        # PXE: no port security, no Neutron address; the host runs no
        # agent: Neutron's MAC is kept.
        self.assertFalse(prov['port_security_enabled'])
        self.assertEqual([], prov['fixed_ips'])
        self.assertTrue(prov['mac_address'].startswith('fa:16:3e'))
        sg_id, = self.cloud.security_groups
        self.assertEqual([sg_id], access['security_group_ids'])
        self.assertEqual(
            {(22, '203.0.113.0/24'), (6385, '203.0.113.0/24')},
            {(r['port_range_min'], r['remote_ip_prefix'])
             for r in self.cloud.sg_rules})
        cred, = self.cloud.app_credentials.values()
        self.assertEqual(([{'name': 'member'}], 'project-1'),
                         (cred['roles'], cred['project_id']))
        address = access['fixed_ips'][0]['ip_address']
        self.assertIn('Ironic API: http://%s:6385' % address, out)
        # The static address on the NIC of the provisioning port's MAC.
        self.assertIn(prov['mac_address'], self.user_data()['bootcmd'][0][2])

    def port_id(self, data):
        return [i for i, p in self.cloud.ports.items() if p is data][0]

    def test_secrets_only_in_the_user_data_and_the_0600_file(self):
        rc, out, err = self.host()
        self.assertEqual(0, rc, err)
        mode = stat.S_IMODE(os.stat(self.clouds_file).st_mode)
        self.assertEqual(0o600, mode)
        with open(self.clouds_file) as f:
            entry = yaml.safe_load(f)['clouds']['ironic-host']
        password = entry['auth']['password']
        self.assertEqual('http_basic', entry['auth_type'])
        files = {f['path']: f['content']
                 for f in self.user_data()['write_files']}
        user, hashed = files['/etc/ironic/htpasswd'].splitlines()[0].split(
            ':', 1)
        self.assertEqual('admin', user)
        self.assertTrue(bcrypt.checkpw(password.encode(), hashed.encode()))
        cred_id, = self.cloud.app_credentials
        driver = yaml.safe_load(files['/etc/ironic/clouds.yaml'])
        self.assertEqual(
            {'auth_url': fake_host_cloud.AUTH_URL,
             'application_credential_id': cred_id,
             'application_credential_secret': 'SECRET-of-%s' % cred_id},
            driver['clouds']['host']['auth'])
        for secret in (password, 'SECRET-of-%s' % cred_id):
            self.assertNotIn(secret, out)
            self.assertNotIn(secret, err)
        self.assertIn('<in %s>' % self.clouds_file, out)

    def test_a_second_run_finds_everything_and_makes_nothing(self):
        self.assertEqual(0, self.host()[0])
        with open(self.clouds_file) as f:
            before = f.read()
        state = (set(self.cloud.servers), set(self.cloud.ports),
                 set(self.cloud.security_groups),
                 set(self.cloud.app_credentials))
        rc, out, err = self.host()
        self.assertEqual(0, rc, err)
        self.assertEqual(state, (set(self.cloud.servers),
                                 set(self.cloud.ports),
                                 set(self.cloud.security_groups),
                                 set(self.cloud.app_credentials)))
        self.assertEqual(1, self.cloud.compute.create_server.call_count)
        self.assertEqual(
            1, self.cloud.identity.create_application_credential.call_count)
        self.assertNotIn('created', out)
        with open(self.clouds_file) as f:
            self.assertEqual(before, f.read())

    def test_delete_removes_exactly_what_it_made(self):
        self.cloud.add_server('baremetal-0', mac='52:54:00:00:00:01')
        other_sg = self.cloud._create_sg(name='ironic-host-extra')
        self.assertEqual(0, self.host()[0])
        rc, out, err = self.run_tool('ironic-host', '--delete',
                                     '--clouds-file', self.clouds_file)
        self.assertEqual(0, rc, err)
        self.assertEqual(['baremetal-0'], list(self.servers()))
        self.assertEqual(['baremetal-0-provisioning'], list(self.ports()))
        self.assertEqual([other_sg.id], list(self.cloud.security_groups))
        self.assertEqual({}, self.cloud.app_credentials)
        self.assertFalse(os.path.exists(self.clouds_file))
        # Nothing left: a second --delete has nothing to do.
        rc, out, err = self.run_tool('ironic-host', '--delete',
                                     '--clouds-file', self.clouds_file)
        self.assertEqual(0, rc, err)
        self.assertNotIn('deleted', out)

    def test_without_clouds_file_delete_finds_name_clouds_yaml(self):
        cwd = os.getcwd()
        os.chdir(self.dir)
        self.addCleanup(os.chdir, cwd)
        self.assertEqual(0, self.host('--name', 'lab', clouds_file=False)[0])
        self.assertTrue(os.path.exists('lab-clouds.yaml'))
        self.assertEqual({'lab', 'lab-provisioning', 'lab-access'},
                         set(self.servers()) | set(self.ports()))
        rc, out, err = self.run_tool('ironic-host', '--delete', '--name',
                                     'lab')
        self.assertEqual(0, rc, err)
        self.assertFalse(os.path.exists('lab-clouds.yaml'))
        self.assertEqual({}, self.servers())
        self.assertEqual({}, self.ports())

    def test_delete_leaves_a_server_it_did_not_make(self):
        self.cloud.add_server('ironic-host', status='ACTIVE')
        rc, out, err = self.run_tool('ironic-host', '--delete',
                                     '--clouds-file', self.clouds_file)
        self.assertEqual(1, rc)
        self.assertIn('not made by ironic-host', err)
        self.assertEqual(['ironic-host'], list(self.servers()))

    def test_a_role_keystone_refuses_stops_before_anything_is_made(self):
        rc, out, err = self.host('--role', 'admin')
        self.assertEqual(1, rc)
        self.assertIn('role admin', err)
        self.assertIn('Could not find role assignment', err)
        self.assertEqual(({}, {}, {}, {}), (
            self.servers(), self.ports(), self.cloud.security_groups,
            self.cloud.app_credentials))
        self.assertFalse(os.path.exists(self.clouds_file))

    def test_a_session_of_an_application_credential_is_refused(self):
        self.cloud.by_app_credential = True
        rc, out, err = self.host()
        self.assertEqual(1, rc)
        self.assertIn('HTTP 403', err)
        self.assertEqual({}, self.servers())

    def test_an_app_credential_left_by_a_stopped_run_is_replaced(self):
        old = self.cloud._create_appcred('user-1', 'ironic-host',
                                         roles=[{'name': 'member'}])
        rc, out, err = self.host()
        self.assertEqual(0, rc, err)
        self.assertNotIn(old.id, self.cloud.app_credentials)
        self.assertEqual(1, len(self.cloud.app_credentials))

    def test_a_failed_server_creation_takes_back_file_and_credential(self):
        self.cloud.fail_create_server.add('ironic-host')
        rc, out, err = self.host()
        self.assertEqual(1, rc)
        self.assertIn('cannot create server ironic-host', err)
        self.assertFalse(os.path.exists(self.clouds_file))
        self.assertEqual({}, self.cloud.app_credentials)
        # The ports and the security group stay, found again next run.
        self.cloud.fail_create_server.clear()
        self.assertEqual(0, self.host()[0])
        self.assertEqual(2, len(self.ports()))

    def test_an_existing_clouds_file_is_never_overwritten(self):
        with open(self.clouds_file, 'w') as f:
            f.write('earlier password\n')
        rc, out, err = self.host()
        self.assertEqual(1, rc)
        self.assertIn('holds the password of an earlier Ironic host', err)
        self.assertEqual({}, self.servers())

    def test_virtual_media_port_gets_the_address_from_the_subnet(self):
        self.cloud.subnets.append({'id': 'subnet-prov',
                                   'network_id': self.cloud.prov.id})
        rc, out, err = self.host('--boot', 'virtual-media')
        self.assertEqual(0, rc, err)
        prov = self.ports()['ironic-host-provisioning']
        self.assertEqual('192.168.24.1', prov['fixed_ips'][0]['ip_address'])
        self.assertNotIn('bootcmd', self.user_data())

    def test_the_user_data_sent_passes_cloud_inits_schema(self):
        rc, out, err = self.host('--database', 'mariadb')
        self.assertEqual(0, rc, err)
        with open(test_host_userdata.SCHEMA) as f:
            validator = jsonschema.Draft4Validator(json.load(f))
        self.assertEqual([], [e.message for e in validator.iter_errors(
            self.user_data())])
        self.assertIn('mariadb-server', self.user_data()['packages'])

    def test_a_bad_address_is_named_before_anything_is_made(self):
        for address in ('192.168.24.1', '192.168.24.1/30', 'x/24'):
            with self.subTest(address=address):
                rc, out, err = self.host('--provisioning-address', address)
                self.assertEqual(1, rc)
                self.assertIn('error: --provisioning-address: ', err)
                self.assertEqual(({}, {}, {}), (
                    self.ports(), self.cloud.security_groups,
                    self.cloud.app_credentials))

    def test_a_failure_before_the_server_takes_the_credential_back(self):
        self.cloud.network.create_security_group.side_effect = (
            sdk_exc.ForbiddenException(message='Quota exceeded for '
                                               'resources: '
                                               '[\'security_group\'].',
                                       http_status=403))
        rc, out, err = self.host()
        self.assertEqual(1, rc)
        self.assertIn('cannot create security group ironic-host', err)
        self.assertEqual({}, self.cloud.app_credentials)
        # What exists so far: the credential is not among it.
        self.assertRegex(err, r'application credential \| ironic-host +'
                              r'\| appcred-\d+ \| taken back')
        self.assertFalse(os.path.exists(self.clouds_file))
        self.cloud.network.create_security_group.side_effect = (
            self.cloud._create_sg)
        self.assertEqual(0, self.host()[0])
        self.assertEqual(1, len(self.cloud.app_credentials))

    def test_missing_options_are_named(self):
        rc, out, err = self.run_tool('ironic-host', '--allow-from',
                                     '0.0.0.0/0')
        self.assertEqual(1, rc)
        self.assertIn('--image is needed', err)
        rc, out, err = self.run_tool('ironic-host')
        self.assertIn('--allow-from', err)
