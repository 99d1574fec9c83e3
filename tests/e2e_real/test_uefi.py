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

"""UEFI servers on the real lab: spawn, UEFI rescue, a UEFI node's deploy.

One Nova server of the lab's ``disk_image_uefi`` (``hw_firmware_type=uefi``,
``hw_machine_type=q35``), made by ``create-nodes`` (spawned by Nova's
libvirt driver through the lab's shim for libvirt 9.0, lab/README.rst,
"UEFI guests on libvirt 9.0", then stopped), then:

    start -> rescue with rescue_image_uefi (iPXE on the console)
    -> unrescue -> stop -> start

After each step the server must be in its Nova state with libvirt's OVMF
as its loader, and the domain's NVRAM file is recorded (path, sha256), so
that the run shows what Nova's redefinitions do to it. Boot device PXE of
a UEFI node is that rescue.

A second server of the same image is enrolled by hand as Ironic's docs
say: ``openstack baremetal node create`` with the server, the cloud and
the agent's kernel and ramdisk in driver_info, no properties (so no
``boot_mode`` capability), a baremetal port with the server's MAC, the
server marked for the node. It is cleaned (manage, provide) and deployed
with the lab's ``instance_image_uefi`` (a GPT whole-disk image with an EFI
system partition): Ironic takes the node's boot mode from the server
(``boot_mode`` uefi), the agent writes the image and the NVRAM entry, the
guest boots its disk and prints the instance marker; its kernel command
line says whether the NVRAM entry or the removable-media fallback path
booted it.

Marked slow (tox -e tests leaves them out): run them by path under
with-lab qemu, ``tox -e tests -- tests/e2e_real/test_uefi.py -s``. The
UEFI node test took about 5 min on 2026-12-07 (create-nodes to cleanup;
cleaning 158 s, deploy 112 s).
"""

import hashlib
import json
import os
import re
import time
import uuid

import pytest

from ironic_openstack_driver.tools import waiting
from tests.e2e_real import test_deploy as real

PREFIX = 'e2e-uefi-%s' % uuid.uuid4().hex[:6]
TIMEOUT = 300
OVMF = '/usr/share/OVMF/'
IPXE_BANNER = 'iPXE'


def _status(in_lab, server):
    """The server as a project-scoped admin sees it (instance name, task).

    The lab's ``lab-admin`` is system-scoped: Nova's policy refuses it.
    """
    return in_lab.json(in_lab.status['project_admin_cloud'], 'server',
                       'show', server)


def _wait_status(in_lab, server, status):
    def reached():
        shown = _status(in_lab, server)
        assert shown['status'] != 'ERROR', shown.get('fault')
        return shown['status'] == status and not shown.get(
            'OS-EXT-STS:task_state')
    waiting.wait_for('server %s %s' % (server, status), reached, TIMEOUT, 3)


def _firmware(in_lab, real_lab, domain):
    """The domain's loader and NVRAM file, as libvirt shows them.

    With the NVRAM's sha256 (None when the file is absent).
    """
    xml = real.virsh(in_lab, real_lab, 'dumpxml', domain).stdout
    loader = re.search(r'<loader[^>]*>([^<]*)</loader>', xml)
    nvram = re.search(r'<nvram[^>]*>([^<]*)</nvram>', xml)
    path = nvram.group(1) if nvram else None
    digest = None
    if path:
        host_path = os.path.join(real_lab['state_dir'], 'libvirt', 'lib',
                                 os.path.relpath(path, '/var/lib/libvirt'))
        if os.path.exists(host_path):
            with open(host_path, 'rb') as f:
                digest = hashlib.sha256(f.read()).hexdigest()[:12]
    return {'loader': loader.group(1) if loader else None,
            'nvram': path, 'nvram_sha256': digest}


def _rescue_boot(in_lab, server):
    """OVMF's boot lines from its start of the DVD-ROM on, once iPXE runs.

    None until the console shows OVMF starting the DVD-ROM (the rescue
    image) and an iPXE line after it.
    """
    console = in_lab.openstack('lab', 'console', 'log', 'show', server,
                               check=False).stdout
    lines = [line.strip() for line in console.splitlines()
             if 'BdsDxe' in line or IPXE_BANNER in line]
    started = [i for i, line in enumerate(lines)
               if 'BdsDxe: starting' in line and 'DVD-ROM' in line]
    if started and any(IPXE_BANNER in line
                       for line in lines[started[-1]:]):
        return lines[started[-1]:]
    return None


