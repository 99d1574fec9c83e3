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

"""Ironic's agent rescue of a deployed real QEMU guest, and back.

One Nova server on the lab's provisioning network, enrolled with the
package's tool (automated cleaning off for this node: the walk is about
rescue, and test_deploy.py cleans), deployed as test_deploy.py deploys,
then:

    rescue (--rescue-password) -> SSH login as ``rescue`` -> unrescue

The rescue stops the server's disk and boots the agent (Nova rescue with
the iPXE image); the agent's finalize_rescue writes the password, the
ramdisk creates the ``rescue`` user and starts sshd. From the lab's
network namespace the OpenSSH client logs in with that password (no
terminal: ``SSH_ASKPASS_REQUIRE=force``) and runs ``sudo``. The unrescue
brings the server back to ACTIVE, booted from its disk (the instance's
marker on its console again). After each step Ironic's view and Nova's
must agree and the node must need no help.

Marked slow (tox -e tests leaves it out): run it by path,
``tox -e e2e -- tests/e2e_real/test_rescue.py`` under with-lab qemu.
"""

import os
import shutil
import subprocess
import time
import uuid

import pytest

from ironic_openstack_driver.tools import waiting
from ironic_openstack_driver_tempest_plugin import leases
from tests.e2e_real import test_deploy as real

PREFIX = 'e2e-rescue-%s' % uuid.uuid4().hex[:6]
#: The lab's dnsmasq grants one-hour leases (lab/labkit/network/bridge.py).
LEASE_SECONDS = 3600
#: From the rescue state to sshd answering: the rescue user's creation,
#: the host keys and sshd's start under emulation.
SSH_TIMEOUT = 300
#: On every line the agent logs to its console (ttyS0).
AGENT_LOG = 'ironic-python-agent['
ASKPASS = '#!/bin/sh\nprintf "%s\\n" "$IOS_LAB_RESCUE_PASSWORD"\n'


def agent_address(in_lab, real_lab, node, since):
    """The rescue agent's address: its newest DHCP lease since ``since``.

    iPXE and the agent each take a lease (different client IDs), the
    agent's last.
    """
    macs = [p['address'] for p in in_lab.json(
        'lab-admin', 'baremetal', 'port', 'list', '--node', node)]
    path = os.path.join(real_lab['state_dir'], 'data', 'dnsmasq', 'leases')
    with open(path) as f:
        return leases.newest_address(f.read(), macs, since, LEASE_SECONDS)


