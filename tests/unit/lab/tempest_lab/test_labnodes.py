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

from unittest import mock

import testtools

import labnodes


class UnusableReasonTestCase(testtools.TestCase):

    def test_available_node_with_a_server_serves(self):
        for status in ('ACTIVE', 'SHUTOFF'):
            self.assertIsNone(labnodes.unusable_reason('available', False,
                                                       status))

    def test_node_whose_server_is_gone_is_unusable(self):
        # An earlier run's node whose server was deleted: Ironic still
        # shows it available until a power sync fails.
        self.assertEqual('its Nova server is gone',
                         labnodes.unusable_reason('available', False, None))

    def test_node_whose_server_is_in_error_is_unusable(self):
        self.assertEqual('its Nova server is ERROR',
                         labnodes.unusable_reason('available', False,
                                                  'ERROR'))

    def test_node_not_available_is_unusable(self):
        self.assertEqual('it is clean failed, not available',
                         labnodes.unusable_reason('clean failed', False,
                                                  'SHUTOFF'))

    def test_node_in_maintenance_is_unusable(self):
        self.assertEqual('it is in maintenance',
                         labnodes.unusable_reason('available', True,
                                                  'SHUTOFF'))


class DriverDetailTestCase(testtools.TestCase):

    def test_asks_for_the_version_that_shows_rescue_interfaces(self):
        # Ironic leaves enabled_rescue_interfaces out below API 1.38; the
        # tempest config then enabled none and the rescue class skipped.
        nodes = labnodes.Nodes.__new__(labnodes.Nodes)
        nodes.bm = mock.Mock()
        nodes.bm.get.return_value = mock.Mock(
            status_code=200,
            json=mock.Mock(return_value={'name': 'openstack'}))
        self.assertEqual({'name': 'openstack'},
                         nodes.driver_detail('openstack'))
        headers = nodes.bm.get.call_args.kwargs['headers']
        major, minor = headers['X-OpenStack-Ironic-API-Version'].split('.')
        self.assertGreaterEqual((int(major), int(minor)), (1, 38))