def _compute_log(real_lab, needle, instance=''):
    with open(real_lab['services']['nova-compute']['log'],
              errors='replace') as f:
        return [line for line in f if needle in line and instance in line]


#: Nova's warning when a redefinition selects the firmware again (it names
#: no instance).
RESELECT = 'Re-selecting the firmware files'


@pytest.mark.slow
def test_a_uefi_server_spawns_and_its_uefi_rescue_boots_ipxe(
        real_lab, in_lab):
    lab = real_lab
    name = PREFIX + '-0'
    timings = {}
    seen = {}
    try:
        # create-nodes: the server on the provisioning network (a port
        # with a 52:54:00 MAC and no subnet), ACTIVE, then stopped.
        t = time.monotonic()
        in_lab.tool('--os-cloud', 'lab', 'create-nodes', '--count', '1',
                    '--prefix', PREFIX, '--flavor', lab['flavor'],
                    '--image', lab['disk_image_uefi'],
                    '--network', lab['provisioning_network'])
        server = in_lab.json('lab', 'server', 'show', name)['id']
        _wait_status(in_lab, server, 'SHUTOFF')
        timings['create-nodes (spawn, stop)'] = time.monotonic() - t
        t = time.monotonic()
        in_lab.openstack('lab', 'server', 'start', server)
        _wait_status(in_lab, server, 'ACTIVE')
        timings['start'] = time.monotonic() - t
        domain = _status(in_lab, server)['OS-EXT-SRV-ATTR:instance_name']
        seen['spawn, stop, start'] = _firmware(in_lab, real_lab, domain)
        assert (seen['spawn, stop, start']['loader'] or '').startswith(
            OVMF), seen
        assert seen['spawn, stop, start']['nvram'], seen
        shim = _compute_log(real_lab, 'Lab shim', server)
        assert shim, 'no shim line for %s in nova-compute.log' % server
        reselect = len(_compute_log(real_lab, RESELECT))

        t = time.monotonic()
        in_lab.openstack('lab', 'server', 'rescue', '--image',
                         lab['rescue_image_uefi'], server)
        _wait_status(in_lab, server, 'RESCUE')
        timings['rescue'] = time.monotonic() - t
        seen['rescue'] = _firmware(in_lab, real_lab, domain)
        # OVMF names each boot option it starts: the rescue image is the
        # guest's CD-ROM (stable device rescue), and its iPXE follows.
        booted = waiting.wait_for(
            'iPXE after OVMF started the DVD-ROM of %s' % server,
            lambda: _rescue_boot(in_lab, server), TIMEOUT, 5)
        timings['rescue to iPXE'] = time.monotonic() - t
        print('OVMF and iPXE lines of the rescue:\n  %s'
              % '\n  '.join(booted[:12]))
        banner = [line for line in booted if IPXE_BANNER in line][0]
        shot = '/tmp/%s-rescue.ppm' % PREFIX
        real.virsh(in_lab, real_lab, 'screenshot', domain, shot,
                   check=False)
        print('iPXE on the console: %r (screenshot %s)' % (banner, shot))
        assert (seen['rescue']['loader'] or '').startswith(OVMF), seen

        t = time.monotonic()
        in_lab.openstack('lab', 'server', 'unrescue', server)
        _wait_status(in_lab, server, 'ACTIVE')
        timings['unrescue'] = time.monotonic() - t
        seen['unrescue'] = _firmware(in_lab, real_lab, domain)

        t = time.monotonic()
        in_lab.openstack('lab', 'server', 'stop', server)
        _wait_status(in_lab, server, 'SHUTOFF')
        in_lab.openstack('lab', 'server', 'start', server)
        _wait_status(in_lab, server, 'ACTIVE')
        timings['stop, start'] = time.monotonic() - t
        seen['stop, start'] = _firmware(in_lab, real_lab, domain)
        for step in ('unrescue', 'stop, start'):
            assert (seen[step]['loader'] or '').startswith(OVMF), seen
        print('Nova firmware re-selections (rescue, unrescue, stop/start): '
              '%d; shim lines for the server: %d' % (
                  len(_compute_log(real_lab, RESELECT)) - reselect,
                  len(_compute_log(real_lab, 'Lab shim', server))))
    finally:
        for step, fw in seen.items():
            print('%-12s %s' % (step, fw))
        print('timings (s): %s' % {k: round(v) for k, v in timings.items()})
        in_lab.openstack('lab', 'server', 'delete', '--wait', name,
                         check=False)


