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

"""Every service of the lab waits a bounded time for Keystone.

keystonemiddleware's defaults (no timeout) let a request whose token the
service has not cached hang as long as Keystone does: the fault suite's
Keystone-paused row once waited 16 minutes in Ironic's API. The lab's
files bound that wait (``[keystone_authtoken]``), below the driver's
``[openstack]api_timeout`` default, so that the driver and the suite see a
503 naming Keystone first.
"""

import configparser
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(REPO, 'lab'))

from labkit import configs  # noqa: E402
from labkit import settings as s  # noqa: E402
from labkit import writers  # noqa: E402
from tests.unit.lab import lab_home  # noqa: E402

SECRETS = {name: 'pw-' + name for name in
           ('db', 'admin', 'demo', 'rabbit') + s.SERVICE_USERS}
#: The driver's [openstack]api_timeout default (ironic_openstack_driver
#: conf.py): a Nova call whose token check stalls must end before it.
DRIVER_API_TIMEOUT = 60
#: Keystone's default [token]expiration.
KEYSTONE_TOKEN_LIFETIME = 3600


class AuthtokenWaitsTest(lab_home.LabHomeTestCase):

    def setUp(self):
        super().setUp()
        self.p = s.paths()

    def rendered(self):
        """{file name: parsed file} of every service with an auth_token."""
        files = {}
        files.update(configs.glance(self.p, SECRETS))
        files.update(configs.placement(self.p, SECRETS))
        files.update(configs.nova(self.p, SECRETS))
        files.update(configs.neutron(self.p, SECRETS, {}))
        files.update(configs.ironic(self.p, SECRETS))
        parsed = {}
        for name, text in files.items():
            parser = configparser.ConfigParser(interpolation=None)
            parser.read_string(text)
            if parser.has_section('keystone_authtoken'):
                parsed[name] = parser
        return parsed

    def test_every_service_bounds_its_wait_for_keystone(self):
        parsed = self.rendered()
        self.assertEqual(
            {'glance-api.conf', 'placement.conf', 'nova.conf',
             'neutron.conf', 'ironic.conf'}, set(parsed))
        for name, parser in parsed.items():
            section = parser['keystone_authtoken']
            self.assertEqual(str(writers.AUTHTOKEN_TIMEOUT),
                             section.get('http_connect_timeout'), name)
            self.assertEqual(str(writers.AUTHTOKEN_RETRIES),
                             section.get('http_request_max_retries'), name)

    def test_every_service_keeps_a_checked_token_as_long_as_it_lives(self):
        for name, parser in self.rendered().items():
            self.assertEqual(str(KEYSTONE_TOKEN_LIFETIME), parser[
                'keystone_authtoken'].get('token_cache_time'), name)

    def test_the_wait_counts_every_try_and_the_delays_between(self):
        # keystoneauth: 1 + retries tries, 0.5 s, 1 s, 2 s between them.
        self.assertEqual(10, writers.authtoken_wait(10, 0))
        self.assertEqual(20.5, writers.authtoken_wait(10, 1))
        self.assertEqual(43.5, writers.authtoken_wait(10, 3))

    def test_the_lab_wait_ends_before_the_driver_gives_up_on_nova(self):
        self.assertLess(writers.authtoken_wait(), DRIVER_API_TIMEOUT)
