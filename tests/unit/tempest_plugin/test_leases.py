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

"""A node's address from dnsmasq's lease file (leases)."""

import unittest

from ironic_openstack_driver_tempest_plugin import leases

MAC = '52:54:00:12:34:56'
TEXT = '''\
1000 52:54:00:12:34:56 192.0.2.150 * *
5000 52:54:00:AB:CD:EF 192.0.2.151 * 01:52:54:00:ab:cd:ef
4700 52:54:00:12:34:56 192.0.2.152 host *
duid 00:01:00:01:2c:aa:bb:cc
garbage
'''


class NewestAddressTestCase(unittest.TestCase):

    def test_parse_skips_the_duid_and_bad_lines(self):
        self.assertEqual(['192.0.2.150', '192.0.2.151', '192.0.2.152'],
                         [lease['ip'] for lease in leases.parse(TEXT)])

    def test_newest_lease_of_the_mac(self):
        self.assertEqual('192.0.2.152', leases.newest_address(
            TEXT, [MAC.upper()], granted_since=0, lease_seconds=3600))

    def test_lease_granted_before_the_state_change_does_not_count(self):
        # 4700 - 3600 = 1100 < 1200: granted before; none left.
        self.assertIsNone(leases.newest_address(
            TEXT, [MAC], granted_since=1200, lease_seconds=3600))
        self.assertEqual('192.0.2.152', leases.newest_address(
            TEXT, [MAC], granted_since=1100, lease_seconds=3600))

    def test_other_macs_are_ignored(self):
        self.assertIsNone(leases.newest_address(
            TEXT, ['52:54:00:00:00:01'], granted_since=0,
            lease_seconds=3600))
        self.assertIsNone(leases.newest_address('', [MAC], 0, 3600))
