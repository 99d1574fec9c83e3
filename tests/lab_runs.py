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

"""Bringing the local lab up for an end-to-end package, and down after it.

Shared by tests/e2e (the fast mode) and tests/e2e_real (the real mode):
``bring_up`` runs ``lab/labctl.py up --virt VIRT`` even when the lab runs
already (``up`` is idempotent and reinstalls the driver, restarting Ironic
if its code changed, so the tests exercise the current code), fails the
tests loudly when the lab does not come up, and says whether this run
started it; ``take_down`` stops it then, unless ``IOS_LAB_KEEP=1``.
"""

import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABCTL = os.path.join(REPO, 'lab', 'labctl.py')


def labctl(*args, timeout=300):
    return subprocess.run([sys.executable, LABCTL] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=timeout)


def status(timeout=300):
    """``labctl status --json`` as a dict, or None."""
    result = labctl('status', '--json', timeout=timeout)
    try:
        return json.loads(result.stdout)
    except ValueError:
        return None


def tail(text, lines=80):
    return '\n'.join(text.splitlines()[-lines:])


def bring_up(virt, timeout):
    """Bring the lab up in mode ``virt``; return (status, started)."""
    before = status()
    started = not (before and before.get('running')
                   and before.get('virt') == virt)
    try:
        result = labctl('up', '--virt', virt, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout or ''
        if isinstance(out, bytes):
            out = out.decode('utf-8', 'replace')
        pytest.fail('lab/labctl.py up --virt %s did not finish in %ds:\n%s'
                    % (virt, timeout, tail(out)), pytrace=False)
    if result.returncode != 0:
        pytest.fail('lab/labctl.py up --virt %s failed (exit %d):\n%s' % (
            virt, result.returncode, tail(result.stdout)), pytrace=False)
    now = status()
    if not (now and now.get('running') and now.get('virt') == virt):
        pytest.fail('the lab came up but status disagrees:\n%s'
                    % json.dumps(now, indent=2), pytrace=False)
    return now, started


def connect(status, cloud):
    """An openstacksdk Connection to the lab as ``status[cloud]``.

    :param cloud: a key of the status naming a cloud of its clouds.yaml:
        'cloud', 'admin_cloud' or 'project_admin_cloud'.
    """
    import openstack.config
    import openstack.connection
    config = openstack.config.OpenStackConfig(
        config_files=[status['clouds_yaml']])
    return openstack.connection.Connection(
        config=config.get_one(cloud=status[cloud]))


def take_down(started):
    if started and os.environ.get('IOS_LAB_KEEP') != '1':
        labctl('down', timeout=600)
