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

import os
import tempfile

from oslo_utils import uuidutils

from ironic.common import exception
from ironic.tests.unit.objects import utils as obj_utils

from ironic_openstack_driver import driver_info
from tests.unit import base


class ParseDriverInfoTestCase(base.DbTestCase):

    def setUp(self):
        super().setUp()
        self.config(cloud=None, rescue_image=None, allowed_clouds=['*'],
                    allowed_auth_urls=['http://ks/v3'],
                    allowed_regions=['R1', 'R2'],
                    allowed_rescue_images=['ipxe', 'own'],
                    allowed_cacerts=['/nonexistent/ca.pem'],
                    group='openstack')

    def _node(self, **info):
        return obj_utils.get_test_node(self.context, driver='openstack',
                                       driver_info=info)

    def _error(self, exc_class, **info):
        node = self._node(**info)
        exc = self.assertRaises(exc_class, driver_info.parse_driver_info,
                                node)
        self.assertIn(node.uuid, str(exc))
        return str(exc)

    def test_cloud_from_driver_info(self):
        info = driver_info.parse_driver_info(self._node(
            openstack_server='vm-1', openstack_cloud='host',
            openstack_rescue_image='ipxe'))
        self.assertEqual('vm-1', info.server)
        self.assertEqual('host', info.credentials.cloud)
        self.assertEqual('ipxe', info.rescue_image)

    def test_cloud_defaults_to_config(self):
        self.config(cloud='fromconf', group='openstack')
        info = driver_info.parse_driver_info(self._node(openstack_server='x'))
        self.assertEqual('fromconf', info.credentials.cloud)

    def test_missing_server_names_the_field(self):
        msg = self._error(exception.MissingParameterValue,
                          openstack_cloud='host')
        self.assertIn('openstack_server', msg)

    def test_blank_server_is_refused(self):
        msg = self._error(exception.InvalidParameterValue,
                          openstack_server='  ', openstack_cloud='host')
        self.assertIn('openstack_server', msg)

    def test_server_longer_than_nova_allows_is_refused(self):
        msg = self._error(exception.InvalidParameterValue,
                          openstack_server='x' * 256, openstack_cloud='host')
        self.assertIn('openstack_server', msg)
        self.assertIn('256 characters', msg)
        self.assertNotIn('x' * 256, msg)

    def test_server_of_nova_maximum_length_is_accepted(self):
        info = driver_info.parse_driver_info(self._node(
            openstack_server='x' * 255, openstack_cloud='host'))
        self.assertEqual('x' * 255, info.server)

    def test_no_cloud_anywhere_is_refused(self):
        msg = self._error(exception.MissingParameterValue,
                          openstack_server='vm')
        self.assertIn('openstack_cloud', msg)
        self.assertIn('[openstack]cloud', msg)

    def test_password_credentials(self):
        info = driver_info.parse_driver_info(self._node(
            openstack_server='vm', openstack_auth_url='http://ks/v3',
            openstack_username='u', openstack_password='p4ss',
            openstack_project_name='proj', openstack_insecure='true',
            openstack_region_name='R1'))
        creds = info.credentials
        self.assertIsNone(creds.cloud)
        self.assertEqual(('u', 'p4ss', 'proj', 'Default', 'Default', 'R1'),
                         (creds.username, creds.password, creds.project_name,
                          creds.user_domain_name, creds.project_domain_name,
                          creds.region_name))
        self.assertTrue(creds.insecure)
        self.assertNotIn('p4ss', repr(info))

    def test_application_credentials(self):
        info = driver_info.parse_driver_info(self._node(
            openstack_server='vm', openstack_auth_url='http://ks/v3',
            openstack_application_credential_id='ac',
            openstack_application_credential_secret='s3cr3t'))
        self.assertEqual('ac', info.credentials.application_credential_id)
        self.assertNotIn('s3cr3t', repr(info))

    def test_credentials_without_auth_url(self):
        msg = self._error(exception.MissingParameterValue,
                          openstack_server='vm', openstack_username='u',
                          openstack_password='secretvalue')
        self.assertIn('openstack_auth_url', msg)
        self.assertNotIn('secretvalue', msg)

    def test_password_without_project(self):
        msg = self._error(exception.MissingParameterValue,
                          openstack_server='vm',
                          openstack_auth_url='http://ks/v3',
                          openstack_username='u', openstack_password='p')
        self.assertIn('openstack_project_name', msg)

    def test_application_credential_without_secret(self):
        msg = self._error(exception.MissingParameterValue,
                          openstack_server='vm',
                          openstack_auth_url='http://ks/v3',
                          openstack_application_credential_id='ac')
        self.assertIn('openstack_application_credential_secret', msg)

    def test_both_kinds_of_credentials(self):
        msg = self._error(exception.InvalidParameterValue,
                          openstack_server='vm',
                          openstack_auth_url='http://ks/v3',
                          openstack_username='u', openstack_password='p',
                          openstack_project_name='x',
                          openstack_application_credential_id='ac',
                          openstack_application_credential_secret='s')
        self.assertIn('not both', msg)

    def test_cloud_and_inline_credentials(self):
        msg = self._error(exception.InvalidParameterValue,
                          openstack_server='vm', openstack_cloud='c',
                          openstack_auth_url='http://ks/v3')
        self.assertIn('openstack_cloud', msg)

    def _ca_bundle(self):
        handle, path = tempfile.mkstemp(suffix='.pem')
        os.close(handle)
        self.addCleanup(os.unlink, path)
        self.config(allowed_cacerts=[path], group='openstack')
        return path

    def test_region_and_cacert_combine_with_a_cloud(self):
        ca = self._ca_bundle()
        info = driver_info.parse_driver_info(self._node(
            openstack_server='vm', openstack_cloud='host',
            openstack_region_name='R2', openstack_cacert=ca))
        self.assertEqual(('host', 'R2', ca),
                         (info.credentials.cloud,
                          info.credentials.region_name,
                          info.credentials.cacert))

    def test_region_combines_with_the_default_cloud(self):
        self.config(cloud='fromconf', group='openstack')
        info = driver_info.parse_driver_info(self._node(
            openstack_server='vm', openstack_region_name='R2'))
        self.assertEqual(('fromconf', 'R2'), (info.credentials.cloud,
                                              info.credentials.region_name))

    def test_region_and_cacert_with_inline_credentials(self):
        ca = self._ca_bundle()
        info = driver_info.parse_driver_info(self._node(
            openstack_server='vm', openstack_auth_url='http://ks/v3',
            openstack_application_credential_id='ac',
            openstack_application_credential_secret='s',
            openstack_region_name='R2', openstack_cacert=ca))
        self.assertEqual(('R2', ca),
                         (info.credentials.region_name,
                          info.credentials.cacert))

    def test_cacert_that_is_not_a_file_is_refused(self):
        msg = self._error(exception.InvalidParameterValue,
                          openstack_server='vm', openstack_cloud='host',
                          openstack_cacert='/nonexistent/ca.pem')
        self.assertIn('openstack_cacert', msg)
        self.assertIn('/nonexistent/ca.pem', msg)

    def test_insecure_with_a_clouds_yaml_entry_is_refused(self):
        # It would turn TLS verification off for the operator's
        # credentials.
        msg = self._error(exception.InvalidParameterValue,
                          openstack_server='vm', openstack_cloud='host',
                          openstack_insecure='true')
        self.assertIn('openstack_insecure', msg)
        self.assertIn('inline credentials', msg)

    def test_insecure_with_the_default_cloud_is_refused(self):
        self.config(cloud='fromconf', group='openstack')
        msg = self._error(exception.InvalidParameterValue,
                          openstack_server='vm', openstack_insecure=True)
        self.assertIn('openstack_insecure', msg)

    def test_bad_insecure(self):
        msg = self._error(exception.InvalidParameterValue,
                          openstack_server='vm', openstack_cloud='c',
                          openstack_insecure='maybe')
        self.assertIn('openstack_insecure', msg)

    def test_unknown_field_is_refused(self):
        # A misspelt secret would not be masked by the API: refuse it.
        msg = self._error(exception.InvalidParameterValue,
                          openstack_server='vm', openstack_cloud='c',
                          openstack_passwd='x')
        self.assertIn('openstack_passwd', msg)

    def test_secret_fields_are_masked_by_ironic(self):
        for field in driver_info.SECRET_FIELDS:
            self.assertTrue('password' in field or 'secret' in field)
        for field in driver_info.COMMON_PROPERTIES:
            if 'password' in field or 'secret' in field:
                self.assertIn(field, driver_info.SECRET_FIELDS)

    def test_property_help_ends_in_required_or_optional(self):
        for field, text in driver_info.REQUIRED_PROPERTIES.items():
            self.assertTrue(text.endswith('Required.'), field)
        for field, text in driver_info.OPTIONAL_PROPERTIES.items():
            self.assertTrue(text.endswith('Optional.'), field)

    def test_rescue_image_by_boot_mode(self):
        self.config(rescue_image='bios-img', uefi_rescue_image='uefi-img',
                    group='openstack')
        info = driver_info.parse_driver_info(self._node(
            openstack_server='vm', openstack_cloud='c'))
        self.assertEqual('bios-img', driver_info.rescue_image_for(info,
                                                                  'bios'))
        self.assertEqual('uefi-img', driver_info.rescue_image_for(info,
                                                                  'uefi'))
        info = driver_info.parse_driver_info(self._node(
            openstack_server='vm', openstack_cloud='c',
            openstack_rescue_image='own'))
        self.assertEqual('own', driver_info.rescue_image_for(info, 'uefi'))


