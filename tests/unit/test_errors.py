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

"""Keystone, catalog and TLS errors through the real SDK, over HTTP.

The node's cloud is tests.unit.fake_cloud_http (a Keystone and a Nova on
127.0.0.1); nothing is mocked between the driver and the socket. Errors are
read where an operator reads them: last_error after Ironic's conductor
verified the node (manage) or acted on its power.
"""

import os
import tempfile
import time
from unittest import mock

from keystoneauth1 import exceptions as ks_exc

from ironic.common import exception
from ironic.common import states
from ironic.conductor import task_manager
from ironic.conductor import utils as conductor_utils
from ironic.tests.unit.objects import utils as obj_utils

from ironic_openstack_driver import converge
from ironic_openstack_driver import errors
from tests.unit import base
from tests.unit import fake_cloud_http as fake
from tests.unit import http_base


class CloudErrorsOverHttpTestCase(http_base.OverHttpBase):

    def _assert_clear_error(self, node, log, *expected):
        self.assertEqual(states.ENROLL, node.provision_state)
        error = node.last_error
        self.assertIn(node.uuid, error)
        self.assertNotIn('\n', error)
        self.assertNotIn(fake.PASSWORD, error)
        for text in expected:
            self.assertIn(text, error)
        # An Ironic exception: the conductor logs no traceback.
        log.error.assert_called_once_with(mock.ANY, exc_info=False)

    def test_right_credentials_verify(self):
        node, log = self._verify(self._node())
        self.assertEqual(states.MANAGEABLE, node.provision_state)
        self.assertEqual(states.POWER_ON, node.power_state)
        self.assertIsNone(node.last_error)

    def test_wrong_password_says_check_the_credentials(self):
        node, log = self._verify(self._node(
            openstack_password='wrong-password-17'))
        self._assert_clear_error(
            node, log, 'inline credentials', 'HTTP 401',
            'check the credentials', 'openstack_password')
        self.assertNotIn('wrong-password-17', node.last_error)

    def test_keystones_text_stays_out_of_last_error(self):
        # The URL of inline credentials is the node owner's choice: what
        # answered there must not come back to them through last_error.
        node, log = self._verify(self._node(
            openstack_password='wrong-password-17'))
        self._assert_clear_error(node, log, 'Unauthorized (HTTP 401)')
        self.assertNotIn('requires authentication', node.last_error)

    def test_auth_url_not_listed_is_never_contacted(self):
        self.config(allowed_auth_urls=[], group='openstack')
        node, log = self._verify(self._node())
        self._assert_clear_error(node, log, 'openstack_auth_url',
                                 '[openstack]allowed_auth_urls',
                                 'inline credentials are off')
        self.assertEqual(0, fake.FakeCloudHandler.hits)

    def test_wrong_project_says_check_the_credentials(self):
        node, log = self._verify(self._node(
            openstack_project_name='nosuchproject'))
        self._assert_clear_error(node, log, 'check the credentials',
                                 'openstack_project_name')

    def test_unreachable_auth_url_names_the_field(self):
        node, log = self._verify(self._node(
            openstack_auth_url='http://127.0.0.1:1/v3'))
        self._assert_clear_error(node, log, 'inline credentials',
                                 'driver_info openstack_auth_url',
                                 'Unable to establish connection')

    def test_missing_ca_bundle_names_the_field(self):
        node, log = self._verify(self._node(
            openstack_auth_url=self.url.replace('http:', 'https:') + '/v3',
            openstack_cacert='/nonexistent/ca-bundle.pem'))
        self._assert_clear_error(node, log, 'openstack_cacert',
                                 '/nonexistent/ca-bundle.pem')

    def test_missing_ca_bundle_is_refused_even_with_http_keystone(self):
        # Over http:// the bundle is never read: without validate's check
        # the node would work, and the operator would think TLS verified.
        node, log = self._verify(self._node(
            openstack_cacert='/nonexistent/ca-bundle.pem'))
        self._assert_clear_error(node, log, 'openstack_cacert',
                                 'is not a file on this conductor')

    def test_auth_url_that_is_not_a_url_is_refused_by_validate(self):
        node, log = self._verify(self._node(openstack_auth_url='keystone'))
        self._assert_clear_error(node, log, 'openstack_auth_url',
                                 'http:// or https://')

    def test_region_without_compute_names_the_field(self):
        node, log = self._verify(self._node(
            openstack_region_name='RegionTwo'))
        self._assert_clear_error(node, log, 'RegionTwo', 'compute',
                                 'driver_info openstack_region_name')

    def test_clouds_yaml_entry_with_wrong_password_names_the_entry(self):
        fd, path = tempfile.mkstemp(suffix='.yaml')
        os.write(fd, (http_base.CLOUDS_YAML % {
            'url': self.url, 'password': 'stale-secret-9'}).encode())
        os.close(fd)
        self.addCleanup(os.unlink, path)
        self.config(clouds_yaml=path, cloud='host', group='openstack')
        node, log = self._verify(self._node(
            openstack_auth_url=None, openstack_username=None,
            openstack_password=None, openstack_project_name=None))
        self._assert_clear_error(node, log, 'cloud "host"',
                                 'check the credentials',
                                 'clouds.yaml entry "host"')
        self.assertNotIn('stale-secret-9', node.last_error)

    def test_clouds_yaml_entry_with_foreign_region_names_the_field(self):
        fd, path = tempfile.mkstemp(suffix='.yaml')
        os.write(fd, (http_base.CLOUDS_YAML % {
            'url': self.url, 'password': fake.PASSWORD}
            + '    region_name: RegionOne\n').encode())
        os.close(fd)
        self.addCleanup(os.unlink, path)
        self.config(clouds_yaml=path, cloud='host', group='openstack')
        node, log = self._verify(self._node(
            openstack_auth_url=None, openstack_username=None,
            openstack_password=None, openstack_project_name=None,
            openstack_region_name='NoSuchRegion'))
        self._assert_clear_error(node, log, 'cloud "host"', 'NoSuchRegion',
                                 'driver_info openstack_cloud',
                                 'driver_info openstack_region_name')

    def test_power_action_with_wrong_password_sets_a_clear_last_error(self):
        node = self._node(openstack_password='wrong-password-17')
        node.provision_state = states.MANAGEABLE
        node.target_provision_state = None
        node.save()
        with task_manager.acquire(self.context, node.uuid) as task:
            exc = self.assertRaises(
                exception.DriverOperationError,
                conductor_utils.node_power_action, task, states.POWER_OFF)
        node.refresh()
        self.assertIn('check the credentials', node.last_error)
        self.assertIn(node.uuid, str(exc))


