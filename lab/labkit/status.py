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

"""``status`` of the lab: what runs where, and what a client needs.

In the real mode the services answer only inside the lab's namespace, so
a ``status`` asked from outside runs ``labctl status --json`` there (the
root namespace may hold a fast-mode lab on the same loopback ports).
"""

import json
import subprocess
import sys

from labkit import install
from labkit import namespace
from labkit import procs
from labkit import provision
from labkit import settings as s
from labkit import tuning


def _from_inside():
    out = subprocess.run(
        namespace.prefix() + [sys.executable, s.LABCTL, 'status', '--json'],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        timeout=300)
    try:
        return json.loads(out.stdout)
    except ValueError:
        raise procs.LabError('status inside namespace %s failed: %s' % (
            s.NETNS, (out.stderr or out.stdout).strip()[-2000:]))


def collect(p, virt, services):
    """The status dict (see lab/README.rst for its keys).

    :param p: the lab's paths.
    :param virt: the lab's mode.
    :param services: the mode's services (``compose.Composition``), in
        order.
    """
    real = virt != 'fake'
    if real and namespace.exists() and not namespace.inside():
        return _from_inside()
    entries = {}
    for svc in services:
        record = svc.record()
        pids = procs.group_pids(record['pid']) if record else []
        entries[svc.name] = {
            'running': svc.running() if record else False,
            # Started only on request (labctl conductor add): may be down.
            'optional': svc.optional,
            'pid': record['pid'] if record else None,
            'pids': pids,
            'pss_mb': round(procs.pss_kib(pids) / 1024.0, 1),
            'port': svc.port,
            'url': svc.url(),
            'log': svc.log,
        }
    prov = provision.load(p)
    status = {
        'state_dir': p.home,
        'virt': virt,
        'running': all(entries[svc.name]['running']
                       for svc in services if not svc.optional),
        'ironic_url': s.url('ironic'),
        'keystone_url': s.url('keystone', '/v3'),
        'clouds_yaml': p.clouds_yaml,
        'cloud': s.CLOUD,
        'admin_cloud': s.ADMIN_CLOUD,
        'project_admin_cloud': s.PROJECT_ADMIN_CLOUD,
        'rescue_image': prov.get('rescue_image'),
        'disk_image': prov.get('disk_image'),
        'rescue_image_uefi': prov.get('rescue_image_uefi'),
        'disk_image_uefi': prov.get('disk_image_uefi'),
        'flavor': prov.get('flavor'),
        'nic_networks': list(s.NIC_NETWORKS),
        'physical_networks': dict(s.PHYSICAL_NETWORKS),
        'exec_prefix': [],
        'driver_enabled': install.driver_present(),
        'ironic_venv': p.ironic_venv,
        'cloud_venv': p.cloud_venv,
        'services': entries,
        'pss_mb_total': round(sum(e['pss_mb'] for e in entries.values()),
                              1),
    }
    if real:
        status['running'] = status['running'] and namespace.exists()
        status.update(prov.get('deploy', {}))
        status['fast_track'] = tuning.fast_track(p)
        status['exec_prefix'] = namespace.prefix()
        guests = namespace.guest_pids()
        status['guests'] = len(guests)
        status['guests_pss_mb'] = round(procs.pss_kib(guests) / 1024.0, 1)
        status['pss_mb_total'] = round(status['pss_mb_total']
                                       + status['guests_pss_mb'], 1)
    return status


def print_status(status, out=sys.stdout):
    """Human-readable status table."""
    out.write('Lab state dir: %s (virt: %s)\n' % (status['state_dir'],
                                                  status.get('virt')))
    row = '%-15s %-6s %-7s %-6s %8s  %s\n'
    out.write(row % ('service', 'state', 'pid', 'port', 'PSS MB',
                     'url / log'))
    for name, e in status['services'].items():
        state = 'up' if e['running'] else ('stale' if e['pid'] else 'down')
        out.write(row % (name, state, e['pid'] or '-', e['port'] or '-',
                         e['pss_mb'], e['url'] or e['log']))
    if 'guests' in status:
        out.write(row % ('guests (%d)' % status['guests'], '', '', '',
                         status['guests_pss_mb'], 'QEMU'))
    out.write(row % ('all', '', '', '', status['pss_mb_total'], ''))
    out.write('\nclouds.yaml: %s (normal user: %s, admin: %s [system scope, '
              'for Ironic], project admin: %s)\n' % (
                  status['clouds_yaml'], status['cloud'],
                  status['admin_cloud'], status['project_admin_cloud']))
    out.write('rescue image: %s  disk image: %s  flavor: %s\n' % (
        status['rescue_image'], status['disk_image'], status['flavor']))
    out.write('UEFI: rescue image: %s  disk image: %s\n' % (
        status.get('rescue_image_uefi'), status.get('disk_image_uefi')))
    if status.get('exec_prefix'):
        out.write('clients run with: %s <command>\n' % ' '.join(
            status['exec_prefix']))
        out.write('deploy: kernel %s ramdisk %s\n        instance image %s '
                  '(marker: %r)\n' % (
                      status.get('deploy_kernel'),
                      status.get('deploy_ramdisk'),
                      status.get('instance_image'),
                      status.get('instance_marker')))
        out.write('Ironic fast track: %s\n' % (
            'on' if status.get('fast_track') else 'off'))
    out.write('all running: %s\n' % ('yes' if status['running'] else 'no'))
