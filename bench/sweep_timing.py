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

"""Sweep timing: Ironic's own power sync runs, as its debug log times them,
the nodes each one evaluated and the Nova requests each one sent.

Ironic's line that ends a sweep ("Completed power state sync operation,
evaluated N nodes with W workers in S seconds") gives its runtime; its
"evaluated N" is the number of extra workers Ironic spawned (Ironic 39's
``_sync_power_states`` logs ``len(futures)`` there), not of nodes. The
nodes a sweep evaluated are counted instead from the task manager's debug
lines: every node the sweep locked releases its lock "for power state
sync" before the sweep ends.

Each sweep is recorded with the kind of server listing it made (``full``:
every page of ``GET /servers/detail``; ``delta``: one ``?changes-since=``
request; ``none``: the peers, which read servers one by one) and whether
it was idle (no server of the project changed from the start of the sweep
before it to its end, as Nova's own ``updated`` times say).
"""

import datetime
import re
import statistics
import time

from bench.common import local_ts
from bench.common import read_from
from bench.common import wait_for
from bench import request_counting as rc

SWEEP_RE = re.compile(
    r'^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) .*Completed power state '
    r'sync operation, evaluated \d+ nodes with (?P<workers>\d+) workers in '
    r'(?P<secs>[\d.]+) seconds')
# A node's lock released by a power sync (ironic/conductor/task_manager.py).
RELEASE_MARK = 'lock for power state sync on node '
RELEASE_RE = re.compile(
    r'^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) .*Successfully released '
    r'(?:shared|exclusive) lock for power state sync on node '
    r'(?P<node>[0-9a-f-]{36})')
# Slack (s) around a sweep when its nodes' lock lines are matched to it:
# Ironic writes the runtime with 2 decimals, the log times in ms.
NODE_SLACK = 0.05
# Slack (s) around a sweep when requests and changes are matched to it:
# Nova's request log and its updated_at times count whole milliseconds and
# whole seconds.
REQUEST_SLACK = 0.05
CHANGE_SLACK = 1.0
# Listing kinds of a sweep.
FULL = 'full'
DELTA = 'delta'
NO_LISTING = 'none'


def sweeps(log):
    """Ironic's power sync sweeps in its debug log, oldest first.

    :returns: [{'start', 'end', 'seconds', 'workers', 'nodes_evaluated'}],
        times in epoch s; ``nodes_evaluated``: the distinct nodes whose
        power-sync lock was released within the sweep.
    """
    out = []
    releases = []
    for line in read_from(log, 0).splitlines():
        if RELEASE_MARK in line:
            m = RELEASE_RE.match(line)
            if m:
                releases.append((local_ts(m.group('ts')), m.group('node')))
            continue
        m = SWEEP_RE.match(line)
        if m:
            end = local_ts(m.group('ts'))
            secs = float(m.group('secs'))
            out.append({'start': end - secs, 'end': end, 'seconds': secs,
                        'workers': int(m.group('workers'))})
    for sweep in out:
        sweep['nodes_evaluated'] = len({
            node for ts, node in releases
            if sweep['start'] - NODE_SLACK <= ts <= sweep['end'] + NODE_SLACK})
    return out


def is_full_listing(req):
    """A page of a full listing: GET /servers/detail, no changes-since."""
    return (req[2] == 'GET' and rc.LISTING_RE.match(req[3]) is not None
            and 'changes-since=' not in req[3])


def is_delta_listing(req):
    """A delta listing: GET /servers/detail?changes-since=..."""
    return (req[2] == 'GET' and rc.LISTING_RE.match(req[3]) is not None
            and 'changes-since=' in req[3])


def listing_kind(reqs):
    """FULL, DELTA or NO_LISTING: the listing a sweep's requests made.

    A sweep whose delta could not be trusted also lists in full: FULL.
    """
    if any(is_full_listing(r) for r in reqs):
        return FULL
    if any(is_delta_listing(r) for r in reqs):
        return DELTA
    return NO_LISTING


def requests_inside(sweep, reqs):
    """The requests (rc.nova_requests tuples) within the sweep.

    Those that began and ended inside it.
    """
    return [r for r in reqs
            if sweep['start'] - REQUEST_SLACK <= r[1]
            and r[0] <= sweep['end'] + REQUEST_SLACK]


def sweep_record(sweep, reqs):
    """One sweep's figures from the system's Nova requests.

    :param sweep: one of sweeps().
    :param reqs: the system's rc.nova_requests() over the phase.
    """
    inside = requests_inside(sweep, reqs)
    return {
        'start': round(sweep['start'], 3), 'end': round(sweep['end'], 3),
        'seconds': sweep['seconds'],
        'nodes_evaluated': sweep.get('nodes_evaluated'),
        'nova_requests': len(inside),
        'listing': listing_kind(inside),
        'full_listing_requests': sum(1 for r in inside
                                     if is_full_listing(r)),
        'server_listings': sum(1 for r in inside if r[2] == 'GET'
                               and rc.LISTING_RE.match(r[3])),
        'server_gets': sum(1 for r in inside if r[2] == 'GET'
                           and rc.SERVER_GET_RE.match(r[3])),
        'errors': sum(1 for r in inside if r[4] >= 400),
        'by_kind': rc.request_kinds(inside)}


