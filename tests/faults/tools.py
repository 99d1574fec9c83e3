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


class KeystoneTokens:
    """Tokens Keystone issues to openstacksdk clients from now on.

    Counted in Keystone's own access log, as bench/request_counting.py
    does: the ``POST /v3/auth/tokens`` answered 201 whose User-Agent is
    openstacksdk's. That is the driver in Ironic's conductor, and any
    other openstacksdk client (this suite's own, whose tokens are cached):
    the count bounds the driver's from above. Ironic's and Nova's service
    logins (keystonemiddleware, keystoneauth without openstacksdk) are not
    counted.
    """

    def __init__(self, lab):
        self.path = lab['services']['keystone']['log']
        self.start = os.path.getsize(self.path)

    def lines(self):
        with open(self.path, 'rb') as f:
            f.seek(self.start)
            text = f.read().decode('utf-8', 'replace')
        found = []
        for line in text.splitlines():
            m = _KEYSTONE_ACCESS.search(line)
            if (m and m.group('method') == 'POST'
                    and m.group('path').startswith('/v3/auth/tokens')
                    and m.group('status') == '201'
                    and 'openstacksdk/' in m.group('ua')):
                found.append(line)
        return found

    def count(self):
        return len(self.lines())
