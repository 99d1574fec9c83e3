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

"""A real QEMU guest already running its disk, adopted, power-cycled.

The lab's instance image (whose kernel prints a marker on the serial
console once booted from disk) goes into Glance; ``create-nodes`` makes a
server of it, which is started and shows the marker: a server in use.
``enroll --adopt`` makes its node active with no Nova action (the action
log and the console unchanged); then Ironic powers the node off and on,
and the server boots its own disk again (Nova: stop, start, no rescue; a
new marker on the console).

Marked slow (tox -e tests leaves it out): run it by path,
``tox -e e2e -- tests/e2e_real/test_adopt.py`` under with-lab qemu.
"""

import os
import sys
import tempfile
import time
import uuid

import pytest

from ironic_openstack_driver.tools import waiting
from tests.e2e_real import test_deploy as real

PREFIX = 'e2e-adopt-%s' % uuid.uuid4().hex[:6]
TIMEOUT = 600


def _console(in_lab, server):
    return in_lab.openstack('lab', 'console', 'log', 'show', server,
                            check=False).stdout


def _new_boot(in_lab, server, marker, before):
    """Wait for a marker printed after the console log ``before``."""
    def booted():
        log = _console(in_lab, server)
        if log.count(marker) > before.count(marker):
            return True
        # A log that restarted with the guest holds only the new boot.
        return not log.startswith(before[:200]) and marker in log
    waiting.wait_for('a new %r on the console of %s' % (marker, server),
                     booted, real.MARKER_TIMEOUT, 5)


@pytest.mark.slow
def test_adopt_a_running_guest_then_power_cycle_it_from_its_disk(
        real_lab, in_lab):
    lab = real_lab
    marker = lab['instance_marker']
    node = server_name = PREFIX + '-0'
    image = PREFIX + '-instance'
    t = time.monotonic()
    timings = {}
    server = None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'instance.qcow2')
            in_lab.run(sys.executable, '-c',
                       'import sys, urllib.request; '
                       'urllib.request.urlretrieve(sys.argv[1], sys.argv[2])',
                       lab['instance_image_qcow2'], path)
            in_lab.openstack('lab', 'image', 'create', '--disk-format',
                             'qcow2', '--container-format', 'bare',
                             '--file', path, image)
        in_lab.tool('--os-cloud', 'lab', 'create-nodes', '--count', '1',
                    '--prefix', PREFIX, '--flavor', lab['flavor'],
                    '--image', image,
                    '--network', lab['provisioning_network'])
        server = in_lab.json('lab', 'server', 'show', server_name)['id']
        in_lab.openstack('lab', 'server', 'start', server)
        real.wait_marker(in_lab, server, marker)
        timings['server in use'] = time.monotonic() - t
        actions = real.nova_actions(in_lab, server)
        console = _console(in_lab, server)

        t = time.monotonic()
        in_lab.tool('--os-cloud', 'lab', 'enroll', '--prefix', PREFIX,
                    '--network', lab['provisioning_network'],
                    '--ironic-cloud', 'lab-admin', '--adopt',
                    '--timeout', str(TIMEOUT), timeout=TIMEOUT + 60)
        n, sv, agree = real.settled(in_lab, node, 'active', 'power on',
                                    ('ACTIVE',))
        timings['enroll --adopt'] = time.monotonic() - t
        assert agree, (n, sv)
        assert not n['last_error'] and not n['maintenance'], n
        assert n['boot_device'] == 'disk', n
        assert real.nova_actions(in_lab, server) == actions
        assert _console(in_lab, server).count(marker) == console.count(
            marker)

        t = time.monotonic()
        in_lab.openstack('lab-admin', 'baremetal', 'node', 'power', 'off',
                         node, '--power-timeout', '120', timeout=180)
        n, sv, agree = real.settled(in_lab, node, 'active', 'power off',
                                    ('SHUTOFF',))
        assert agree, (n, sv)
        console = _console(in_lab, server)
        in_lab.openstack('lab-admin', 'baremetal', 'node', 'power', 'on',
                         node, '--power-timeout', '120', timeout=180)
        n, sv, agree = real.settled(in_lab, node, 'active', 'power on',
                                    ('ACTIVE',))
        assert agree, (n, sv)
        _new_boot(in_lab, server, marker, console)
        timings['power off, on, marker'] = time.monotonic() - t
        assert not n['last_error'] and not n['maintenance'], n
        # Nova lists the newest action first.
        after = [a for _req, a in real.nova_actions(in_lab, server)]
        assert after == ['start', 'stop'] + [a for _req, a in actions], (
            after)
    finally:
        print('timings (s): %s' % {k: round(v) for k, v in timings.items()})
        in_lab.openstack('lab-admin', 'baremetal', 'node', 'maintenance',
                         'set', node, check=False)
        in_lab.openstack('lab-admin', 'baremetal', 'node', 'delete', node,
                         check=False)
        if server:
            in_lab.openstack('lab', 'server', 'delete', '--wait', server,
                             check=False)
        in_lab.openstack('lab', 'port', 'delete',
                         node + '-provisioning', check=False)
        in_lab.openstack('lab', 'image', 'delete', image, check=False)
