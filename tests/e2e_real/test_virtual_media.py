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

"""A real QEMU guest enrolled by hand, cleaned and deployed by virtual media.

One Nova server on the lab's virtual media network (an ordinary network:
a subnet, Neutron's addressing, port security on), made by the package's
``create-nodes --boot virtual-media``, and enrolled by hand as an operator
would after Ironic's docs: ``openstack baremetal node create`` with boot
interface openstack-virtual-media, driver_info ``openstack_server``,
``openstack_cloud``, ``deploy_kernel`` and ``deploy_ramdisk``, the node's
``network_data`` written from its Neutron port, no properties (so no
``boot_mode`` capability), a baremetal port with the server's MAC, and
the server marked for the node (``openstack server set --property
ironic_node_uuid=<node UUID>``). Its
port's MAC starts with the lab's ``vmedia_mac_prefix``, which the lab's
dnsmasq ignores: no DHCP answers this node. Walked by the real Ironic
through:

    manage + provide (automated cleaning) -> deploy -> undeploy (cleaning)
    -> deploy

Every agent boot is a Nova rescue with the node's ISO (agent kernel and
ramdisk, network_data as a config drive) uploaded to Glance; every deploy
writes the instance image (a whole-disk image for BIOS), whose kernel
prints a marker on the serial console when it booted from that disk. After
each step Ironic's and Nova's views must agree, and the node's ISOs must be
gone from Glance. What the tool's ``enroll --boot virtual-media`` writes is
checked on the fast lab (tests/e2e/test_tools.py).
"""

import ipaddress
import json
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


def network_data_of_port(in_lab, port):
    """network_data as an operator writes it from the node's Neutron port.

    One link (the port's MAC), one static IPv4 network (its fixed IP, the
    subnet's netmask) with the subnet's gateway as default route.
    """
    (fixed,) = port['fixed_ips']
    subnet = in_lab.json('lab', 'subnet', 'show', fixed['subnet_id'])
    netmask = str(ipaddress.ip_network(subnet['cidr']).netmask)
    return {
        'links': [{'id': 'port0', 'type': 'phy',
                   'ethernet_mac_address': port['mac_address']}],
        'networks': [{'id': 'network0', 'type': 'ipv4', 'link': 'port0',
                      'ip_address': fixed['ip_address'],
                      'netmask': netmask,
                      'network_id': port['network_id'],
                      'routes': [{'network': '0.0.0.0',
                                  'netmask': '0.0.0.0',
                                  'gateway': subnet['gateway_ip']}]}],
        'services': [],
    }


def enroll_by_hand(in_lab, lab, node, server, port):
    """node create, baremetal port, server mark, manage: the node's UUID."""
    shown = in_lab.json(
        'lab-admin', 'baremetal', 'node', 'create', '--name', node,
        '--driver', 'openstack',
        '--boot-interface', 'openstack-virtual-media',
        '--driver-info', 'openstack_server=%s' % server,
        '--driver-info', 'openstack_cloud=lab',
        '--driver-info', 'deploy_kernel=%s' % lab['deploy_kernel'],
        '--driver-info', 'deploy_ramdisk=%s' % lab['deploy_ramdisk'],
        '--network-data', json.dumps(network_data_of_port(in_lab, port)))
    in_lab.openstack('lab-admin', 'baremetal', 'port', 'create',
                     port['mac_address'], '--node', shown['uuid'])
    # The server's mark for its node, set with the host cloud's
    # credentials (the driver drives only a server marked for the node).
    in_lab.openstack('lab', 'server', 'set', '--property',
                     'ironic_node_uuid=%s' % shown['uuid'], server)
    in_lab.openstack('lab-admin', 'baremetal', 'node', 'manage', node,
                     '--wait', '300', timeout=360)
    return shown['uuid']


def deploy_boot_mode(in_lab, node):
    return in_lab.json('lab-admin', 'baremetal', 'node', 'show', node)[
        'driver_internal_info'].get('deploy_boot_mode')


def dhcp_lines(real_lab, mac):
    with open(real_lab['services']['dnsmasq']['log'], errors='replace') as f:
        return [line.strip() for line in f
                if mac in line.lower() and 'DHCP' in line]


def test_node_enrolled_by_hand_cleans_and_deploys_twice_through_vmedia(
        real_lab, in_lab):
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
        uuid_ = enroll_by_hand(in_lab, lab, node, server, port)
        shown = in_lab.json('lab-admin', 'baremetal', 'node', 'show', node)
        assert shown['boot_interface'] == 'openstack-virtual-media', shown
        assert shown['properties'] == {}, shown['properties']
        assert shown['network_data']['links'][0][
            'ethernet_mac_address'] == mac, shown['network_data']
        in_lab.openstack('lab-admin', 'baremetal', 'node', 'provide', node,
                         '--wait', str(STEP_TIMEOUT),
                         timeout=STEP_TIMEOUT + 60, check=False)
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
        modes = [deploy_boot_mode(in_lab, node)]
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
        modes.append(deploy_boot_mode(in_lab, node))
        second = wait_marker(in_lab, server, lab['instance_marker'])
        actions = [a['Action'] for a in in_lab.json(
            'lab', 'server', 'event', 'list', server)]
        assert actions.count('rescue') >= 4, actions
        for step, images in glance:
            assert images == [], 'ISOs left in Glance after %s: %s' % (
                step, images)
        dhcp = dhcp_lines(lab, mac)[dhcp_before:]
        assert not [line for line in dhcp if 'DHCPACK' in line], dhcp
        # The server's firmware (hw_firmware_type of its image), recorded
        # by the boot interface: the node has no boot_mode capability.
        assert modes == ['bios', 'bios'], modes
        print('deploy_boot_mode after each deploy: %s' % modes)
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
        if uuid_:
            # Ironic's power sync clears a failed deploy's last_error once
            # the power state matches: its log keeps the cause.
            errors = ironic_log_lines(lab, uuid_, ' ERROR ')
            print('Ironic ERROR lines of the node: %s'
                  % (''.join(errors[-3:]) or 'none'))
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