class TransientReadsOverHttpTestCase(http_base.OverHttpBase):
    """A reset connection or a 5xx costs a read one more try, not a sync.

    The first sync opens the connection (the Keystone login, Nova's
    version document); the fault then hits a pooled connection.
    """

    def setUp(self):
        super().setUp()
        # Every power sync reads its server (no shared listing).
        self.config(server_list_max_age=0, group='openstack')
        self.node = self._manageable_node_powered_on()
        self.assertEqual(0, self._sync())

    def _reads(self):
        return [r for r in fake.FakeCloudHandler.requests
                if r == 'GET /v2.1/servers/' + http_base.SERVER]

    def test_power_sync_survives_one_reset_connection(self):
        before = len(self._reads())
        self.assertEqual(0, self._sync())
        reads_per_sync = len(self._reads()) - before
        fake.FakeCloudHandler.close_next = 1
        self.assertEqual(0, self._sync())
        # The reset read, then the same read once more.
        self.assertEqual(2 * reads_per_sync + 1, len(self._reads()) - before)

    def test_power_sync_survives_one_5xx(self):
        fake.FakeCloudHandler.fail_next = 1
        self.assertEqual(0, self._sync())

    def test_power_action_read_survives_one_reset_connection(self):
        fake.FakeCloudHandler.close_next = 1
        with task_manager.acquire(self.context, self.node.uuid) as task:
            # On already: Ironic reads the power state and stops there.
            conductor_utils.node_power_action(task, states.POWER_ON)
        self.node.refresh()
        self.assertIsNone(self.node.last_error)

    def test_two_failures_in_a_row_fail_the_read_clearly(self):
        fake.FakeCloudHandler.fail_next = 2
        with task_manager.acquire(self.context, self.node.uuid) as task:
            self.assertRaises(exception.DriverOperationError,
                              conductor_utils.node_power_action, task,
                              states.POWER_ON)
        self.node.refresh()
        self.assertIn('HTTP 503', self.node.last_error)
        self.assertIn(self.node.uuid, self.node.last_error)


class ServiceAtTestCase(base.DbTestCase):
    """Which service a timed-out request URL went to."""

    ENDPOINTS = [('http://cloud:5000/v3', 'identity'),
                 ('http://cloud:8774/v2.1', 'compute'),
                 ('http://cloud/image', 'image'),
                 ('http://cloud/image-v2', 'volumev3'),
                 ('http://cloud:9999/', 'placement')]

    def _at(self, url):
        return errors.service_at(url, self.ENDPOINTS + [(None, 'x')])

    def test_endpoints_are_named_as_operators_know_them(self):
        self.assertEqual('Nova', self._at('http://cloud:8774/v2.1/servers/1'))
        self.assertEqual('Keystone', self._at('http://cloud:5000/v3/auth'))
        self.assertEqual('Glance', self._at('http://cloud/image/v2/images'))
        self.assertEqual('Cinder', self._at('http://cloud/image-v2/volumes'))
        self.assertEqual('placement', self._at('http://cloud:9999/x'))

    def test_a_url_of_no_endpoint_is_unknown(self):
        self.assertIsNone(self._at('http://cloud:8775/v2.1/servers'))
        self.assertIsNone(self._at('http://other:8774/v2.1/servers'))


class ReadRetryingTestCase(base.DbTestCase):

    def setUp(self):
        super().setUp()
        self.node = obj_utils.get_test_node(self.context, driver='openstack')
        self.read = mock.Mock(side_effect=[ks_exc.ConnectFailure('reset'),
                                           'server'])
        sleep = mock.patch('time.sleep', autospec=True)
        self.sleep = sleep.start()
        self.addCleanup(sleep.stop)

    def test_reset_is_read_again(self):
        self.assertEqual('server', errors.read_retrying(
            self.read, self.node, 'x', time.monotonic() + 10))
        self.assertEqual(2, self.read.call_count)

    def test_no_second_read_past_the_deadline(self):
        self.assertRaises(ks_exc.ConnectFailure, errors.read_retrying,
                          self.read, self.node, 'x', time.monotonic() + 0.1)
        self.assertEqual(1, self.read.call_count)

    def test_timeout_is_not_read_again(self):
        self.read.side_effect = [ks_exc.ConnectTimeout('slow'), 'server']
        self.assertRaises(ks_exc.ConnectTimeout, errors.read_retrying,
                          self.read, self.node, 'x')

    def test_poll_spacing_stays_clear_of_the_2s_keep_alive(self):
        # Many WSGI servers close an idle keep-alive connection after 2 s.
        longest = max(converge.poll_interval(n) for n in range(100))
        self.assertLessEqual(longest, 1.5)
