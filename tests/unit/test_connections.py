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

"""What the cached connection keeps while a service behind it is down.

Over HTTP (tests.unit.http_base): a Nova that hangs or refuses
connections, while Keystone answers, costs no new login; only a failed
login or an unreachable Keystone drops the connection
(errors.drops_connection).
"""

from unittest import mock

from keystoneauth1 import exceptions as ks_exc

from oslo_utils import uuidutils

from ironic.common import exception
from ironic.common import states
from ironic.conductor import task_manager
from ironic.conductor import utils as conductor_utils

from ironic_openstack_driver import caches
from ironic_openstack_driver import errors
from tests.unit import base
from tests.unit import fake_cloud_http as fake
from tests.unit import http_base


class NovaHangOverHttpTestCase(http_base.OverHttpBase):
    """Nova takes requests and answers none, longer than Ironic waits.

    As a nova-api stopped by SIGSTOP (Keystone answers, its token is
    cached): the power action ends with an error that says Nova did not
    answer in time, nothing stays set, the power sync changes nothing, and
    once Nova answers the next action works.
    """

    def setUp(self):
        super().setUp()
        self.config(api_timeout=1, group='openstack')
        self.config(power_state_change_timeout=2, group='conductor')
        self.node = self._manageable_node_powered_on()
        # Log in and read once: the hang then hits a cached connection.
        self.assertEqual(0, self._sync())
        fake.hang()

    def _power(self, target):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            conductor_utils.node_power_action(task, target)

    def test_power_action_fails_saying_nova_did_not_answer(self):
        self.assertRaises(exception.DriverOperationError, self._power,
                          states.POWER_OFF)
        self.node.refresh()
        error = self.node.last_error
        self.assertIn(self.node.uuid, error)
        self.assertIn('Nova did not answer within 1 s '
                      '([openstack]api_timeout)', error)
        self.assertIn('timed out', error)
        # Keystone answered: its URL is not what to check.
        self.assertNotIn('openstack_auth_url', error)
        self.assertNotIn(fake.PASSWORD, error)
        self.assertNotIn('\n', error)
        self.assertIsNone(self.node.target_power_state)
        self.assertIsNone(self.node.reservation)
        self.assertEqual(states.POWER_ON, self.node.power_state)

    def test_power_sync_during_the_hang_keeps_the_recorded_state(self):
        for count in range(2):
            self.assertEqual(count + 1, self._sync(count))
        self.node.refresh()
        self.assertEqual(states.POWER_ON, self.node.power_state)
        self.assertFalse(self.node.maintenance)
        self.assertIsNone(self.node.reservation)

    def test_next_action_after_the_hang_works(self):
        self.assertRaises(exception.DriverOperationError, self._power,
                          states.POWER_OFF)
        fake.resume()
        # On already: Ironic reads the power state and clears the error.
        self._power(states.POWER_ON)
        self.node.refresh()
        self.assertIsNone(self.node.last_error)
        self.assertEqual(states.POWER_ON, self.node.power_state)

    def test_a_timeout_keeps_the_connection(self):
        # A new one would log in and discover Nova's versions again, each
        # waiting for the hung Nova, before every read.
        logins = fake.FakeCloudHandler.logins
        self.assertRaises(exception.DriverOperationError, self._power,
                          states.POWER_OFF)
        self.assertEqual(1, len(caches.CACHES.connections))
        fake.resume()
        self._power(states.POWER_ON)
        self.assertEqual(logins, fake.FakeCloudHandler.logins)


class NovaHangOnANewConnectionTestCase(http_base.OverHttpBase):
    """Nova hangs before the conductor's connection has read its versions.

    As after a conductor restart whose only Nova request was a listing
    (verify's): the first read of the server would send openstacksdk's
    version discovery and, once that timed out, the read itself, each
    waiting api_timeout for the hung Nova.
    """

    def setUp(self):
        super().setUp()
        self.config(api_timeout=1, group='openstack')
        self.config(power_state_change_timeout=2, group='conductor')
        self.node = self._manageable_node_powered_on()
        fake.hang()

    def _power(self, target):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            conductor_utils.node_power_action(task, target)

    def test_the_action_waits_for_one_unanswered_request(self):
        self.assertRaises(exception.DriverOperationError, self._power,
                          states.POWER_OFF)
        self.assertEqual(['GET /v2.1'], fake.FakeCloudHandler.requests)
        self.node.refresh()
        self.assertIn('Nova did not answer within 1 s '
                      '([openstack]api_timeout)', self.node.last_error)
        self.assertEqual(states.POWER_ON, self.node.power_state)
        self.assertIsNone(self.node.target_power_state)

    def test_once_nova_answers_its_versions_are_read_once(self):
        self.assertRaises(exception.DriverOperationError, self._power,
                          states.POWER_OFF)
        fake.resume()
        self._power(states.POWER_ON)
        self._power(states.POWER_ON)
        self.assertEqual(['GET /v2.1', 'GET /v2.1'],
                         [r for r in fake.FakeCloudHandler.requests
                          if r == 'GET /v2.1'])
        self.node.refresh()
        self.assertIsNone(self.node.last_error)


