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
one that already runs (tests/lab_runs.py), and yields
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

import os

import pytest

from tests import lab_runs

# A cold start installs Debian packages and two virtualenvs (a few minutes
# on 2 cores); a warm one takes about a minute. The bound is generous.
UP_TIMEOUT = int(os.environ.get('IOS_LAB_UP_TIMEOUT', '2400'))


@pytest.fixture(scope='package')
def lab():
    status, started = lab_runs.bring_up('fake', UP_TIMEOUT)
    # Let every client of the test run (openstacksdk, the openstack CLI)
    # find the lab's clouds.yaml by cloud name alone.
    os.environ['OS_CLIENT_CONFIG_FILE'] = status['clouds_yaml']
    yield status
    lab_runs.take_down(started)


@pytest.fixture(scope='package')
def lab_cloud(lab):
    """openstacksdk Connection as the lab's normal user."""
    conn = lab_runs.connect(lab, 'cloud')
    yield conn
    conn.close()


@pytest.fixture(scope='package')
def lab_admin_cloud(lab):
    """openstacksdk Connection as the system-scoped admin (for Ironic)."""
    conn = lab_runs.connect(lab, 'admin_cloud')
    yield conn
    conn.close()


@pytest.fixture(scope='package')
def lab_project_admin_cloud(lab):
    """openstacksdk Connection as the project-scoped admin (Nova etc.)."""
    conn = lab_runs.connect(lab, 'project_admin_cloud')
    yield conn
    conn.close()
