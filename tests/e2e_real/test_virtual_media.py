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

"""A real QEMU guest cleaned and deployed through virtual media, no DHCP.

One Nova server on the lab's virtual media network (an ordinary network:
a subnet, Neutron's addressing, port security on), created and enrolled
with the package's tool (``--boot virtual-media``: boot interface
openstack-virtual-media, network_data from the Neutron port). Its port's
MAC starts with the lab's ``vmedia_mac_prefix``, which the lab's dnsmasq
ignores: no DHCP answers this node. Walked by the real Ironic through:

    provide (automated cleaning) -> deploy -> undeploy (cleaning) -> deploy

Every agent boot is a Nova rescue with the node's ISO (agent kernel and
ramdisk, network_data as a config drive) uploaded to Glance; every deploy
writes the instance image, whose kernel prints a marker on the serial
console when it booted from that disk. After each step Ironic's and
Nova's views must agree, and the node's ISOs must be gone from Glance.
"""

import random
import time
import uuid

from tests.e2e_real.test_deploy import assert_step
from tests.e2e_real.test_deploy import deploy
from tests.e2e_real.test_deploy import ironic_log_lines
from tests.e2e_real.test_deploy import STEP_TIMEOUT
from tests.e2e_real.test_deploy import wait_marker

PREFIX = 'e2e-vmedia-%s' % uuid.uuid4().hex[:6]


def vmedia_images(in_lab, node_uuid):
    """Names and statuses of the node's ISOs in Glance (by their tag)."""
    images = in_lab.json('lab', 'image', 'list', '--long',
                         '--tag', 'ironic-vmedia-%s' % node_uuid)
    return ['%s (%s)' % (i['Name'], i['Status']) for i in images]


def dhcp_lines(real_lab, mac):
    with open(real_lab['services']['dnsmasq']['log'], errors='replace') as f:
        return [line.strip() for line in f
                if mac in line.lower() and 'DHCP' in line]


def test_clean_deploy_undeploy_deploy_through_virtual_media(real_lab,
                                                            in_lab):
    lab = real_lab
    table, glance = [], []
    node = PREFIX + '-0'
    port_name = node + '-provisioning'
    mac = '%s:%02x:%02x:%02x' % (lab['vmedia_mac_prefix'],
                                 *(random.randrange(256) for _ in range(3)))
    dhcp_before = len(dhcp_lines(lab, mac))
    # The port first, with a MAC dnsmasq ignores; create-nodes reuses it.
    in_lab.openstack('lab', 'port', 'create', '--network',
                     lab['vmedia_network'], '--mac-address', mac, port_name)
    port = in_lab.json('lab', 'port', 'show', port_name)
    assert port['port_security_enabled'] is True, port
    assert port['fixed_ips'], port
    t = time.monotonic()
    in_lab.tool('--os-cloud', 'lab', 'create-nodes', '--count', '1',
                '--prefix', PREFIX, '--flavor', lab['flavor'],
                '--image', lab['disk_image'], '--boot', 'virtual-media',
                '--network', lab['vmedia_network'])
    server = in_lab.json('lab', 'server', 'show', node)['id']
    uuid_ = None

    def record(step):
        glance.append((step, vmedia_images(in_lab, uuid_)))

    try:
        in_lab.tool('--os-cloud', 'lab', 'enroll', '--prefix', PREFIX,
                    '--network', lab['vmedia_network'], '--boot',
                    'virtual-media', '--ironic-cloud', 'lab-admin',
                    '--manage', '--provide', '--timeout', str(STEP_TIMEOUT),
                    timeout=STEP_TIMEOUT + 60)
        shown = in_lab.json('lab-admin', 'baremetal', 'node', 'show', node)
        uuid_ = shown['uuid']
        assert shown['boot_interface'] == 'openstack-virtual-media', shown
        assert shown['network_data']['links'][0][
            'ethernet_mac_address'] == mac, shown['network_data']
        assert_step(in_lab, table, 'enroll + provide (cleaning)', node,
                    'available', 'power off', ('SHUTOFF', 'RESCUE'),
                    time.monotonic() - t)
        record('enroll + provide (cleaning)')
        assert ironic_log_lines(lab, uuid_, 'erase_devices_metadata'), (
            'cleaning never ran erase_devices_metadata on %s' % uuid_)
        assert ironic_log_lines(lab, uuid_, 'uploaded virtual media ISO')

        seconds = deploy(in_lab, lab, node)
        assert_step(in_lab, table, 'deploy', node, 'active', 'power on',
                    ('ACTIVE',), seconds)
        record('deploy')
        first = wait_marker(in_lab, server, lab['instance_marker'])

        t = time.monotonic()
        in_lab.openstack('lab-admin', 'baremetal', 'node', 'undeploy', node,
                         '--wait', str(STEP_TIMEOUT),
                         timeout=STEP_TIMEOUT + 60, check=False)
        assert_step(in_lab, table, 'undeploy (cleaning)', node, 'available',
                    'power off', ('SHUTOFF', 'RESCUE'),
                    time.monotonic() - t)
        record('undeploy (cleaning)')

        seconds = deploy(in_lab, lab, node)
        assert_step(in_lab, table, 'deploy again', node, 'active',
                    'power on', ('ACTIVE',), seconds)
        record('deploy again')
        second = wait_marker(in_lab, server, lab['instance_marker'])
        actions = [a['Action'] for a in in_lab.json(
            'lab', 'server', 'event', 'list', server)]
        assert actions.count('rescue') >= 4, actions
        for step, images in glance:
            assert images == [], 'ISOs left in Glance after %s: %s' % (
                step, images)
        dhcp = dhcp_lines(lab, mac)[dhcp_before:]
        assert not [line for line in dhcp if 'DHCPACK' in line], dhcp
        print('console marker after deploy 1: %s' % first)
        print('console marker after deploy 2: %s' % second)
        print('dnsmasq lines for %s: %s' % (mac, dhcp or 'none'))
    finally:
        if uuid_ is None:
            # enroll failed or timed out: the node may exist all the same.
            shown = in_lab.openstack('lab-admin', 'baremetal', 'node',
                                     'show', node, '-f', 'value', '-c',
                                     'uuid', check=False)
            uuid_ = shown.stdout.strip() or None
        print('\n%-28s %6s %-12s %-10s %-6s %-8s %-9s %s' % (
            'step', 'time', 'provision', 'power', 'boot', 'Nova', 'vm_state',
            'power_state'))
        for row in table:
            print('%-28s %6s %-12s %-10s %-6s %-8s %-9s %s' % row)
        for step, images in glance:
            print('Glance ISOs of the node after %s: %s'
                  % (step, images or 'none'))
        in_lab.openstack('lab-admin', 'baremetal', 'node', 'maintenance',
                         'set', node, check=False)
        in_lab.openstack('lab-admin', 'baremetal', 'node', 'delete', node,
                         check=False)
        in_lab.openstack('lab', 'server', 'delete', '--wait', server,
                         check=False)
        in_lab.openstack('lab', 'port', 'delete', port_name, check=False)
        if uuid_:
            for image in in_lab.json(
                    'lab', 'image', 'list', '--tag',
                    'ironic-vmedia-%s' % uuid_):
                in_lab.openstack('lab', 'image', 'delete',
                                 image['ID'], check=False)
