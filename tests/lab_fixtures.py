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

"""The lab's fixtures, one set for every end-to-end package.

A package's conftest.py names the ones it uses (``lab =
lab_fixtures.lab``): pytest then registers them for that package, so that
a ``package`` scope is that package's (the fast lab comes up once for
tests/e2e and once for tests/faults, each taken down after its package
when the run started it, and the real lab once for tests/e2e_real), and
every package gets the same fixtures.

``lab`` (the fast lab): brings it up, or reuses one that already runs
(tests/lab_runs.py), and yields ``labctl status --json`` as a dict
(``ironic_url``, ``clouds_yaml``, ``cloud``, ``admin_cloud``,
``rescue_image``, ``disk_image``, ``flavor``, ``services`` ...). It also
sets ``OS_CLIENT_CONFIG_FILE`` to the lab's clouds.yaml for the whole run.

``lab_cloud`` / ``lab_admin_cloud`` / ``lab_project_admin_cloud``:
openstacksdk connections for the normal user (project ``demo``, who owns
the servers), the system-scoped admin (Ironic's admin) and the
project-scoped admin (Nova, Neutron, Glance, Keystone admin calls).

``real_lab`` (the real-virtualisation lab): ``labctl up --virt qemu`` (or
the real mode in ``$IOS_LAB_VIRT``), its status; ``in_lab`` runs commands
inside its network namespace (``status['exec_prefix']``) with its
clouds.yaml, which is how every client reaches its Keystone, Nova and
Ironic.

A lab that cannot come up fails the tests loudly; at the end a lab is
stopped only if this run started it, and not with ``IOS_LAB_KEEP=1``.
"""

import json
import os
import subprocess
import sys

import pytest

from tests import lab_runs

# A cold fast start installs Debian packages and two virtualenvs (a few
# minutes on 2 cores), a cold real start also builds the agent ramdisk and
# the instance image; a warm one takes about a minute. Generous bounds.
UP_TIMEOUT = int(os.environ.get('IOS_LAB_UP_TIMEOUT', '2400'))
REAL_UP_TIMEOUT = int(os.environ.get('IOS_LAB_UP_TIMEOUT', '3600'))
BIN = os.path.dirname(sys.executable)


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


def _real_virt():
    virt = os.environ.get('IOS_LAB_VIRT', 'qemu')
    return virt if virt in ('qemu', 'kvm') else 'qemu'


@pytest.fixture(scope='package')
def real_lab():
    status, started = lab_runs.bring_up(_real_virt(), REAL_UP_TIMEOUT)
    if not status.get('exec_prefix'):
        pytest.fail('the real lab gives no exec_prefix:\n%s'
                    % json.dumps(status, indent=2), pytrace=False)
    yield status
    lab_runs.take_down(started)


class InLab:
    """Runs commands where the real lab's addresses are reachable."""

    def __init__(self, status):
        self.status = status
        self.env = dict(os.environ,
                        OS_CLIENT_CONFIG_FILE=status['clouds_yaml'],
                        OS_BAREMETAL_API_VERSION='latest')

    def run(self, *argv, timeout=600, check=True):
        full = list(self.status['exec_prefix']) + list(argv)
        result = subprocess.run(full, env=self.env, capture_output=True,
                                text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError('%s exited %d:\n%s\n%s' % (
                ' '.join(full), result.returncode, result.stdout[-4000:],
                result.stderr[-4000:]))
        return result

    def openstack(self, cloud, *args, timeout=600, check=True):
        return self.run(os.path.join(BIN, 'openstack'), '--os-cloud', cloud,
                        *args, timeout=timeout, check=check)

    def json(self, cloud, *args, timeout=600):
        return json.loads(self.openstack(cloud, *args, '-f', 'json',
                                         timeout=timeout).stdout)

    def tool(self, *args, timeout=600):
        return self.run(os.path.join(BIN, 'ironic-openstack-nodes'), *args,
                        timeout=timeout)


@pytest.fixture(scope='package')
def in_lab(real_lab):
    return InLab(real_lab)
