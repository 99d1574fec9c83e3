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

"""What the fault suite reads in Keystone's access log (tests/faults/tools):
the token checks of the services' auth_token middleware, by kind, and what
a warm-up lacks. The lines are the lab's (a faults run of 2026-12-08)."""

import unittest

from tests.faults import tools

UA = ('"-" "openstacksdk/4.22.0 keystoneauth1/5.18.1 '
      'python-requests/2.34.2 CPython/3.11.7"')
#: A service's first use of a user's new token: issued, checked by
#: nova-api, then by Neutron (nova-api's call with its service token),
#: amid lines that are not token checks.
LOG = '\n'.join([
    '127.0.0.1 - - [08/Dec/2026:00:29:14 +0000] "GET /v3 HTTP/1.1" 200 '
    '250 ' + UA,
    '127.0.0.1 - - [08/Dec/2026:00:29:14 +0000] "POST /v3/auth/tokens '
    'HTTP/1.1" 201 3904 ' + UA,
    '2026-12-08 00:29:14.100 20351 WARNING keystone.common.password_hashing'
    ' [None req-f8fe286b - - - - - -] Truncating password to algorithm '
    'specific maximum length 72 characters.',
    '127.0.0.1 - - [08/Dec/2026:00:29:14 +0000] "GET /v3/auth/tokens '
    'HTTP/1.1" 200 3904 "-" "python-keystoneclient"',
    '127.0.0.1 - - [08/Dec/2026:00:29:14 +0000] "GET /v3/auth/tokens'
    '?allow_expired=1 HTTP/1.1" 200 3904 "-" "python-keystoneclient"',
    # A token Keystone refused to confirm: no check that warms a cache.
    '127.0.0.1 - - [08/Dec/2026:00:29:15 +0000] "GET /v3/auth/tokens '
    'HTTP/1.1" 404 120 "-" "python-keystoneclient"',
    # A client reading its own token: not a service's check.
    '127.0.0.1 - - [08/Dec/2026:00:29:15 +0000] "GET /v3/auth/tokens '
    'HTTP/1.1" 200 3904 ' + UA,
])


class KeystoneRequestsTest(unittest.TestCase):

    def test_each_access_line_is_a_request_other_lines_are_not(self):
        requests = tools.keystone_requests(LOG)
        self.assertEqual(6, len(requests))
        self.assertEqual(('POST', '/v3/auth/tokens', '201'),
                         requests[1][:3])
        self.assertTrue(requests[1][3].startswith('openstacksdk/'))


class TokenChecksTest(unittest.TestCase):

    def test_a_services_checks_counted_by_kind(self):
        self.assertEqual({'plain': 1, 'allow_expired': 1},
                         tools.token_checks(tools.keystone_requests(LOG)))

    def test_no_check_in_a_log_without_any(self):
        self.assertEqual({'plain': 0, 'allow_expired': 0},
                         tools.token_checks([]))


class ShortOfTest(unittest.TestCase):

    def test_nothing_lacks_when_every_kind_is_reached(self):
        self.assertEqual({}, tools.short_of(
            {'plain': 4, 'allow_expired': 2},
            {'plain': 3, 'allow_expired': 2}))

    def test_each_kind_short_says_seen_and_needed(self):
        self.assertEqual({'allow_expired': (1, 2)}, tools.short_of(
            tools.token_checks(tools.keystone_requests(LOG)),
            {'plain': 1, 'allow_expired': 2}))
        self.assertEqual({'plain': (0, 3)}, tools.short_of(
            {}, {'plain': 3}))
