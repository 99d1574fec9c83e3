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

"""The report: one table per node count with ratios to our driver, the
targets, and the versions of everything measured."""

import os
import subprocess

from bench.common import FLOOR
from bench.common import REPO_DIR
from bench.common import SYSTEMS


ROWS = (
    ('nodes', 'nodes', '%d'),
    ('nova_requests_per_sweep', 'Nova requests / sweep', '%g'),
    ('nova_requests_per_idle_sweep', 'Nova requests / idle sweep', '%g'),
    ('nova_requests_per_sweep_k_changed',
     'Nova requests / sweep, %(k)s changed', '%g'),
    ('nova_requests_per_full_listing', 'Nova requests / full listing',
     '%g'),
    ('server_listings_per_sweep', 'GET /servers/detail / sweep', '%g'),
    ('server_gets_per_sweep', 'GET /servers/{id} / sweep', '%g'),
    ('keystone_token_requests', 'Keystone tokens (whole run)', '%d'),
    ('sweep_seconds', 'power sync sweep (s)', '%.2f'),
    ('sweep_ratio_to_floor', 'sweep / ironic-floor sweep', '%.2f'),
    ('power_on_overhead_s', 'power on overhead (s)', '%.2f'),
    ('power_off_overhead_s', 'power off overhead (s)', '%.2f'),
    ('power_on_ironic_s', 'power on, Ironic sees (s)', '%.2f'),
    ('power_off_ironic_s', 'power off, Ironic sees (s)', '%.2f'),
    ('conductor_anon_mb_after_sweeps',
     'conductor anon. memory after sweeps (MB)', '%.1f'),
    ('driver_memory_mb_per_1000_nodes', 'driver memory / 1000 nodes (MB)',
     '%.1f'),
    ('extra_memory_mb', 'extra processes PSS (MB)', '%.1f'),
    ('extra_processes', 'extra processes', '%d'),
)
# Rows whose cells are not followed by their ratio to our driver's.
NO_RATIO = {'nodes', 'sweep_ratio_to_floor', 'conductor_anon_mb_after_sweeps',
            'driver_memory_mb_per_1000_nodes'}
OURS = 'openstack'


def _changed_count(results):
    counts = sorted({r['k_changed_servers'] for r in results.values()
                     if 'k_changed_servers' in r})
    return '/'.join(str(k) for k in counts) or 'k'


def _cell(system, key, fmt, result, ours):
    if 'skipped' in result:
        return 'skipped' if key == 'nodes' else '-'
    if 'error' in result and key not in result:
        return 'failed' if key == 'nodes' else '-'
    v = result.get(key)
    if v is None:
        return '-'
    cell = fmt % v
    base = ours.get(key)
    if system != OURS and key not in NO_RATIO and \
            isinstance(base, (int, float)):
        if base > 0:
            cell += ' (%.1fx)' % (v / base)
        elif v > 0:
            cell += ' (ours 0)'
    return cell


def table(results):
    """One node count's results as a text table, one column per system.

    Peers' figures carry their ratio to our driver's.

    :param results: {system name: result}.
    """
    systems = [s for s in SYSTEMS + (FLOOR,) if s in results]
    ours = results.get(OURS, {})
    header = ['metric'] + systems
    rows = []
    for key, label, fmt in ROWS:
        rows.append([label % {'k': _changed_count(results)}] + [
            _cell(s, key, fmt, results[s], ours) for s in systems])
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


# Issue 16's targets (benchmark figures, not timed tests).
SWEEP_RATIO_TARGET = 1.15
OVERHEAD_TARGET_S = 0.15


def targets(results):
    """Our driver's figures of one node count against the targets.

    :param results: {system name: result}.
    :returns: [(label, met, value)].
    """
    r = results.get(OURS)
    if not r or 'sweep_seconds' not in r:
        return []
    n = r['nodes']
    out = []
    limit = n // 1000 + 1
    full = r.get('nova_requests_per_full_listing')
    if full is not None:
        out.append(('full listing: Nova requests <= floor(N/1000)+1 = %d'
                    % limit, full <= limit, full))
    idle = r.get('nova_requests_per_idle_sweep')
    if idle is not None:
        out.append(('idle sweep: 1 Nova request', idle <= 1, idle))
    out.append(('no per-node GET /servers/{id} in a sweep',
                r['server_gets_per_sweep'] == 0,
                r['server_gets_per_sweep']))
    ratio = r.get('sweep_ratio_to_floor')
    if ratio is not None:
        out.append(("sweep <= %.2fx ironic-floor's" % SWEEP_RATIO_TARGET,
                    ratio <= SWEEP_RATIO_TARGET, '%.2fx' % ratio))
    for key in ('power_on_overhead_s', 'power_off_overhead_s'):
        if key in r:
            out.append(('%s median <= %.2f s' % (key, OVERHEAD_TARGET_S),
                        r[key] <= OVERHEAD_TARGET_S, r[key]))
    if 'keystone_token_requests' in r:
        out.append(('one Keystone token for the phase',
                    r['keystone_token_requests'] == 1,
                    r['keystone_token_requests']))
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
