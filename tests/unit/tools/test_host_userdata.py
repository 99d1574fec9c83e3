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

"""The Ironic host's user data: what it configures, and cloud-init's schema.

Every rendering is validated against cloud-init 22.4.2's own JSON schema
(tests/unit/tools/cloud_init/README.txt says where it comes from).
"""

import configparser
from importlib import metadata
import json
import os
import unittest

from ironic.conf import opts as ironic_opts
import jsonschema
from oslo_db import options as db_opts
from oslo_log import _options as log_opts
import yaml

from ironic_openstack_driver import conf as driver_conf
from ironic_openstack_driver.tools import host_userdata as ud

SCHEMA = os.path.join(os.path.dirname(__file__), 'cloud_init',
                      'schema-cloud-config-v1.json')
CLOUD = {'auth_url': 'http://keystone.example:5000/v3',
         'region_name': 'RegionOne',
         'application_credential_id': 'appcred-id',
         'application_credential_secret': 'appcred-SECRET'}


def settings(**kw):
    args = dict(boot='pxe', provisioning_cidr='192.168.24.1/24',
                provisioning_mac='52:54:00:AA:BB:CC',
                driver_source='https://wheels.example/driver.whl',
                api_user='admin', api_password_hash='$2b$12$apihash',
                rpc_password='rpc-SECRET', rpc_password_hash='$2b$12$rpc',
                cloud=CLOUD)
    args.update(kw)
    return ud.HostSettings(**args)


def files(text):
    return {f['path']: f for f in yaml.safe_load(text)['write_files']}


def conf(text):
    # Ironic's [DEFAULT] is a section like the others, not defaults.
    parser = configparser.ConfigParser(interpolation=None,
                                       default_section='-')
    parser.read_string(files(text)['/etc/ironic/ironic.conf']['content'])
    return parser


class SchemaTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        with open(SCHEMA) as f:
            cls.schema = json.load(f)
        cls.validator = jsonschema.Draft4Validator(cls.schema)
        cls.known = set()
        for definition in cls.schema['$defs'].values():
            cls.known.update(definition.get('properties', {}))

    def check(self, text):
        self.assertTrue(text.startswith('#cloud-config\n'))
        doc = yaml.safe_load(text)
        errors = sorted('%s: %s' % ('.'.join(map(str, e.path)), e.message)
                        for e in self.validator.iter_errors(doc))
        self.assertEqual([], errors)
        # cloud-init 22.4 ignores unknown top-level keys: a misspelt one
        # would pass the schema and do nothing.
        self.assertEqual(set(), set(doc) - self.known)

    def test_every_rendering_passes_cloud_inits_schema(self):
        for boot in ud.BOOTS:
            for database in ud.DATABASES:
                with self.subTest(boot=boot, database=database):
                    self.check(ud.render(settings(
                        boot=boot, database=database, db_password='db-pw',
                        mtu=1450,
                        rescue_image='ipxe', uefi_rescue_image='ipxe-efi')))

    def test_schema_refuses_what_cloud_init_refuses(self):
        # The validator is live: a write_files entry with an unknown key
        # (cloud-init's additionalProperties: false) fails.
        doc = yaml.safe_load(ud.render(settings()))
        doc['write_files'][0]['mode'] = '0600'
        self.assertTrue(list(self.validator.iter_errors(doc)))


class IronicConfTest(unittest.TestCase):
    """ironic.conf names only options Ironic 39 and this driver have."""

    @classmethod
    def setUpClass(cls):
        cls.opts = {}
        groups = (ironic_opts.list_opts() + log_opts.list_opts()
                  + db_opts.list_opts() + driver_conf.list_opts())
        for group, opts in groups:
            name = getattr(group, 'name', group) or 'DEFAULT'
            cls.opts.setdefault(name, {}).update(
                (o.dest, o) for o in opts)

    def test_every_option_exists_and_takes_its_value(self):
        for boot in ud.BOOTS:
            for database in ud.DATABASES:
                c = conf(ud.render(settings(
                    boot=boot, database=database, db_password='db-pw',
                    rescue_image='ipxe')))
                for section in c.sections():
                    for key, value in c[section].items():
                        with self.subTest(option='[%s]%s' % (section, key)):
                            opt = self.opts.get(section, {}).get(key)
                            self.assertIsNotNone(opt)
                            opt.type(value)     # ValueError if refused

    def test_enabled_interfaces_are_loadable_entry_points(self):
        c = conf(ud.render(settings()))['DEFAULT']
        groups = metadata.entry_points()
        types = {e.name for e in groups.select(
            group='ironic.hardware.types')}
        self.assertIn(c['enabled_hardware_types'], types)
        for key, value in c.items():
            kind = key[len('enabled_'):-len('_interfaces')]
            if not (key.startswith('enabled_')
                    and key.endswith('_interfaces')):
                continue
            names = {e.name for e in groups.select(
                group='ironic.hardware.interfaces.%s' % kind)}
            with self.subTest(option=key):
                self.assertLessEqual(set(value.split(',')), names)


