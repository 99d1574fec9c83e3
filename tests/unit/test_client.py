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
import threading

from keystoneauth1 import exceptions as ks_exc
import openstack
from openstack import exceptions as sdk_exc

from ironic.common import exception
from ironic.tests.unit.objects import utils as obj_utils

from ironic_openstack_driver import caches
from ironic_openstack_driver import connections
from ironic_openstack_driver import driver_info
from ironic_openstack_driver import errors
from tests.unit import base


def get_connection(node, creds):
    return connections.get_connection(caches.CACHES.connections, node, creds)


def translate_errors(node, creds, action):
    return errors.translate_errors(
        node, creds, action,
        **connections.error_hooks(caches.CACHES.connections, node, creds))


CLOUDS_YAML = """
clouds:
  host:
    auth:
      auth_url: http://127.0.0.1:1/v3
      username: demo
      password: demo-secret
      project_name: demo
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
"""


class ConnectionCacheTestCase(base.DbTestCase):
    """Real openstacksdk Connections; nothing here talks to a network."""

    def setUp(self):
        super().setUp()
        caches.reset()
        self.addCleanup(caches.reset)
        fd, self.clouds_yaml = tempfile.mkstemp(suffix='.yaml')
        os.write(fd, CLOUDS_YAML.encode())
        os.close(fd)
        self.addCleanup(os.unlink, self.clouds_yaml)
        self.config(clouds_yaml=self.clouds_yaml, cloud='host',
                    allowed_auth_urls=['http://127.0.0.1:1/v3'],
                    group='openstack')

    def _info(self, **info):
        node = obj_utils.get_test_node(
            self.context, driver='openstack',
            driver_info=dict({'openstack_server': 'vm'}, **info))
        return node, driver_info.parse_driver_info(node)

    def test_clouds_yaml_entry_is_loaded(self):
        node, info = self._info()
        conn, _key = get_connection(node, info.credentials)
        self.assertIsInstance(conn, openstack.connection.Connection)
        self.assertEqual('RegionOne', conn.config.region_name)
        self.assertEqual(60, conn.config.config['api_timeout'])

    def test_one_connection_per_credentials_shared_by_nodes(self):
        node1, info1 = self._info()
        node2, info2 = self._info()
        self.assertIs(get_connection(node1, info1.credentials)[0],
                      get_connection(node2, info2.credentials)[0])

    def test_one_connection_under_concurrent_first_use(self):
        node, info = self._info()
        conns = []
        threads = [threading.Thread(target=lambda: conns.append(
            get_connection(node, info.credentials)[0]))
            for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(1, len({id(c) for c in conns}))

    def test_changed_password_gets_a_new_connection(self):
        creds = dict(openstack_auth_url='http://127.0.0.1:1/v3',
                     openstack_username='u', openstack_project_name='p')
        node, info1 = self._info(openstack_password='pw-alpha', **creds)
        node, info2 = self._info(openstack_password='pw-beta', **creds)
        conn1, key1 = get_connection(node, info1.credentials)
        conn2, key2 = get_connection(node, info2.credentials)
        self.assertIsNot(conn1, conn2)
        self.assertNotIn('pw-alpha', str(key1))
        self.assertNotIn('pw-beta', str(key2))

    def test_inline_application_credentials(self):
        node, info = self._info(
            openstack_auth_url='http://127.0.0.1:1/v3',
            openstack_application_credential_id='ac',
            openstack_application_credential_secret='acs',
            openstack_insecure=True)
        conn, _key = get_connection(node, info.credentials)
        self.assertEqual('v3applicationcredential', conn.config.config[
            'auth_type'])
        self.assertFalse(conn.config.config['verify'])

    def test_rewritten_clouds_yaml_gets_a_new_connection(self):
        # A rotated secret: the conductor picks it up without a restart.
        node, info = self._info()
        conn1, _key = get_connection(node, info.credentials)
        self.assertIs(conn1, get_connection(
            node, info.credentials)[0])
        with open(self.clouds_yaml, 'w') as f:
            f.write(CLOUDS_YAML.replace('demo-secret', 'rotated-secret!'))
        conn2, _key = get_connection(node, info.credentials)
        self.assertIsNot(conn1, conn2)
        self.assertEqual('rotated-secret!',
                         conn2.config.config['auth']['password'])

    def _failing(self, node, info, error):
        def fail():
            with translate_errors(node, info.credentials, 'act'):
                raise error
        self.assertRaises(exception.DriverOperationError, fail)

    def test_unauthorized_or_forbidden_drops_the_connection(self):
        node, info = self._info()
        for error in (sdk_exc.HttpException(message='no', http_status=401),
                      sdk_exc.ForbiddenException(message='no',
                                                 http_status=403),
                      ks_exc.Unauthorized('token revoked')):
            conn1 = get_connection(node, info.credentials)[0]
            self._failing(node, info, error)
            conn2 = get_connection(node, info.credentials)[0]
            self.assertIsNot(conn1, conn2, error)

    def test_connection_failure_drops_the_connection(self):
        node, info = self._info()
        conn1 = get_connection(node, info.credentials)[0]
        self._failing(node, info, ks_exc.ConnectFailure('refused'))
        self.assertIsNot(conn1,
                         get_connection(node, info.credentials)[0])

    def test_other_errors_keep_the_connection(self):
        node, info = self._info()
        conn1 = get_connection(node, info.credentials)[0]
        self._failing(node, info,
                      sdk_exc.HttpException(message='boom', http_status=500))
        self.assertIs(conn1,
                      get_connection(node, info.credentials)[0])

    def test_cache_is_bounded_least_recently_used_first(self):
        cache = connections.ConnectionCache(max_size=2)
        opened = []

        def opener(name):
            return lambda: opened.append(name) or name

        cache.get('a', None, False, opener('a'))
        cache.get('b', None, False, opener('b'))
        cache.get('a', None, False, opener('a'))      # a used again
        cache.get('c', None, False, opener('c'))      # b goes
        self.assertEqual(2, len(cache))
        cache.get('a', None, False, opener('a'))
        cache.get('b', None, False, opener('b'))
        self.assertEqual(['a', 'b', 'c', 'b'], opened)

    def test_unknown_cloud_is_invalid_parameter(self):
        self.config(allowed_clouds=['*'], group='openstack')
        node, info = self._info(openstack_cloud='nosuchcloud')
        exc = self.assertRaises(exception.InvalidParameterValue,
                                get_connection, node,
                                info.credentials)
        self.assertIn('nosuchcloud', str(exc))
        self.assertIn(node.uuid, str(exc))


class TranslateErrorsTestCase(base.DbTestCase):

    def setUp(self):
        super().setUp()
        self.node = obj_utils.get_test_node(self.context, driver='openstack')
        self.creds = driver_info.CloudCredentials(cloud='host')

    def _raise(self, error):
        def fail():
            with translate_errors(self.node, self.creds, 'do a thing'):
                raise error
        return fail

    def test_http_error(self):
        exc = self.assertRaises(
            exception.DriverOperationError, self._raise(
                sdk_exc.HttpException(message='boom', http_status=500)))
        self.assertIn('HTTP 500', str(exc))
        self.assertIn(self.node.uuid, str(exc))
        self.assertIn('do a thing', str(exc))

    def test_forbidden_hints_at_roles(self):
        exc = self.assertRaises(
            exception.DriverOperationError, self._raise(
                sdk_exc.ForbiddenException(message='no', http_status=403)))
        self.assertIn('roles', str(exc))

    def test_keystone_unreachable(self):
        exc = self.assertRaises(
            exception.DriverOperationError,
            self._raise(ks_exc.ConnectFailure('Unable to connect')))
        self.assertIn('Unable to connect', str(exc))

    def test_ironic_exceptions_pass_through(self):
        self.assertRaises(exception.PowerStateFailure, self._raise(
            exception.PowerStateFailure(pstate='power on')))


class ConnectionPoolTestCase(base.DbTestCase):
    """The HTTP pool fits the conductor's concurrency (real Connections)."""

    def setUp(self):
        super().setUp()
        caches.reset()
        self.addCleanup(caches.reset)
        self.config(cloud=None, allowed_auth_urls=['http://127.0.0.1:1/v3'],
                    group='openstack')

    def _info(self):
        node = obj_utils.get_test_node(
            self.context, driver='openstack',
            driver_info={'openstack_server': 'vm',
                         'openstack_auth_url': 'http://127.0.0.1:1/v3',
                         'openstack_username': 'u',
                         'openstack_password': 'p',
                         'openstack_project_name': 'p'})
        return node, driver_info.parse_driver_info(node)

    def _pool_sizes(self, conn):
        return {adapter.poolmanager.connection_pool_kw['maxsize']
                for adapter in conn.session.session.adapters.values()}

    def test_pool_follows_the_conductors_workers(self):
        self.config(workers_pool_size=40, sync_power_state_workers=8,
                    group='conductor')
        node, info = self._info()
        conn = get_connection(node, info.credentials)[0]
        self.assertEqual({40}, self._pool_sizes(conn))

    def test_pool_follows_the_power_sync_workers_when_more(self):
        self.config(workers_pool_size=16, sync_power_state_workers=64,
                    group='conductor')
        node, info = self._info()
        conn = get_connection(node, info.credentials)[0]
        self.assertEqual({64}, self._pool_sizes(conn))

    def test_pool_size_option_wins(self):
        self.config(connection_pool_size=25, group='openstack')
        node, info = self._info()
        conn = get_connection(node, info.credentials)[0]
        self.assertEqual({25}, self._pool_sizes(conn))