class NovaDownOverHttpTestCase(http_base.OverHttpBase):
    """nova-api stopped (its port refuses connections), Keystone answering.

    The connection and its token stay: the nodes' reads fail without
    logging in again.
    """

    def setUp(self):
        super().setUp()
        self.nodes = []
        for _ in range(4):
            server_id = uuidutils.generate_uuid()
            fake.server(server_id)
            node = self._node(openstack_server=server_id)
            fake.mark(server_id, node.uuid)
            node.provision_state = states.MANAGEABLE
            node.target_provision_state = None
            node.power_state = states.POWER_ON
            node.save()
            self.nodes.append(node)
        # A sweep while Nova answers opens the connection.
        for self.node in self.nodes:
            self.assertEqual(0, self._sync())
        self.logins = fake.FakeCloudHandler.logins
        fake.stop_nova()
        # The read of each node is tried twice (a reset connection):
        # without the pause.
        sleep = mock.patch.object(errors.time, 'sleep', autospec=True)
        sleep.start()
        self.addCleanup(sleep.stop)

    def test_a_sweep_of_n_nodes_costs_no_new_token(self):
        for self.node in self.nodes:
            self.assertEqual(1, self._sync())
        self.assertEqual(self.logins, fake.FakeCloudHandler.logins)
        self.assertEqual(1, len(caches.CACHES.connections))

    def test_power_action_error_names_nova_and_the_node(self):
        self.node = self.nodes[0]
        with task_manager.acquire(self.context, self.node.uuid) as task:
            self.assertRaises(exception.DriverOperationError,
                              conductor_utils.node_power_action, task,
                              states.POWER_OFF)
        self.node.refresh()
        self.assertIn(self.node.uuid, self.node.last_error)
        self.assertIn('Unable to establish connection to '
                      + fake.FakeCloudHandler.nova_base,
                      self.node.last_error)
        self.assertEqual(self.logins, fake.FakeCloudHandler.logins)


class DropsConnectionTestCase(base.DbTestCase):
    """Which connection errors drop the cached connection (a new login)."""

    ENDPOINTS = [('http://cloud:5000/v3', 'identity'),
                 ('http://cloud:8774/v2.1', 'compute'),
                 ('http://cloud:9292', 'image')]

    def _drops(self, error):
        return errors.drops_connection(
            error, lambda url: errors.service_at(url, self.ENDPOINTS))

    def _refused(self, url):
        return ks_exc.ConnectFailure(
            'Unable to establish connection to %s: Connection refused' % url)

    def test_keystone_unreachable_drops_it(self):
        self.assertTrue(self._drops(self._refused(
            'http://cloud:5000/v3/auth/tokens')))
        self.assertTrue(self._drops(ks_exc.DiscoveryFailure(
            'Could not find versioned identity endpoints when attempting '
            'to authenticate. Unable to establish connection to '
            'http://cloud:5000/v3: refused')))

    def test_nova_or_glance_unreachable_keeps_it(self):
        self.assertFalse(self._drops(self._refused(
            'http://cloud:8774/v2.1/servers/detail')))
        self.assertFalse(self._drops(ks_exc.SSLError(
            'SSL exception connecting to http://cloud:9292/v2/images/x: '
            'bad handshake')))

    def test_unknown_service_or_no_url_drops_it(self):
        self.assertTrue(self._drops(self._refused('http://other:1/x')))
        self.assertTrue(self._drops(ks_exc.EndpointNotFound('no compute')))

    def test_timeout_keeps_it(self):
        self.assertFalse(self._drops(ks_exc.ConnectTimeout(
            'Request to http://cloud:5000/v3/auth/tokens timed out')))
