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

"""The real-virtualisation lab for end-to-end tests (real QEMU guests).

``real_lab`` (package): runs ``lab/labctl.py up --virt qemu`` (or the mode
in ``$IOS_LAB_VIRT`` when it names a real one), yields ``status --json``
and, at the end, stops the lab if this run started it (not with
``IOS_LAB_KEEP=1``). A lab that cannot come up fails the tests loudly.

The lab lives in its own network namespace: ``in_lab`` runs a command
there (``status['exec_prefix']``) with the lab's clouds.yaml, which is how
every client of these tests reaches Keystone, Nova and Ironic.
"""

import json
import os
import subprocess
import sys

import pytest

from tests import lab_runs

# A cold real-mode start builds the agent ramdisk and the instance image.
UP_TIMEOUT = int(os.environ.get('IOS_LAB_UP_TIMEOUT', '3600'))
BIN = os.path.dirname(sys.executable)


def _virt():
    virt = os.environ.get('IOS_LAB_VIRT', 'qemu')
    return virt if virt in ('qemu', 'kvm') else 'qemu'


@pytest.fixture(scope='package')
def real_lab():
    status, started = lab_runs.bring_up(_virt(), UP_TIMEOUT)
    if not status.get('exec_prefix'):
        pytest.fail('the real lab gives no exec_prefix:\n%s'
                    % json.dumps(status, indent=2), pytrace=False)
    yield status
    lab_runs.take_down(started)


class InLab:
    """Runs commands where the lab's addresses are reachable."""

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
