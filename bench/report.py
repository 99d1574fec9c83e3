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

"""The report: one table with ratios to our driver, the targets, and the
versions of everything measured."""

import math
import os
import subprocess

from bench.common import FLOOR
from bench.common import REPO_DIR
from bench.common import SYSTEMS


ROWS = (
    ('nodes', 'nodes', '%d'),
    ('nova_requests_per_sweep', 'Nova requests / sweep', '%g'),
    ('server_listings_per_sweep', 'GET /servers/detail / sweep', '%g'),
    ('server_gets_per_sweep', 'GET /servers/{id} / sweep', '%g'),
    ('keystone_token_requests', 'Keystone tokens (whole run)', '%d'),
    ('sweep_seconds', 'power sync sweep (s)', '%.2f'),
    ('power_on_overhead_s', 'power on overhead (s)', '%.2f'),
    ('power_off_overhead_s', 'power off overhead (s)', '%.2f'),
    ('power_on_ironic_s', 'power on, Ironic sees (s)', '%.2f'),
    ('power_off_ironic_s', 'power off, Ironic sees (s)', '%.2f'),
    ('extra_memory_mb', 'extra processes PSS (MB)', '%.1f'),
    ('extra_processes', 'extra processes', '%d'),
)


def table(results):
    systems = [s for s in SYSTEMS + (FLOOR,) if s in results]
    ours = results.get('openstack', {})
    header = ['metric'] + systems
    rows = []
    for key, label, fmt in ROWS:
        row = [label]
        for s in systems:
            r = results[s]
            if 'error' in r and key not in r:
                row.append('failed' if key == 'nodes' else '-')
                continue
            v = r.get(key)
            if v is None:
                row.append('-')
                continue
            cell = fmt % v
            base = ours.get(key)
            if s != 'openstack' and key != 'nodes' and \
                    isinstance(base, (int, float)):
                if base > 0:
                    cell += ' (%.1fx)' % (v / base)
                elif v > 0:
                    cell += ' (ours 0)'
            row.append(cell)
        rows.append(row)
    widths = [max(len(r[i]) for r in rows + [header])
              for i in range(len(header))]
    line = '+' + '+'.join('-' * (w + 2) for w in widths) + '+'
    out = [line, '| ' + ' | '.join(h.ljust(w) for h, w in
                                   zip(header, widths)) + ' |', line]
    for r in rows:
        out.append('| ' + ' | '.join(c.ljust(w) for c, w in
                                     zip(r, widths)) + ' |')
    out.append(line)
    return '\n'.join(out)


def targets(results):
    r = results.get('openstack')
    if not r or 'sweep_seconds' not in r:
        return []
    n = r['nodes']
    out = []
    limit = math.ceil(n / 1000)
    out.append(('server listings per sweep <= ceil(N/1000) = %d' % limit,
                r['server_listings_per_sweep'] <= limit,
                r['server_listings_per_sweep']))
    out.append(('no per-node GET /servers/{id} in a sweep',
                r['server_gets_per_sweep'] == 0,
                r['server_gets_per_sweep']))
    for peer in ('sushy-redfish', 'ovb-ipmi'):
        p = results.get(peer)
        if p and 'sweep_seconds' in p:
            ratio = p['sweep_seconds'] / max(r['sweep_seconds'], 1e-9)
            out.append(('sweep >= 20x faster than %s' % peer, ratio >= 20,
                        '%.1fx' % ratio))
    for key in ('power_on_overhead_s', 'power_off_overhead_s'):
        if key in r:
            out.append(('%s median <= 0.5 s' % key, r[key] <= 0.5, r[key]))
    failed = sum(s['errors'] for s in r['sweeps'])
    if failed:
        out.append(('our sweeps without failed Nova requests', False,
                    '%d failed: the figures above show a failure mode'
                    % failed))
    return out


def versions(status):
    from importlib import metadata
    out = {}
    for dist in ('sushy-tools', 'openstack-virtual-baremetal', 'pyghmi',
                 'openstacksdk', 'python-novaclient'):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    py = os.path.join(status['ironic_venv'], 'bin', 'python')
    code = ('import hashlib, os, importlib.metadata as m, '
            'ironic_openstack_driver as d\n'
            'h = hashlib.sha256()\n'
            'p = os.path.dirname(d.__file__)\n'
            'for dp, dn, fs in sorted(os.walk(p)):\n'
            '    dn.sort()\n'
            '    for f in sorted(fs):\n'
            '        if f.endswith(".py"):\n'
            '            h.update(open(os.path.join(dp, f), "rb").read())\n'
            'print(m.version("ironic"), m.version("sushy"), h.hexdigest())')
    try:
        ironic, sushy, digest = subprocess.run(
            [py, '-c', code], capture_output=True, text=True, timeout=60,
            env=dict(os.environ, PYTHONPATH=REPO_DIR)).stdout.split()
        out.update({'ironic': ironic, 'sushy': sushy,
                    'driver_sha256': digest, 'driver_source': REPO_DIR})
    except ValueError:
        pass
    try:
        out['driver_git_head'] = subprocess.run(
            ['git', '-C', REPO_DIR, 'rev-parse', '--short', 'HEAD'],
            capture_output=True, text=True, timeout=10).stdout.strip()
        out['driver_git_dirty'] = bool(subprocess.run(
            ['git', '-C', REPO_DIR, 'status', '--porcelain', '--',
             'ironic_openstack_driver'], capture_output=True, text=True,
            timeout=10).stdout.strip())
    except OSError:
        pass
    try:
        out['ipmitool'] = subprocess.run(
            ['ipmitool', '-V'], capture_output=True, text=True,
            timeout=10).stdout.strip()
    except OSError:
        out['ipmitool'] = None
    return out