def ssh_as_rescue(real_lab, address, password, askpass, command):
    """OpenSSH's client in the lab's namespace, password from askpass."""
    argv = list(real_lab['exec_prefix']) + [
        'ssh', '-F', '/dev/null',
        '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
        '-o', 'PubkeyAuthentication=no',
        '-o', 'PreferredAuthentications=password,keyboard-interactive',
        '-o', 'NumberOfPasswordPrompts=1', '-o', 'ConnectTimeout=10',
        '-o', 'LogLevel=ERROR', 'rescue@%s' % address, command]
    env = dict(os.environ, SSH_ASKPASS=askpass, SSH_ASKPASS_REQUIRE='force',
               DISPLAY='none', IOS_LAB_RESCUE_PASSWORD=password)
    return subprocess.run(argv, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.slow
def test_rescue_login_and_unrescue_a_deployed_real_guest(real_lab, in_lab,
                                                         tmp_path):
    if not shutil.which('ssh'):
        pytest.fail('no OpenSSH client (ssh) on this machine: labctl up '
                    '--virt qemu installs openssh-client', pytrace=False)
    lab = real_lab
    marker = lab['instance_marker']
    password = 'r-%s' % uuid.uuid4().hex[:12]
    askpass = tmp_path / 'askpass'
    askpass.write_text(ASKPASS)
    askpass.chmod(0o700)
    table = []
    node = PREFIX + '-0'
    server = None
    t = time.monotonic()
    try:
        in_lab.tool('--os-cloud', 'lab', 'create-nodes', '--count', '1',
                    '--prefix', PREFIX, '--flavor', lab['flavor'],
                    '--image', lab['disk_image'],
                    '--network', lab['provisioning_network'])
        server = in_lab.json('lab', 'server', 'show', node)['id']
        in_lab.tool('--os-cloud', 'lab', 'enroll', '--prefix', PREFIX,
                    '--network', lab['provisioning_network'],
                    '--ironic-cloud', 'lab-admin', '--manage')
        print('node %s (server %s)' % (in_lab.json(
            'lab-admin', 'baremetal', 'node', 'show', node)['uuid'], server))
        in_lab.openstack('lab-admin', 'baremetal', 'node', 'set', node,
                         '--rescue-interface', 'agent',
                         '--no-automated-clean')
        in_lab.openstack('lab-admin', 'baremetal', 'node', 'provide', node,
                         '--wait', '300', timeout=360)
        seconds = real.deploy(in_lab, lab, node)
        real.assert_step(in_lab, table, 'enroll, provide, deploy', node,
                         'active', 'power on', ('ACTIVE',),
                         time.monotonic() - t)
        real.wait_marker(in_lab, server, marker)
        print('deploy alone: %.0fs' % seconds)
        actions = real.nova_actions(in_lab, server)

        t = time.monotonic()
        since = time.time()
        in_lab.openstack('lab-admin', 'baremetal', 'node', 'rescue', node,
                         '--rescue-password', password,
                         '--wait', str(real.STEP_TIMEOUT),
                         timeout=real.STEP_TIMEOUT + 60, check=False)
        n, _sv = real.assert_step(in_lab, table, 'rescue', node, 'rescue',
                                  'power on', ('RESCUE',),
                                  time.monotonic() - t)
        # Ironic's PXE boot of the agent was one-time: the disk is next.
        assert n['boot_device'] == 'disk', n
        # Nova lists the newest action first.
        new = [a for _req, a in real.nova_actions(in_lab, server)][
            :-len(actions)]
        assert new == ['rescue', 'stop'], new
        # The agent runs there, not the instance.
        log = in_lab.openstack('lab', 'console', 'log', 'show', server,
                               check=False).stdout
        assert AGENT_LOG in log and marker not in log, log[-2000:]

        t = time.monotonic()
        address = agent_address(in_lab, lab, node, since)
        assert address, 'no DHCP lease of %s since the rescue' % node
        tries = []

        def logged_in():
            result = ssh_as_rescue(lab, address, password, str(askpass),
                                   'id -un; sudo -n id -u')
            tries.append((result.returncode, result.stderr.strip()[-200:]))
            return result.returncode == 0 and result.stdout.split() == [
                'rescue', '0']

        def failed(msg):
            return AssertionError('%s; last tries (exit status, stderr): %s'
                                  % (msg, tries[-3:]))

        waiting.wait_for('SSH login as rescue@%s' % address, logged_in,
                         SSH_TIMEOUT, 5, error=failed)
        table.append(('SSH login as rescue', '%.0fs' % (time.monotonic() - t),
                      address, '%d tries' % len(tries), '', '', '', ''))
        # A wrong password is refused.
        wrong = ssh_as_rescue(lab, address, password + 'x', str(askpass),
                              'true')
        assert wrong.returncode == 255, (wrong.returncode, wrong.stderr)

        t = time.monotonic()
        in_lab.openstack('lab-admin', 'baremetal', 'node', 'unrescue', node,
                         '--wait', str(real.STEP_TIMEOUT),
                         timeout=real.STEP_TIMEOUT + 60, check=False)
        n, _sv = real.assert_step(in_lab, table, 'unrescue', node, 'active',
                                  'power on', ('ACTIVE',),
                                  time.monotonic() - t)
        assert n['boot_device'] == 'disk', n
        line = real.wait_marker(in_lab, server, marker)
        table.append(('unrescue: marker', '%.0fs' % (time.monotonic() - t),
                      line[:40], '', '', '', '', ''))
        new = [a for _req, a in real.nova_actions(in_lab, server)][
            :-len(actions)]
        assert new == ['start', 'stop', 'unrescue', 'rescue', 'stop'], new
    finally:
        print('\n%-28s %6s %-12s %-10s %-6s %-8s %-9s %s' % (
            'step', 'time', 'provision', 'power', 'boot', 'Nova', 'vm_state',
            'power_state'))
        for row in table:
            print('%-28s %6s %-12s %-10s %-6s %-8s %-9s %s' % row)
        in_lab.openstack('lab-admin', 'baremetal', 'node', 'maintenance',
                         'set', node, check=False)
        in_lab.openstack('lab-admin', 'baremetal', 'node', 'delete', node,
                         check=False)
        if server:
            in_lab.openstack('lab', 'server', 'delete', '--wait', server,
                             check=False)
        in_lab.openstack('lab', 'port', 'delete', node + '-provisioning',
                         check=False)