class RenderTest(unittest.TestCase):

    def test_pxe_runs_dnsmasq_on_the_provisioning_address(self):
        text = ud.render(settings())
        dnsmasq = files(text)['/etc/dnsmasq.d/ironic.conf']['content']
        self.assertIn('listen-address=192.168.24.1', dnsmasq)
        self.assertIn('dhcp-range=192.168.24.128,192.168.24.254,'
                      '255.255.255.0,10m', dnsmasq)
        self.assertIn('dhcp-boot=tag:ipxe,http://192.168.24.1:8080/'
                      'boot.ipxe', dnsmasq)
        doc = yaml.safe_load(text)
        self.assertIn('dnsmasq', doc['packages'])
        bootcmd = doc['bootcmd'][0][2]
        self.assertIn('52:54:00:aa:bb:cc', bootcmd)
        self.assertIn('ip addr replace 192.168.24.1/24', bootcmd)
        self.assertEqual('ipxe',
                         conf(text)['DEFAULT']['enabled_boot_interfaces'])

    def test_the_networks_mtu_on_the_nic_and_in_dhcp(self):
        text = ud.render(settings(mtu=1442))
        dnsmasq = files(text)['/etc/dnsmasq.d/ironic.conf']['content']
        self.assertIn('dhcp-option=26,1442\n', dnsmasq)
        self.assertIn('up mtu 1442 &&', yaml.safe_load(text)['bootcmd'][0][2])
        self.assertNotIn('dhcp-option=26', files(ud.render(settings()))[
            '/etc/dnsmasq.d/ironic.conf']['content'])

    def test_virtual_media_has_no_dnsmasq_and_no_static_address(self):
        text = ud.render(settings(boot='virtual-media',
                                  provisioning_mac=None))
        doc = yaml.safe_load(text)
        self.assertNotIn('/etc/dnsmasq.d/ironic.conf', files(text))
        self.assertNotIn('dnsmasq', doc['packages'])
        self.assertNotIn('bootcmd', doc)
        self.assertEqual('openstack-virtual-media',
                         conf(text)['DEFAULT']['default_boot_interface'])

    def test_dhcp_range_avoids_the_hosts_address(self):
        s = settings(provisioning_cidr='10.1.0.200/24')
        self.assertEqual(('10.1.0.1', '10.1.0.127'), s.dhcp_range)

    def test_standalone_ironic_conf(self):
        c = conf(ud.render(settings(rescue_image='ipxe')))
        self.assertEqual('http_basic', c['DEFAULT']['auth_strategy'])
        self.assertEqual('json-rpc', c['DEFAULT']['rpc_transport'])
        self.assertEqual('openstack', c['DEFAULT']['enabled_hardware_types'])
        self.assertEqual('http_basic', c['json_rpc']['auth_strategy'])
        # The API's JSON-RPC client reaches the conductor at its host
        # name: the address the conductor listens on.
        self.assertEqual('127.0.0.1', c['json_rpc']['host_ip'])
        self.assertEqual('127.0.0.1', c['DEFAULT']['host'])
        self.assertEqual('none', c['dhcp']['dhcp_provider'])
        self.assertEqual('http://192.168.24.1:8080', c['deploy']['http_url'])
        self.assertEqual('http://192.168.24.1:6385',
                         c['service_catalog']['endpoint_override'])
        self.assertEqual('sqlite:////var/lib/ironic/ironic.sqlite',
                         c['database']['connection'])
        self.assertEqual({'clouds_yaml': '/etc/ironic/clouds.yaml',
                          'cloud': 'host', 'rescue_image': 'ipxe'},
                         dict(c['openstack']))

    def test_mariadb_database_and_pymysql(self):
        text = ud.render(settings(database='mariadb', db_password='db-pw'))
        self.assertEqual(
            'mysql+pymysql://ironic:db-pw@127.0.0.1/ironic?charset=utf8',
            conf(text)['database']['connection'])
        doc = yaml.safe_load(text)
        self.assertIn('mariadb-server', doc['packages'])
        self.assertIn('pymysql', doc['runcmd'][2])

    def test_driver_and_ironic_from_the_given_sources(self):
        doc = yaml.safe_load(ud.render(settings(ironic_source='ironic==39.*')))
        self.assertEqual([ud.VENV + '/bin/pip', 'install', 'ironic==39.*',
                          'https://wheels.example/driver.whl'],
                         doc['runcmd'][2])

    def test_api_password_only_as_its_hash(self):
        text = ud.render(settings())
        htpasswd = files(text)['/etc/ironic/htpasswd']
        self.assertEqual('admin:$2b$12$apihash\nironic-rpc:$2b$12$rpc\n',
                         htpasswd['content'])
        self.assertEqual('0640', htpasswd['permissions'])
        self.assertTrue(htpasswd['defer'])

    def test_drivers_clouds_yaml_is_the_application_credential(self):
        f = files(ud.render(settings()))['/etc/ironic/clouds.yaml']
        self.assertEqual('0640', f['permissions'])
        self.assertEqual('root:ironic', f['owner'])
        self.assertEqual(
            {'clouds': {'host': {
                'auth_type': 'v3applicationcredential',
                'region_name': 'RegionOne',
                'auth': {'auth_url': 'http://keystone.example:5000/v3',
                         'application_credential_id': 'appcred-id',
                         'application_credential_secret':
                             'appcred-SECRET'}}}},
            yaml.safe_load(f['content']))

    def test_bad_settings_name_the_setting(self):
        for kw, field in ((dict(boot='ipmi'), 'boot'),
                          (dict(database='pg'), 'database'),
                          (dict(database='mariadb'), 'db_password'),
                          (dict(provisioning_cidr='192.168.24.1'),
                           'provisioning_cidr'),
                          (dict(provisioning_cidr='10.0.0.1/30'),
                           'provisioning_cidr'),
                          (dict(provisioning_mac=None), 'provisioning_mac'),
                          (dict(driver_source=''), 'driver_source')):
            with self.subTest(field=field):
                with self.assertRaisesRegex(ValueError, '^%s: ' % field):
                    settings(**kw)
