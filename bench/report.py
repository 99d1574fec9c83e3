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
    ('sweep_seconds_max', 'slowest timed sweep (s)', '%.2f'),
    ('nodes_evaluated_min', 'nodes evaluated / sweep (fewest)', '%d'),
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
            'driver_memory_mb_per_1000_nodes', 'nodes_evaluated_min'}
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


# The driver's targets: its sweep at most 1.15x Ironic's own fake-power
# sweep, a power action's overhead at most 0.15 s (benchmark figures, not
# timed tests).
SWEEP_RATIO_TARGET = 1.15
OVERHEAD_TARGET_S = 0.15


def _missing(what):
    """The value of a target that has no figure: why it is a MISS."""
    return 'no data: %s' % what


def _evaluated_all(r, n):
    """(met, value) of "every timed sweep evaluated the N nodes"."""
    least = r.get('nodes_evaluated_min')
    if least is None:
        return False, _missing('no power-sync lock lines in the sweeps')
    if least < n:
        return False, 'a sweep evaluated %d of %d nodes' % (least, n)
    return True, least


def _ratio_target(r, floor, n):
    """(met, value) of the sweep ratio to ironic-floor's."""
    ratio = r.get('sweep_ratio_to_floor')
    if ratio is None:
        return False, _missing('no ironic-floor sweep to compare with '
                               '(--systems ...,ironic-floor)')
    met, value = _evaluated_all(floor, n)
    if not met:
        return False, 'ironic-floor: %s' % value
    return ratio <= SWEEP_RATIO_TARGET, '%.2fx' % ratio


def _requests_counted(r):
    """(met, value): Nova requests were counted in the sweeps and phase.

    Every sweep of our driver sends at least its listing: a median of 0
    requests a sweep, or 0 in the whole phase, means the requests were
    not counted (nova-api's request log or its pattern changed), and every
    request figure would pass on nothing.
    """
    per_sweep = r.get('nova_requests_per_sweep')
    phase = r.get('nova_requests_whole_phase')
    if not per_sweep or not phase:
        return False, _missing('%s Nova requests a sweep, %s in the phase '
                               '(does nova-api\'s request log still match '
                               'request_counting.py?)' % (per_sweep, phase))
    uncounted = [s for s in r['sweeps'] if not s.get('nova_requests')]
    if uncounted:
        # The median of the sweeps hides one sweep that counted nothing.
        return False, _missing('%d of %d timed sweeps with 0 Nova requests '
                               '(a median of %g)' % (
                                   len(uncounted), len(r['sweeps']),
                                   per_sweep))
    return True, '%g a sweep, %s in the phase' % (per_sweep, phase)


def _idle_sweep(r):
    """(met, value) of "an idle sweep sends 1 Nova request".

    An idle sweep of our driver still sends its delta listing: 0 requests
    means none was counted, not a sweep that cost nothing.
    """
    value = r.get('nova_requests_per_idle_sweep')
    if value is None:
        return False, _missing('no idle sweep')
    if value == 0:
        return False, _missing('0 Nova requests counted in the idle sweeps')
    return value == 1, value


def _sweeps_counted(name, peer, n):
    """(label, met, value) for a peer's sweeps, or None when they are.

    A peer's sweep figures are compared with ours in the table: a sweep
    that evaluated fewer than the N nodes times fewer nodes.
    """
    met, value = _evaluated_all(peer, n)
    if met:
        return None
    return ('%s: every timed sweep evaluated the %d nodes' % (name, n),
            False, value)


def _changed_sweep(r, n):
    """(label, met, value) of the sweep after the k changes, or None.

    None when no server was changed (``--changed-servers 0``). Its Nova
    requests are the figure: 0 of them, or fewer than the N nodes
    evaluated, and the figure counts nothing or a part.
    """
    rec = r.get('k_changed_sweep')
    if rec is None:
        return None
    label = ('the sweep after %s changed servers counted over the %d nodes'
             % (r.get('k_changed_servers'), n))
    if not rec.get('nova_requests'):
        return label, False, _missing('%s Nova requests counted in it'
                                      % rec.get('nova_requests'))
    evaluated = rec.get('nodes_evaluated')
    if evaluated is None:
        return label, False, _missing('no power-sync lock lines in it')
    if evaluated < n:
        return label, False, 'it evaluated %d of %d nodes' % (evaluated, n)
    return label, True, '%d Nova requests, %d nodes' % (
        rec['nova_requests'], evaluated)


def _at_most(r, key, limit, what):
    """(met, value) of "r[key] <= limit"; a MISS without the figure."""
    value = r.get(key)
    if value is None:
        return False, _missing(what)
    return value <= limit, value


def targets(results):
    """Our driver's figures of one node count against the targets.

    Every target is listed whenever our driver ran: a figure that is
    missing (None, or a count of 0 where a sweep must send requests) is a
    MISS whose value says what was not measured, never a PASS. So are a
    timed sweep of ours with 0 Nova requests (whatever the median), the
    sweep after the k changes with 0 requests or fewer than the N nodes
    evaluated, and a peer's timed sweep that evaluated fewer than the N
    nodes (its figures would compare fewer nodes with ours).

    :param results: {system name: result}.
    :returns: [(label, met, value)].
    """
    r = results.get(OURS)
    if not r:
        return []
    if 'skipped' in r:
        return []
    if not r.get('sweeps'):
        return [('our driver timed its power sync sweeps', False,
                 r.get('error') or _missing('no timed sweep'))]
    n = r['nodes']
    out = [('every timed sweep evaluated the %d nodes' % n,)
           + _evaluated_all(r, n)]
    counted = _requests_counted(r)
    out.append(('Nova requests counted in the sweeps and the phase',)
               + counted)
    for name in sorted(results):
        peer = results[name]
        if name in (OURS, FLOOR) or 'skipped' in peer:
            continue
        if not peer.get('nova_requests_whole_phase'):
            out.append(('%s: Nova requests counted in its phase' % name,
                        False, _missing('0 Nova requests counted: its '
                                        'figures compare with nothing')))
        if peer.get('sweeps'):
            line = _sweeps_counted(name, peer, n)
            if line:
                out.append(line)
    limit = n // 1000 + 1
    out.append(('full listing: Nova requests <= floor(N/1000)+1 = %d'
                % limit,) + _at_most(r, 'nova_requests_per_full_listing',
                                     limit, 'no full listing counted'))
    out.append(('idle sweep: 1 Nova request',) + _idle_sweep(r))
    changed = _changed_sweep(r, n)
    if changed:
        out.append(changed)
    gets = r.get('server_gets_per_sweep')
    if gets is None or not counted[0]:
        out.append(('no per-node GET /servers/{id} in a sweep', False,
                    _missing('no Nova request counted in a sweep')))
    else:
        out.append(('no per-node GET /servers/{id} in a sweep', gets == 0,
                    gets))
    out.append(("sweep <= %.2fx ironic-floor's" % SWEEP_RATIO_TARGET,)
               + _ratio_target(r, results.get(FLOOR) or {}, n))
    for key in ('power_on_overhead_s', 'power_off_overhead_s'):
        out.append(('%s median <= %.2f s' % (key, OVERHEAD_TARGET_S),)
                   + _at_most(r, key, OVERHEAD_TARGET_S,
                              'no power action timed'))
    tokens = r.get('keystone_token_requests')
    if not tokens:
        tokens = _missing('%s Keystone token requests counted' % (
            'no' if tokens is None else tokens))
    out.append(('one Keystone token for the phase', tokens == 1, tokens))
    failed = sum(s.get('errors', 0) for s in r['sweeps'])
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