class AllowedCloudsTestCase(base.DbTestCase):
    """Which clouds.yaml entries a node's driver_info may name."""

    def setUp(self):
        super().setUp()
        self.config(cloud='pool', group='openstack')

    def _parse(self, **info):
        node = obj_utils.get_test_node(
            self.context, driver='openstack',
            driver_info=dict({'openstack_server': 'vm'}, **info))
        return node, driver_info.parse_driver_info

    def _refused(self, **info):
        node, parse = self._parse(**info)
        exc = self.assertRaises(exception.InvalidParameterValue, parse, node)
        self.assertIn(node.uuid, str(exc))
        self.assertIn('openstack_cloud', str(exc))
        self.assertIn('[openstack]allowed_clouds', str(exc))
        return str(exc)

    def test_default_allows_only_the_configured_cloud(self):
        node, parse = self._parse(openstack_cloud='pool')
        self.assertEqual('pool', parse(node).credentials.cloud)
        msg = self._refused(openstack_cloud='operators-admin')
        self.assertIn('operators-admin', msg)

    def test_listed_clouds_are_allowed(self):
        self.config(allowed_clouds=['pool', 'other'], group='openstack')
        node, parse = self._parse(openstack_cloud='other')
        self.assertEqual('other', parse(node).credentials.cloud)
        self._refused(openstack_cloud='admin')

    def test_star_allows_every_entry(self):
        self.config(allowed_clouds=['*'], group='openstack')
        node, parse = self._parse(openstack_cloud='anything')
        self.assertEqual('anything', parse(node).credentials.cloud)

    def test_no_default_cloud_allows_none(self):
        self.config(cloud=None, group='openstack')
        msg = self._refused(openstack_cloud='pool')
        self.assertIn('[openstack]cloud is not set', msg)

    def test_inline_credentials_are_not_limited_by_allowed_clouds(self):
        self.config(allowed_auth_urls=['http://ks/v3'], group='openstack')
        node, parse = self._parse(
            openstack_auth_url='http://ks/v3',
            openstack_application_credential_id='ac',
            openstack_application_credential_secret='s',
            openstack_insecure=True)
        self.assertTrue(parse(node).credentials.insecure)


