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

"""Ironic cleans, deploys and re-deploys a real QEMU guest through the driver.

One Nova server on the lab's provisioning network, created and enrolled
with the package's own tool, walked by the real Ironic through:

    provide (automated cleaning) -> deploy -> guest paused -> undeploy
    (cleaning) -> deploy

Every boot of the agent is a Nova rescue with the iPXE image, DHCP from the
lab's dnsmasq, Ironic's boot.ipxe over HTTP and the agent's kernel and
ramdisk; every deploy writes the lab's instance image to the server's disk,
whose kernel prints a marker on the serial console when it booted from
that disk. After each step Ironic's view and Nova's must agree and the node
must need no help (no last_error, no maintenance, no pending target).

"Guest paused": the deployed guest's libvirt domain is paused behind
Nova's back (``virsh suspend``, as libvirt does on an I/O error); Nova
shows ACTIVE with power_state PAUSED, which its own power sync ignores.
Ironic's power sync must leave it alone too: the step watches
``IOS_LAB_PAUSED_SYNCS`` of its passes (default 1: each costs a sync
interval, 60 s in the lab), the first one seen in the node's health
(``Warning``), then resumes the guest (``virsh resume``): Nova's action
log has no new action, and the node is still active, booted once from its
disk (the marker once on its console).
"""

import configparser
import json
import os
import time
import uuid

from ironic_openstack_driver.tools import waiting
from tests.e2e_real import agent_console
from tests.e2e_real.agent_console import console_output

PREFIX = 'e2e-real-%s' % uuid.uuid4().hex[:6]
STEP_TIMEOUT = 1800
MARKER_TIMEOUT = 300
# Ironic's power sync passes the paused-guest step watches.
PAUSED_SYNCS = int(os.environ.get('IOS_LAB_PAUSED_SYNCS', '1'))


def node_view(in_lab, node):
    shown = in_lab.json('lab-admin', 'baremetal', 'node', 'show', node)
    boot = in_lab.json('lab-admin', 'baremetal', 'node', 'boot', 'device',
                       'show', node)
    return {
        'provision_state': shown['provision_state'],
        'power_state': shown['power_state'],
        'target_power_state': shown['target_power_state'],
        'target_provision_state': shown['target_provision_state'],
        'last_error': shown['last_error'],
        'maintenance': shown['maintenance'],
        'boot_device': boot.get('boot_device'),
        'server': shown['driver_info']['openstack_server'],
    }


def server_view(in_lab, server):
    shown = in_lab.json('lab', 'server', 'show', server)
    return {'status': shown['status'],
            'vm_state': shown.get('OS-EXT-STS:vm_state'),
            'task_state': shown.get('OS-EXT-STS:task_state'),
            'power_state': shown.get('OS-EXT-STS:power_state')}


def power_code(value):
    """Nova's power_state as an int (the CLI prints 'Running' or 1)."""
    names = {'running': 1, 'shutdown': 4, 'nostate': 0, 'paused': 3,
             'crashed': 6, 'suspended': 7}
    if isinstance(value, int):
        return value
    return names.get(str(value).lower().replace(' ', ''), value)


def settled(in_lab, node, expect_state, expect_power, expect_status,
            timeout=120):
    """Ironic's and Nova's views once they agree (or the last seen pair)."""
    deadline = time.monotonic() + timeout
    while True:
        n = node_view(in_lab, node)
        sv = server_view(in_lab, n['server'])
        nova_on = power_code(sv['power_state']) == 1
        agree = (n['provision_state'] == expect_state
                 and n['power_state'] == expect_power
                 and (expect_power == 'power on') == nova_on
                 and sv['status'] in expect_status
                 and sv['task_state'] is None
                 and n['target_power_state'] is None)
        if agree or time.monotonic() > deadline:
            return n, sv, agree
        time.sleep(3)


def assert_step(in_lab, table, step, node, expect_state, expect_power,
                expect_status, seconds):
    n, sv, agree = settled(in_lab, node, expect_state, expect_power,
                           expect_status)
    table.append((step, '%.0fs' % seconds, n['provision_state'],
                  n['power_state'], n['boot_device'], sv['status'],
                  sv['vm_state'], power_code(sv['power_state'])))
    assert agree, 'after %s Ironic and Nova disagree: %s / %s' % (
        step, n, sv)
    assert not n['last_error'], n
    assert not n['maintenance'], n
    assert n['target_provision_state'] is None, n
    return n, sv


