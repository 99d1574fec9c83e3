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

"""A small Keystone-authenticated JSON/HTTP client (standard library only).

``up`` provisions identities, images and flavors with it, so ``up`` needs
nothing but a Python 3 interpreter.
"""

import json
import time
import urllib.error
import urllib.request

from labkit import settings as s


class HttpError(Exception):
    def __init__(self, method, url, status, body):
        super().__init__('%s %s -> %s: %s' % (method, url, status, body[:500]))
        self.status = status
        self.body = body


def request(method, url, body=None, headers=None, raw=None, timeout=60,
            content_type='application/json'):
    """One HTTP request; returns (status, headers, parsed JSON or None)."""
    data = raw
    hdrs = {'Accept': 'application/json'}
    if body is not None:
        data = json.dumps(body).encode()
    if data is not None:
        hdrs['Content-Type'] = content_type
    hdrs.update(headers or {})
    req = urllib.request.Request(url, data=data, headers=hdrs, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            text = resp.read()
            parsed = json.loads(text) if text.strip() else None
            return resp.status, resp.headers, parsed
    except urllib.error.HTTPError as exc:
        raise HttpError(method, url, exc.code,
                        exc.read().decode('utf-8', 'replace'))


class Session:
    """A token for one Keystone user, project- or system-scoped."""

    def __init__(self, user, password, project=None, system=False):
        scope = ({'system': {'all': True}} if system else
                 {'project': {'name': project, 'domain': {'id': 'default'}}})
        body = {'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': user, 'domain': {'id': 'default'},
                'password': password}}},
            'scope': scope}}
        url = s.url('keystone', '/v3/auth/tokens')
        _, headers, data = request('POST', url, body)
        self.token = headers['X-Subject-Token']
        # Renew well before Keystone's default one-hour expiry.
        self.renew_at = time.monotonic() + 1800
        self.catalog = data['token'].get('catalog', [])
        self.project_id = data['token'].get('project', {}).get('id')

    def expired(self):
        return time.monotonic() > self.renew_at

    def endpoint(self, service_type):
        for service in self.catalog:
            if service['type'] == service_type:
                for ep in service['endpoints']:
                    if ep['interface'] == 'public':
                        return ep['url'].rstrip('/')
        raise KeyError('no public %s endpoint in the catalog' % service_type)

    def call(self, method, url, body=None, headers=None, **kwargs):
        hdrs = {'X-Auth-Token': self.token}
        hdrs.update(headers or {})
        return request(method, url, body, headers=hdrs, **kwargs)[2]

    def get(self, url, **kwargs):
        return self.call('GET', url, **kwargs)

    def post(self, url, body, **kwargs):
        return self.call('POST', url, body, **kwargs)
