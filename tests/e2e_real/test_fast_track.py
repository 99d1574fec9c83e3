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

"""Ironic's fast track on real QEMU guests: one agent boot, two steps.

The lab's fast track (``labctl up --virt qemu --fast-track``: Ironic's
``[deploy]fast_track``) is turned on for these tests and set back as it
was afterwards. One Nova server per test, then:

    manage -> provide (automated cleaning with the agent) -> deploy

with the ipxe boot interface (created and enrolled with the package's
tool, as test_deploy.py does) and with openstack-virtual-media (enrolled
by hand, as test_virtual_media.py does). The cleaning boots the agent (a
Nova rescue with the iPXE image, or the node's ISO) and, with fast track,
leaves it running there: the node is ``available`` and reads ``power
on``, the server is in RESCUE. The deploy right after uses that agent:
Nova's action log of the server shows one ``rescue`` for the cleaning and
the deploy, then the ``unrescue`` that boots the instance from its disk
(its marker on the console), and the node is ``active``. After each step
Ironic's view and Nova's must agree and the node must need no help.

Marked slow (tox -e tests leaves them out): run them by path,
``tox -e e2e -- tests/e2e_real/test_fast_track.py`` under with-lab qemu
(``-k ipxe`` or ``-k virtual_media`` for one).
"""

import random
import time
import uuid

import pytest

from tests.e2e_real import test_deploy as real
from tests.e2e_real import test_virtual_media as vmedia
from tests import lab_fixtures
from tests import lab_runs

PREFIX = 'e2e-fast-%s' % uuid.uuid4().hex[:6]


def _up(virt, fast_track):
    """``labctl up`` with fast track on or off; fails the test loudly."""
    flag = '--fast-track' if fast_track else '--no-fast-track'
    result = lab_runs.labctl('up', '--virt', virt, flag,
                             timeout=lab_fixtures.REAL_UP_TIMEOUT)
    if result.returncode != 0:
        pytest.fail('lab/labctl.py up --virt %s %s failed (exit %d):\n%s'
                    % (virt, flag, result.returncode,
                       lab_runs.tail(result.stdout)), pytrace=False)
    return lab_runs.status()


@pytest.fixture(scope='module')
def fast_track_lab(real_lab):
    """The real lab with Ironic's fast track on; as it was afterwards."""
    virt = real_lab['virt']
    was_on = bool(real_lab.get('fast_track'))
    try:
        status = _up(virt, True)
        assert status and status.get('running') and status.get(
            'fast_track'), status
        yield status
    finally:
        _up(virt, was_on)


def provide_then_deploy(in_lab, lab, table, node, node_uuid, server):
    """A manageable node: provide, then deploy right after; one rescue."""
    before = real.nova_actions(in_lab, server)
    t = time.monotonic()
    in_lab.openstack('lab-admin', 'baremetal', 'node', 'provide', node,
                     '--wait', str(real.STEP_TIMEOUT),
                     timeout=real.STEP_TIMEOUT + 60, check=False)
    # The agent runs on in Nova's rescue: no power off at the end.
    real.assert_step(in_lab, table, 'provide (cleaning)', node, 'available',
                     'power on', ('RESCUE',), time.monotonic() - t)
    assert real.ironic_log_lines(lab, node_uuid, 'erase_devices_metadata'), (
        'cleaning never ran erase_devices_metadata on %s' % node_uuid)

    seconds = real.deploy(in_lab, lab, node)
    n, _sv = real.assert_step(in_lab, table, 'deploy right after', node,
                              'active', 'power on', ('ACTIVE',), seconds)
    assert n['boot_device'] == 'disk', n
    line = real.wait_marker(in_lab, server, lab['instance_marker'])
    table.append(('instance marker', '', line[:40], '', '', '', '', ''))
    # Nova lists the newest action first: one agent boot (rescue) for the
    # cleaning and the deploy, then the instance's boot from its disk.
    new = [a for _req, a in real.nova_actions(in_lab, server)][
        :-len(before) or None]
    assert new == ['unrescue', 'rescue'], (
        'Nova actions since manage (newest first): %s' % new)


def print_table(table):
    print('\n%-28s %6s %-12s %-10s %-6s %-8s %-9s %s' % (
        'step', 'time', 'provision', 'power', 'boot', 'Nova', 'vm_state',
        'power_state'))
    for row in table:
        print('%-28s %6s %-12s %-10s %-6s %-8s %-9s %s' % row)


def remove(in_lab, node, server, port):
    """Leave nothing behind (maintenance: Ironic deletes in any state)."""
    in_lab.openstack('lab-admin', 'baremetal', 'node', 'maintenance', 'set',
                     node, check=False)
    in_lab.openstack('lab-admin', 'baremetal', 'node', 'delete', node,
                     check=False)
    if server:
        in_lab.openstack('lab', 'server', 'delete', '--wait', server,
                         check=False)
    in_lab.openstack('lab', 'port', 'delete', port, check=False)


@pytest.mark.slow
def test_ipxe_provide_then_deploy_boots_the_agent_once(fast_track_lab,
                                                       in_lab):
    lab = fast_track_lab
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
        node_uuid = in_lab.json('lab-admin', 'baremetal', 'node', 'show',
                                node)['uuid']
        print('node %s (server %s)' % (node_uuid, server))
        # create-nodes stops the servers it made.
        real.assert_step(in_lab, table, 'enroll + manage', node,
                         'manageable', 'power off', ('SHUTOFF',),
                         time.monotonic() - t)
        provide_then_deploy(in_lab, lab, table, node, node_uuid, server)
    finally:
        print_table(table)
        remove(in_lab, node, server, node + '-provisioning')


@pytest.mark.slow
def test_virtual_media_provide_then_deploy_boots_the_iso_once(
        fast_track_lab, in_lab):
    lab = fast_track_lab
    table = []
    prefix = PREFIX + '-vm'
    node = prefix + '-0'
    port_name = node + '-provisioning'
    server = node_uuid = None
    # A MAC the lab's dnsmasq ignores: the ISO's network_data configures
    # the agent (test_virtual_media.py).
    mac = '%s:%02x:%02x:%02x' % (lab['vmedia_mac_prefix'],
                                 *(random.randrange(256) for _ in range(3)))
    t = time.monotonic()
    try:
        in_lab.openstack('lab', 'port', 'create', '--network',
                         lab['vmedia_network'], '--mac-address', mac,
                         port_name)
        port = in_lab.json('lab', 'port', 'show', port_name)
        in_lab.tool('--os-cloud', 'lab', 'create-nodes', '--count', '1',
                    '--prefix', prefix, '--flavor', lab['flavor'],
                    '--image', lab['disk_image'], '--boot', 'virtual-media',
                    '--network', lab['vmedia_network'])
        server = in_lab.json('lab', 'server', 'show', node)['id']
        node_uuid = vmedia.enroll_by_hand(in_lab, lab, node, server, port)
        print('node %s (server %s)' % (node_uuid, server))
        real.assert_step(in_lab, table, 'enroll + manage', node,
                         'manageable', 'power off', ('SHUTOFF',),
                         time.monotonic() - t)
        provide_then_deploy(in_lab, lab, table, node, node_uuid, server)
        # The instance boots from its disk: its ISOs are gone.
        assert vmedia.vmedia_images(in_lab, node_uuid) == []
    finally:
        print_table(table)
        remove(in_lab, node, server, port_name)
        if node_uuid:
            for image in in_lab.json('lab', 'image', 'list', '--tag',
                                     'ironic-vmedia-%s' % node_uuid):
                in_lab.openstack('lab', 'image', 'delete', image['ID'],
                                 check=False)