def wait_marker(in_lab, server, marker, timeout=MARKER_TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        log = in_lab.openstack('lab', 'console', 'log', 'show', server,
                               check=False).stdout
        lines = [line for line in log.splitlines() if marker in line]
        if lines:
            return lines[0].strip()
        assert time.monotonic() < deadline, (
            'no %r on the console of %s after %ds; console tail:\n%s' % (
                marker, server, timeout, '\n'.join(log.splitlines()[-30:])))
        time.sleep(5)


def ironic_log_lines(real_lab, node_uuid, needle):
    with open(real_lab['services']['ironic']['log'], errors='replace') as f:
        return [line for line in f if node_uuid in line and needle in line]


def set_instance_info(in_lab, real_lab, node):
    in_lab.openstack(
        'lab-admin', 'baremetal', 'node', 'set', node,
        '--instance-info', 'image_source=%s' % real_lab['instance_image'],
        '--instance-info', 'image_checksum=%s'
        % real_lab['instance_image_checksum'],
        '--instance-info', 'image_disk_format=%s'
        % real_lab.get('instance_image_format', 'raw'))


def deploy(in_lab, real_lab, node):
    set_instance_info(in_lab, real_lab, node)
    t = time.monotonic()
    in_lab.openstack('lab-admin', 'baremetal', 'node', 'deploy', node,
                     '--wait', str(STEP_TIMEOUT), timeout=STEP_TIMEOUT + 60,
                     check=False)
    return time.monotonic() - t


def deploy_watching_the_agent(in_lab, real_lab, node, seen):
    """Deploy, and look at the console while the agent boots."""
    set_instance_info(in_lab, real_lab, node)
    t = time.monotonic()
    in_lab.openstack('lab-admin', 'baremetal', 'node', 'deploy', node)
    looked = False
    while True:
        state = in_lab.json('lab-admin', 'baremetal', 'node', 'show',
                            node)['provision_state']
        if state in ('active', 'deploy failed'):
            return time.monotonic() - t
        if state == 'wait call-back' and not looked:
            agent_console.look_inside_the_agent_boot(in_lab, node, seen)
            looked = True
        assert time.monotonic() - t < STEP_TIMEOUT, (node, state)
        time.sleep(5)


def ironic_option(real_lab, section, name, default):
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read(os.path.join(real_lab['state_dir'], 'etc', 'ironic',
                             'ironic.conf'))
    return float(parser.get(section, name, fallback=default))


def virsh(in_lab, real_lab, *args, check=True):
    """virsh on the lab's own libvirtd, in the lab's namespace."""
    socket = os.path.join(real_lab['state_dir'], 'libvirt', 'run',
                          'libvirt-sock')
    return in_lab.run('virsh', '-c', 'qemu+unix:///system?socket=%s'
                      % socket, *args, timeout=60, check=check)


def nova_actions(in_lab, server):
    return [(a['Request ID'], a['Action']) for a in in_lab.json(
        'lab', 'server', 'event', 'list', server)]


def pause_through_power_syncs(in_lab, real_lab, node, server, seen):
    """Pause the deployed guest behind Nova's back over Ironic's syncs.

    libvirt pauses a guest on an I/O error; Nova shows ACTIVE with
    power_state PAUSED and its power sync ignores that. Ironic's power sync
    must send nothing either (it used to read "power off" and hard-reboot
    the guest). Returns the seconds the step took.
    """
    interval = ironic_option(real_lab, 'conductor',
                             'sync_power_state_interval', 60)
    marker = real_lab['instance_marker']
    boots = console_output(in_lab, node, lines=10000).count(marker)
    actions = nova_actions(in_lab, server)
    health = in_lab.json('lab-admin', 'baremetal', 'node', 'show',
                         node).get('health')
    assert health != 'Warning', health
    t = time.monotonic()
    virsh(in_lab, real_lab, 'suspend', server)   # domain UUID = server's
    try:
        waiting.wait_for('power_state PAUSED in Nova', lambda: power_code(
            server_view(in_lab, server)['power_state']) == 3, 60, 1)
        # The first sync that reads it records the node's health.
        waiting.wait_for('health Warning in Ironic', lambda: in_lab.json(
            'lab-admin', 'baremetal', 'node', 'show', node).get('health')
            == 'Warning', interval + 60)
        seen['first sync after the pause (s)'] = round(
            time.monotonic() - t)
        watch_until = time.monotonic() + (PAUSED_SYNCS - 1) * interval + 5
        while time.monotonic() < watch_until:
            assert nova_actions(in_lab, server) == actions, (
                'Nova acted on the paused guest: %s' % nova_actions(
                    in_lab, server)[len(actions):])
            time.sleep(min(15, max(0, watch_until - time.monotonic())))
        seen['paused for (s)'] = round(time.monotonic() - t)
        seen['Ironic while paused'] = node_view(in_lab, node)
        seen['Nova while paused'] = server_view(in_lab, server)
    finally:
        # Not checked: after a reboot of the guest there is nothing to
        # resume, and the checks below say what happened.
        virsh(in_lab, real_lab, 'resume', server, check=False)
    waiting.wait_for('power_state RUNNING in Nova', lambda: power_code(
        server_view(in_lab, server)['power_state']) == 1, 60, 1)
    assert nova_actions(in_lab, server) == actions, (
        nova_actions(in_lab, server)[len(actions):])
    assert console_output(in_lab, node, lines=10000).count(marker) == boots
    paused = seen['Ironic while paused']
    assert (paused['provision_state'], paused['power_state']) == (
        'active', 'power on'), paused
    assert not paused['last_error'] and not paused['maintenance'], paused
    return time.monotonic() - t


def test_clean_deploy_undeploy_deploy_a_real_guest(real_lab, in_lab):
    table = []
    lab = real_lab
    t = time.monotonic()
    in_lab.tool('--os-cloud', 'lab', 'create-nodes', '--count', '1',
                '--prefix', PREFIX, '--flavor', lab['flavor'],
                '--image', lab['disk_image'],
                '--network', lab['provisioning_network'])
    server = in_lab.json('lab', 'server', 'show', PREFIX + '-0')['id']
    node = PREFIX + '-0'
    try:
        in_lab.tool('--os-cloud', 'lab', 'enroll', '--prefix', PREFIX,
                    '--network', lab['provisioning_network'],
                    '--ironic-cloud', 'lab-admin', '--manage', '--provide',
                    '--timeout', str(STEP_TIMEOUT),
                    timeout=STEP_TIMEOUT + 60)
        uuid_ = in_lab.json('lab-admin', 'baremetal', 'node', 'show',
                            node)['uuid']
        assert_step(in_lab, table, 'enroll + provide (cleaning)', node,
                    'available', 'power off', ('SHUTOFF', 'RESCUE'),
                    time.monotonic() - t)
        assert ironic_log_lines(lab, uuid_, 'erase_devices_metadata'), (
            'cleaning never ran erase_devices_metadata on %s' % uuid_)

        seen = {}
        seconds = deploy_watching_the_agent(in_lab, lab, node, seen)
        assert_step(in_lab, table, 'deploy', node, 'active', 'power on',
                    ('ACTIVE',), seconds)
        print('while the agent booted: %s' % json.dumps(seen, indent=1))
        assert seen['console type'] == 'novnc', seen
        answer = seen['console answers']
        assert answer['accepted'] and answer['version'] == 'RFB 003.008', (
            answer)
        assert answer['security_result'] == 0, answer
        # QEMU names the desktop after the libvirt domain.
        assert 'instance-' in answer['name'], answer
        first = wait_marker(in_lab, server, lab['instance_marker'])
        # The booted instance's console log, through Ironic.
        assert lab['instance_marker'] in console_output(in_lab, node)

        paused = {}
        seconds = pause_through_power_syncs(in_lab, lab, node, server,
                                            paused)
        print('guest paused over %d power sync(s): %s'
              % (PAUSED_SYNCS, json.dumps(paused, indent=1)))
        assert_step(in_lab, table, 'guest paused, resumed', node, 'active',
                    'power on', ('ACTIVE',), seconds)

        t = time.monotonic()
        in_lab.openstack('lab-admin', 'baremetal', 'node', 'undeploy', node,
                         '--wait', str(STEP_TIMEOUT),
                         timeout=STEP_TIMEOUT + 60, check=False)
        assert_step(in_lab, table, 'undeploy (cleaning)', node, 'available',
                    'power off', ('SHUTOFF', 'RESCUE'),
                    time.monotonic() - t)

        seconds = deploy(in_lab, lab, node)
        assert_step(in_lab, table, 'deploy again', node, 'active',
                    'power on', ('ACTIVE',), seconds)
        second = wait_marker(in_lab, server, lab['instance_marker'])
        actions = [a['Action'] for a in in_lab.json(
            'lab', 'server', 'event', 'list', server)]
        assert actions.count('rescue') >= 4, actions
        print('console marker after deploy 1: %s' % first)
        print('console marker after deploy 2: %s' % second)
    finally:
        print('\n%-28s %6s %-12s %-10s %-6s %-8s %-9s %s' % (
            'step', 'time', 'provision', 'power', 'boot', 'Nova', 'vm_state',
            'power_state'))
        for row in table:
            print('%-28s %6s %-12s %-10s %-6s %-8s %-9s %s' % row)
        # Leave nothing behind, whatever happened (maintenance lets Ironic
        # delete a node in any state).
        in_lab.openstack('lab-admin', 'baremetal', 'node', 'maintenance',
                         'set', node, check=False)
        in_lab.openstack('lab-admin', 'baremetal', 'node', 'delete', node,
                         check=False)
        in_lab.openstack('lab', 'server', 'delete', '--wait', server,
                         check=False)
        in_lab.openstack('lab', 'port', 'delete',
                         node + '-provisioning', check=False)
