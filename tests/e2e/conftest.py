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

"""Fixtures that give end-to-end tests the local lab (lab/labctl.py).

``lab`` (package): brings the fast lab up once for tests/e2e, or reuses
one that already runs (``up`` is idempotent and refreshes the driver),
and yields
``labctl status --json`` as a dict (``ironic_url``,
``clouds_yaml``, ``cloud``, ``admin_cloud``, ``rescue_image``,
``disk_image``, ``flavor``, ``services`` ...). At the end it stops the lab
only if this run started it, and not when ``IOS_LAB_KEEP=1``. It also sets
``OS_CLIENT_CONFIG_FILE`` to the lab's clouds.yaml for the whole run.

``lab_cloud`` / ``lab_admin_cloud`` / ``lab_project_admin_cloud``:
openstacksdk connections for the normal user (project ``demo``), the
system-scoped admin (Ironic's admin) and the project-scoped admin (Nova,
Neutron, Glance admin calls).
"""

import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
LABCTL = os.path.join(REPO, 'lab', 'labctl.py')
# A cold start installs Debian packages and two virtualenvs (a few minutes
# on 2 cores); a warm one takes about a minute. The bound is generous.
UP_TIMEOUT = int(os.environ.get('IOS_LAB_UP_TIMEOUT', '2400'))


def _labctl(*args, timeout=300):
    return subprocess.run([sys.executable, LABCTL] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=timeout)


def _status():
    result = _labctl('status', '--json', timeout=120)
    try:
        return json.loads(result.stdout)
    except ValueError:
        return None


def _tail(text, lines=80):
    return '\n'.join(text.splitlines()[-lines:])


@pytest.fixture(scope='package')
def lab():
    # `up` runs even when the lab already runs: it is idempotent (about
    # 15 s then) and reinstalls the driver, restarting Ironic if the
    # driver's code changed, so the tests always exercise the current code.
    before = _status()
    started = not (before and before.get('running'))
    try:
        result = _labctl('up', '--virt', 'fake', timeout=UP_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout or ''
        if isinstance(out, bytes):
            out = out.decode('utf-8', 'replace')
        pytest.fail('lab/labctl.py up did not finish in %ds:\n%s' % (
            UP_TIMEOUT, _tail(out)), pytrace=False)
    if result.returncode != 0:
        pytest.fail('lab/labctl.py up failed (exit %d):\n%s' % (
            result.returncode, _tail(result.stdout)), pytrace=False)
    status = _status()
    if not (status and status.get('running')):
        pytest.fail('the lab came up but status says it is not running:'
                    '\n%s' % json.dumps(status, indent=2), pytrace=False)
    # Let every client of the test run (openstacksdk, the openstack CLI)
    # find the lab's clouds.yaml by cloud name alone.
    os.environ['OS_CLIENT_CONFIG_FILE'] = status['clouds_yaml']
    yield status
    if started and os.environ.get('IOS_LAB_KEEP') != '1':
        _labctl('down', timeout=300)


def _connect(lab, cloud):
    import openstack.config
    import openstack.connection
    config = openstack.config.OpenStackConfig(
        config_files=[lab['clouds_yaml']])
    return openstack.connection.Connection(
        config=config.get_one(cloud=lab[cloud]))


@pytest.fixture(scope='package')
def lab_cloud(lab):
    """openstacksdk Connection as the lab's normal user."""
    conn = _connect(lab, 'cloud')
    yield conn
    conn.close()


@pytest.fixture(scope='package')
def lab_admin_cloud(lab):
    """openstacksdk Connection as the system-scoped admin (for Ironic)."""
    conn = _connect(lab, 'admin_cloud')
    yield conn
    conn.close()


@pytest.fixture(scope='package')
def lab_project_admin_cloud(lab):
    """openstacksdk Connection as the project-scoped admin (Nova etc.)."""
    conn = _connect(lab, 'project_admin_cloud')
    yield conn
    conn.close()
