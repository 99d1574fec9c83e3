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

"""The compute host's status from Nova's compute services."""

from unittest import mock

from keystoneauth1 import discover
import testtools

from ironic_openstack_driver import host_status
from tests.unit import fake_nova_views


def _services(*services):
    return fake_nova_views.json_response(200, {'services': [
        dict({'binary': 'nova-compute', 'state': 'up', 'status': 'enabled',
              'forced_down': False}, **s) for s in services]})


class HostStatusTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.compute = mock.Mock(
            spec=['get', 'get_endpoint_data', 'default_microversion'],
            default_microversion=None)
        self.compute.get_endpoint_data.return_value = discover.EndpointData(
            min_microversion='2.1', max_microversion='2.100')
        self.statuses = host_status.HostStatuses()

    def _compute(self):
        return self.compute

    def test_as_nova_computes_host_status(self):
        self.compute.get.return_value = _services(
            {'host': 'a'}, {'host': 'b', 'state': 'down'},
            {'host': 'c', 'status': 'disabled'},
            {'host': 'd', 'state': 'down', 'forced_down': True})
        self.assertEqual({'a': 'UP', 'b': 'UNKNOWN', 'c': 'MAINTENANCE',
                          'd': 'DOWN'},
                         host_status.list_statuses(self.compute))
        self.compute.get.assert_called_once_with(
            '/os-services?binary=nova-compute', microversion='2.11')

    def test_below_2_11_the_services_are_read_at_2_1(self):
        # A cap pinned below 2.11, or a Nova older than 2.11: Nova shows
        # no forced_down there, and a forced-down service as down.
        for cap, cloud_max in (('2.10', '2.100'), (None, '2.10')):
            self.compute.reset_mock()
            self.compute.default_microversion = cap
            self.compute.get_endpoint_data.return_value = (
                discover.EndpointData(min_microversion='2.1',
                                      max_microversion=cloud_max))
            self.compute.get.return_value = _services(
                {'host': 'a', 'state': 'down'})
            self.assertEqual({'a': 'UNKNOWN'},
                             host_status.list_statuses(self.compute))
            self.compute.get.assert_called_once_with(
                '/os-services?binary=nova-compute', microversion='2.1')

    def test_one_read_per_cloud_and_max_age(self):
        self.compute.get.return_value = _services({'host': 'a'})
        for host in ('a', 'a', 'b'):
            self.statuses.status('k', self._compute, host, 60)
        self.assertEqual('UP', self.statuses.status('k', self._compute, 'a',
                                                    60))
        self.assertIsNone(self.statuses.status('k', self._compute, 'b', 60))
        self.assertEqual(1, self.compute.get.call_count)
        self.statuses.status('k', self._compute, 'a', 0)
        self.assertEqual(2, self.compute.get.call_count)

    def test_no_host_no_request(self):
        self.assertIsNone(self.statuses.status('k', self._compute, None, 60))
        self.compute.get.assert_not_called()

    def test_refused_or_failed_reads_give_no_status(self):
        for status in (403, 503):
            self.statuses.clear()
            self.compute.get.return_value = fake_nova_views.json_response(
                status, {'x': {'code': status, 'message': 'no'}})
            with mock.patch.object(host_status, 'LOG',
                                   autospec=True) as log:
                self.assertIsNone(self.statuses.status('k', self._compute,
                                                       'a', 60))
            self.assertEqual(status == 503, log.warning.called, status)

    def test_clouds_beyond_the_bound_go_least_recently_read_first(self):
        statuses = host_status.HostStatuses(max_clouds=lambda: 2)
        self.compute.get.return_value = _services({'host': 'a'})
        for key in ('k1', 'k2', 'k1', 'k3'):
            statuses.status(key, self._compute, 'a', 60)
        self.assertEqual(2, len(statuses))
        self.assertEqual(3, self.compute.get.call_count)
        statuses.status('k1', self._compute, 'a', 60)   # kept: no read
        self.assertEqual(3, self.compute.get.call_count)
        statuses.status('k2', self._compute, 'a', 60)   # dropped: read
        self.assertEqual(4, self.compute.get.call_count)