class BoundedFieldsTestCase(base.DbTestCase):
    """Fields a node's owner could aim elsewhere: the operator bounds them.

    Defaults: none of them may leave the operator's configuration.
    """

    def setUp(self):
        super().setUp()
        self.config(cloud='pool', rescue_image='ipxe-bios',
                    uefi_rescue_image='ipxe-uefi', group='openstack')

    def _parse(self, **info):
        node = obj_utils.get_test_node(
            self.context, driver='openstack', uuid=uuidutils.generate_uuid(),
            driver_info=dict({'openstack_server': 'vm'}, **info))
        return node, driver_info.parse_driver_info

    def _refused(self, field, option, **info):
        node, parse = self._parse(**info)
        exc = self.assertRaises(exception.InvalidParameterValue, parse, node)
        self.assertIn(node.uuid, str(exc))
        self.assertIn('driver_info field %s' % field, str(exc))
        self.assertIn('[openstack]%s' % option, str(exc))
        return str(exc)

    def test_rescue_image_only_among_the_operators(self):
        msg = self._refused('openstack_rescue_image', 'allowed_rescue_images',
                            openstack_rescue_image='node-b-vmedia-iso')
        self.assertIn('node-b-vmedia-iso', msg)
        self.assertIn('ipxe-bios, ipxe-uefi', msg)
        node, parse = self._parse(openstack_rescue_image='ipxe-uefi')
        self.assertEqual('ipxe-uefi', parse(node).rescue_image)
        self.config(allowed_rescue_images=['custom-ipxe'], group='openstack')
        node, parse = self._parse(openstack_rescue_image='custom-ipxe')
        self.assertEqual('custom-ipxe', parse(node).rescue_image)
        self.config(allowed_rescue_images=['*'], group='openstack')
        node, parse = self._parse(openstack_rescue_image='anything')
        self.assertEqual('anything', parse(node).rescue_image)

    def test_region_with_the_operators_cloud_only_when_listed(self):
        msg = self._refused('openstack_region_name', 'allowed_regions',
                            openstack_region_name='RegionTwo')
        self.assertIn('"pool"', msg)
        self.config(allowed_regions=['RegionTwo'], group='openstack')
        node, parse = self._parse(openstack_region_name='RegionTwo')
        self.assertEqual('RegionTwo', parse(node).credentials.region_name)
        self._refused('openstack_region_name', 'allowed_regions',
                      openstack_region_name='RegionThree')

    def test_cacert_only_when_listed_and_without_telling_if_it_exists(self):
        # /etc/hostname exists, /nonexistent does not: the same answer.
        for path in ('/etc/hostname', '/nonexistent/x.pem'):
            msg = self._refused('openstack_cacert', 'allowed_cacerts',
                                openstack_cacert=path)
            self.assertNotIn('is not a file', msg)
        handle, path = tempfile.mkstemp(suffix='.pem')
        os.close(handle)
        self.addCleanup(os.unlink, path)
        self.config(allowed_cacerts=[path], group='openstack')
        node, parse = self._parse(openstack_cacert=path)
        self.assertEqual(path, parse(node).credentials.cacert)

    def test_inline_credentials_are_off_by_default(self):
        inline = {'openstack_auth_url': 'http://169.254.169.254/latest',
                  'openstack_application_credential_id': 'ac',
                  'openstack_application_credential_secret': 's'}
        msg = self._refused('openstack_auth_url', 'allowed_auth_urls',
                            **inline)
        self.assertIn('inline credentials are off', msg)
        self.config(allowed_auth_urls=['https://keystone.example/v3/'],
                    group='openstack')
        self._refused('openstack_auth_url', 'allowed_auth_urls', **inline)
        node, parse = self._parse(**dict(
            inline, openstack_auth_url='https://keystone.example/v3'))
        self.assertEqual('https://keystone.example/v3',
                         parse(node).credentials.auth_url)
