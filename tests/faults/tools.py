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

"""What the faults tests share besides fixtures: labctl, secrets, rows,
the lab's Ironic configuration and conductor log."""

import configparser
import os
import re
import secrets
import uuid

import pytest

from tests import lab_runs

ROWS = []
#: Distinctive secret values of this run: no log line, last_error or API
#: answer may contain any of them.
SECRETS = []


def labctl(*args, timeout=300):
    """Run ``lab/labctl.py``; fail the test with its output if it fails."""
    result = lab_runs.labctl(*args, timeout=timeout)
    if result.returncode != 0:
        pytest.fail('labctl %s failed (exit %d):\n%s' % (
            ' '.join(args), result.returncode, lab_runs.tail(result.stdout)),
            pytrace=False)
    return result.stdout


def secret(label):
    value = 'S3cr%s%s' % (label, secrets.token_hex(10))
    SECRETS.append(value)
    return value


def ironic_setting(lab, section, name, default):
    """A setting of the lab's ironic.conf (a string), or ``default``."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read(os.path.join(lab['state_dir'], 'etc', 'ironic',
                             'ironic.conf'))
    return parser.get(section, name, fallback=default)


def ironic_option(lab, section, name, default):
    """A number from the lab's ironic.conf, or Ironic's default."""
    return float(ironic_setting(lab, section, name, default))


class ConductorLog:
    """The lab's Ironic log from now on (what a test made Ironic say)."""

    def __init__(self, lab):
        self.path = os.path.join(lab['state_dir'], 'logs', 'ironic.log')
        self.start = os.path.getsize(self.path)

    def lines(self, *words):
        """Lines written since, that contain every one of ``words``."""
        with open(self.path, 'rb') as f:
            f.seek(self.start)
            text = f.read().decode('utf-8', 'replace')
        return [line for line in text.splitlines()
                if all(word in line for word in words)]


#: Keystone's access log line (the lab's keystone.log): method, path,
#: status, User-Agent.
_KEYSTONE_ACCESS = re.compile(
    r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d+) \S+ '
    r'"[^"]*" "(?P<ua>[^"]*)"')
#: The User-Agent of keystonemiddleware's token checks (keystoneclient's).
TOKEN_CHECKER = 'python-keystoneclient'


def keystone_requests(text):
    """The requests of Keystone's access log ``text``, oldest first.

    :returns: ``(method, path, status, user_agent)`` per line.
    """
    found = []
    for line in text.splitlines():
        m = _KEYSTONE_ACCESS.search(line)
        if m:
            found.append((m.group('method'), m.group('path'),
                          m.group('status'), m.group('ua')))
    return found


def token_checks(requests):
    """Token checks a service's auth_token middleware made, by kind.

    ``GET /v3/auth/tokens`` answered 200 to keystonemiddleware: 'plain'
    for the check of a token a client sent itself (Ironic's API, nova-api),
    'allow_expired' for the check of a user token that came with a service
    token (Neutron, for nova-api's calls on a user's behalf).

    :param requests: ``keystone_requests()``.
    :returns: {'plain': n, 'allow_expired': n}.
    """
    counts = {'plain': 0, 'allow_expired': 0}
    for method, path, status, ua in requests:
        if (method == 'GET' and path.startswith('/v3/auth/tokens')
                and status == '200' and ua.startswith(TOKEN_CHECKER)):
            kind = ('allow_expired' if 'allow_expired=1' in path
                    else 'plain')
            counts[kind] += 1
    return counts


def short_of(counts, wanted):
    """What ``counts`` lacks to reach ``wanted``: {kind: (seen, wanted)}."""
    return {kind: (counts.get(kind, 0), n) for kind, n in wanted.items()
            if counts.get(kind, 0) < n}


class KeystoneLog:
    """Keystone's access log from now on."""

    def __init__(self, lab):
        self.path = lab['services']['keystone']['log']
        self.start = os.path.getsize(self.path)

    def text(self):
        with open(self.path, 'rb') as f:
            f.seek(self.start)
            return f.read().decode('utf-8', 'replace')

    def token_checks(self):
        """``token_checks()`` of the requests logged since."""
        return token_checks(keystone_requests(self.text()))


class KeystoneTokens(KeystoneLog):
    """Tokens Keystone issues to openstacksdk clients from now on.

    Counted in Keystone's own access log, as bench/request_counting.py
    does: the ``POST /v3/auth/tokens`` answered 201 whose User-Agent is
    openstacksdk's. That is the driver in Ironic's conductor, and any
    other openstacksdk client (this suite's own, whose tokens are cached):
    the count bounds the driver's from above. Ironic's and Nova's service
    logins (keystonemiddleware, keystoneauth without openstacksdk) are not
    counted.
    """

    def lines(self):
        found = []
        for line in self.text().splitlines():
            m = _KEYSTONE_ACCESS.search(line)
            if (m and m.group('method') == 'POST'
                    and m.group('path').startswith('/v3/auth/tokens')
                    and m.group('status') == '201'
                    and 'openstacksdk/' in m.group('ua')):
                found.append(line)
        return found

    def count(self):
        return len(self.lines())


def renew_token(conn):
    """Make ``conn`` use a token Keystone issues now; return it.

    No service has it cached yet (keystonemiddleware caches a checked
    token for ``token_cache_time``, 300 s, from the check, whatever its
    use since): its first use through each service is checked with
    Keystone, and stays cached that long from then.
    """
    old = conn.session.get_token()
    conn.session.invalidate()
    new = conn.session.get_token()
    assert new != old, 'Keystone issued the same token again'
    return new


def member_user(admin, label):
    """A new user, member of the demo project; (user, password).

    The driver opens a connection of its own for a node that carries it
    (a new token). The password is one of the run's secrets.
    """
    ident = admin.identity
    project = ident.find_project('demo', ignore_missing=False)
    password = secret(label)
    user = ident.create_user(
        name='faults-%s-%s' % (label, uuid.uuid4().hex[:8]),
        password=password, domain_id='default',
        default_project_id=project.id)
    ident.assign_project_role_to_user(
        project, user, ident.find_role('member', ignore_missing=False))
    return user, password