def enroll_by_hand(in_lab, lab, node, server):
    """node create (no properties), port, server mark: the node's UUID."""
    port = in_lab.json('lab', 'port', 'list', '--server', server)[0]
    shown = in_lab.json(
        'lab-admin', 'baremetal', 'node', 'create', '--name', node,
        '--driver', 'openstack',
        '--driver-info', 'openstack_server=%s' % server,
        '--driver-info', 'openstack_cloud=lab',
        '--driver-info', 'deploy_kernel=%s' % lab['deploy_kernel'],
        '--driver-info', 'deploy_ramdisk=%s' % lab['deploy_ramdisk'])
    in_lab.openstack('lab-admin', 'baremetal', 'port', 'create',
                     port['MAC Address'], '--node', shown['uuid'])
    in_lab.openstack('lab', 'server', 'set', '--property',
                     'ironic_node_uuid=%s' % shown['uuid'], server)
    return shown['uuid']


@pytest.mark.slow
def test_a_uefi_node_without_boot_mode_cleans_and_deploys_a_uefi_disk(
        real_lab, in_lab):
    lab = real_lab
    table = []
    node = PREFIX + '-n-0'
    marker = lab['instance_marker']
    t = time.monotonic()
    try:
        in_lab.tool('--os-cloud', 'lab', 'create-nodes', '--count', '1',
                    '--prefix', PREFIX + '-n', '--flavor', lab['flavor'],
                    '--image', lab['disk_image_uefi'],
                    '--network', lab['provisioning_network'])
        server = in_lab.json('lab', 'server', 'show', node)['id']
        uuid_ = enroll_by_hand(in_lab, lab, node, server)
        shown = in_lab.json('lab-admin', 'baremetal', 'node', 'show', node)
        assert shown['properties'] == {}, shown['properties']
        in_lab.openstack('lab-admin', 'baremetal', 'node', 'manage', node,
                         '--wait', '300', timeout=360)
        in_lab.openstack('lab-admin', 'baremetal', 'node', 'provide', node,
                         '--wait', str(real.STEP_TIMEOUT),
                         timeout=real.STEP_TIMEOUT + 60, check=False)
        real.assert_step(in_lab, table, 'enroll + provide (cleaning)', node,
                         'available', 'power off', ('SHUTOFF', 'RESCUE'),
                         time.monotonic() - t)
        assert real.ironic_log_lines(lab, uuid_, 'erase_devices_metadata')

        in_lab.openstack(
            'lab-admin', 'baremetal', 'node', 'set', node,
            '--instance-info', 'image_source=%s' % lab['instance_image_uefi'],
            '--instance-info', 'image_checksum=%s'
            % lab['instance_image_uefi_checksum'],
            '--instance-info', 'image_disk_format=raw')
        t = time.monotonic()
        in_lab.openstack('lab-admin', 'baremetal', 'node', 'deploy', node,
                         '--wait', str(real.STEP_TIMEOUT),
                         timeout=real.STEP_TIMEOUT + 60, check=False)
        real.assert_step(in_lab, table, 'deploy', node, 'active', 'power on',
                         ('ACTIVE',), time.monotonic() - t)
        line = real.wait_marker(in_lab, server, marker)
        console = in_lab.openstack('lab', 'console', 'log', 'show', server,
                                   check=False).stdout
        loader = re.findall(r'ioslab\.loader=(\w+)', console)
        shown = in_lab.json('lab-admin', 'baremetal', 'node', 'show', node)
        print('marker: %s; loader(s) on the console: %s' % (line, loader))
        print('boot_mode %s, deploy_boot_mode %s, properties %s' % (
            shown.get('boot_mode'),
            shown['driver_internal_info'].get('deploy_boot_mode'),
            json.dumps(shown['properties'])))
        assert shown['properties'] == {}, shown['properties']
        assert shown['driver_internal_info'].get(
            'deploy_boot_mode') == 'uefi', shown['driver_internal_info']
        assert loader, 'no ioslab.loader on the console:\n%s' % console[-3000:]
        print('OVMF boot lines: %s' % [
            line.strip() for line in console.splitlines()
            if 'BdsDxe: starting' in line])
    finally:
        for row in table:
            print('%-28s %6s %-10s %-10s %-6s %-8s %-8s %s' % row)
        in_lab.openstack('lab-admin', 'baremetal', 'node', 'maintenance',
                         'set', node, check=False)
        in_lab.openstack('lab-admin', 'baremetal', 'node', 'delete', node,
                         check=False)
        in_lab.openstack('lab', 'server', 'delete', '--wait', node,
                         check=False)
