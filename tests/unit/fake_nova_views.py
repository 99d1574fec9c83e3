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

"""What FakeNova answers to plain GETs: Nova's JSON views.

The server listing (``/servers/detail``, with changes-since), one server
(``/servers/{id}``) and the compute services (``/os-services``), at the
request's microversion and as Nova's default policy shows them to the
FakeNova's credentials (admin or member): see fake_nova_server.
"""

import datetime
import email.utils
import itertools
import json
import time
from urllib import parse

import requests

from tests.unit import fake_nova_server


def json_response(status, body):
    """A real requests.Response carrying a JSON body.

    Dated as nova-api's answers are (Date header, whole seconds of the
    wall clock).
    """
    response = requests.Response()
    response.status_code = status
    response.headers['Content-Type'] = 'application/json'
    response.headers['Date'] = email.utils.formatdate(time.time(),
                                                      usegmt=True)
    response._content = json.dumps(body).encode()
    response.url = 'http://nova.example/v2.1'
    return response


class NovaViews:
    """FakeNova's plain GETs (a mixin: servers, deleted, services, admin)."""

    def viewed(self, fake, microversion):
        """A server as these credentials read it (Nova's JSON view)."""
        return fake.as_nova(microversion, self.kept_properties(fake),
                            self.admin, self.host_status(fake))

    def host_status(self, fake):
        """Nova's host_status of a server's host (compute/api.py)."""
        service = self.services.get(fake.compute_host)
        if service is None:
            return ''
        if service['forced_down']:
            return 'DOWN'
        if service['status'] == 'disabled':
            return 'MAINTENANCE'
        return 'UP' if service['state'] == 'up' else 'UNKNOWN'

    @staticmethod
    def service_view(host, service, n, microversion):
        """A compute service as Nova's os-services shows it.

        A forced-down service is down (servicegroup's service_is_up);
        forced_down itself is shown from 2.11.
        """
        view = dict(service, binary='nova-compute', host=host, zone='nova',
                    id=n)
        if service['forced_down']:
            view['state'] = 'down'
        if not fake_nova_server.at_least(microversion, (2, 11)):
            del view['forced_down']
        return view

    def get(self, url, microversion=None):
        """A plain GET on the compute endpoint.

        The server listing, in one page
        (tests/unit/test_server_snapshot_http.py pages), with Nova's
        changes-since filter (deleted servers included); one server; the
        compute services (admins only).
        """
        path, _, query = url.partition('?')
        query = parse.parse_qs(query, strict_parsing=bool(query))
        microversion = microversion or '2.1'
        if path == '/os-services':
            assert query == {'binary': ['nova-compute']}, url
            if not self.admin:
                return json_response(403, {'forbidden': {
                    'code': 403, 'message': 'Policy doesn\'t allow '
                    'os_compute_api:os-services:list to be performed.'}})
            return json_response(200, {'services': [
                self.service_view(host, service, n, microversion)
                for n, (host, service) in enumerate(
                    sorted(self.services.items()))]})
        if path.startswith('/servers/') and path != '/servers/detail':
            fake = self.servers.get(path[len('/servers/'):])
            if fake is None:
                return json_response(404, {'itemNotFound': {
                    'code': 404, 'message': 'Instance could not be '
                                            'found.'}})
            return json_response(200, {'server': self.viewed(fake,
                                                             microversion)})
        assert path == '/servers/detail', url
        assert set(query) <= {'changes-since'}, url
        self.listings += 1
        if 'changes-since' not in query:
            return json_response(200, {'servers': [
                self.viewed(fake, microversion)
                for fake in self.servers.values()]})
        since = datetime.datetime.strptime(
            query['changes-since'][0], '%Y-%m-%dT%H:%M:%SZ').replace(
                tzinfo=datetime.timezone.utc).timestamp()
        return json_response(200, {'servers': [
            self.viewed(fake, microversion) for fake in itertools.chain(
                self.servers.values(), self.deleted.values())
            if fake.updated_at >= since]})