def mark_idle(records, change_times, first_window_start):
    """Set each record's 'idle': no server changed in its window.

    The window of a sweep runs from the start of the sweep before it (the
    first one's from first_window_start) to its own end, widened by
    CHANGE_SLACK for Nova's whole-second times.

    :param records: sweep_record()s, oldest first.
    :param change_times: epoch times of the servers' last changes.
    :param first_window_start: epoch time the first window starts at.
    """
    window_start = first_window_start
    for rec in records:
        rec['idle'] = not any(
            window_start - CHANGE_SLACK <= t <= rec['end'] + CHANGE_SLACK
            for t in change_times)
        window_start = rec['start']
    return records


def idle_sweep_requests(records):
    """Median Nova requests of the idle sweeps, or None without one.

    A sweep that made a full listing is left out when others did not (the
    full listings have their own figure, full_listing_requests): between
    two full listings an idle sweep of a system that lists is a delta.
    """
    idle = [r for r in records if r.get('idle')]
    steady = [r for r in idle if r['listing'] != FULL] or idle
    if not steady:
        return None
    return statistics.median(r['nova_requests'] for r in steady)


def full_listing_sizes(reqs):
    """The requests of each full listing among reqs, oldest first.

    A listing's first page has no marker; its next pages follow with one.
    Wherever the listing was made: in a sweep, or for a verify.

    :param reqs: rc.nova_requests() tuples, oldest first.
    """
    sizes = []
    for r in reqs:
        if is_full_listing(r):
            if 'marker=' in r[3] and sizes:
                sizes[-1] += 1
            else:
                sizes.append(1)
    return sizes


def _median(records, key):
    return statistics.median(r[key] for r in records)


def sweep_figures(timed, phase_requests):
    """The sweep keys of a system's result.

    :param timed: the timed sweeps' records (idle marked).
    :param phase_requests: the system's Nova requests of the phase up to
        the last timed sweep, enrollment included: a full listing counts
        even when no timed sweep made one (the verifies of enrollment
        list, and the next full listing may come after the timed sweeps).
    """
    full_sizes = full_listing_sizes(phase_requests)
    evaluated = [r.get('nodes_evaluated') for r in timed]
    result = {'sweeps': timed,
              'sweep_seconds': _median(timed, 'seconds'),
              'sweep_seconds_max': max(r['seconds'] for r in timed),
              'nodes_evaluated_min': (None if None in evaluated
                                      else min(evaluated)),
              'nova_requests_per_sweep': _median(timed, 'nova_requests'),
              'server_listings_per_sweep': _median(timed, 'server_listings'),
              'server_gets_per_sweep': _median(timed, 'server_gets'),
              'nova_requests_per_idle_sweep': idle_sweep_requests(timed),
              'idle_sweeps': sum(1 for r in timed if r.get('idle')),
              'nova_requests_per_full_listing':
                  max(full_sizes) if full_sizes else None}
    by_listing = {}
    for kind in (FULL, DELTA):
        of_kind = [r for r in timed if r['listing'] == kind]
        if of_kind:
            by_listing[kind] = round(_median(of_kind, 'seconds'), 3)
    if by_listing:
        result['sweep_seconds_by_listing'] = by_listing
    return result


def server_change_times(probe, since):
    """Epoch times of the changes of the project's servers since since.

    Nova's changes-since (its own clock) from the epoch time since; one
    time per server, its last change.
    """
    iso = datetime.datetime.fromtimestamp(
        since, tz=datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    out = []
    for s in probe.compute.servers(details=True, changes_since=iso,
                                   limit=50):
        if s.updated_at:
            out.append(datetime.datetime.strptime(
                s.updated_at, '%Y-%m-%dT%H:%M:%SZ').replace(
                    tzinfo=datetime.timezone.utc).timestamp())
    return out


def time_sweeps(ctx, name, ironic, user_id, nova_offset, t_ready,
                t_phase):
    """Figures of the first sweeps that begin after t_ready.

    :param t_phase: epoch time the system's phase began (its Ironic
        started after it).
    :returns: sweep_figures() of those sweeps.
    """
    # Sweeps of Ironic's own _sync_power_states that begin after all
    # nodes are manageable (Ironic logs each one's runtime at debug).
    want = ctx.args.sweeps

    def done():
        got = [s for s in sweeps(ironic.log) if s['start'] >= t_ready]
        # A sweep longer than a minute is timed once (it is steady).
        if got and got[0]['seconds'] > 60:
            return got[:1]
        return got if len(got) >= want else None
    got = wait_for('%d power sync sweeps (%s)' % (want, name), done,
                   timeout=(want + 1) * ctx.args.sync_interval + 900,
                   interval=1)[:want]
    time.sleep(1)
    reqs = rc.nova_requests(ctx.nova_log, nova_offset, user_id)
    before = [s for s in sweeps(ironic.log) if s['start'] < got[0]['start']]
    timed = [sweep_record(s, reqs) for s in got]
    mark_idle(timed, server_change_times(ctx.probe, t_phase - 5),
              before[-1]['start'] if before else t_phase)
    phase = [r for r in reqs if r[0] <= got[-1]['end'] + REQUEST_SLACK]
    return sweep_figures(timed, phase)
