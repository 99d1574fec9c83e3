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
and the Nova requests each one sent."""

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


def sweeps(log):
    out = []
    for line in read_from(log, 0).splitlines():
        m = SWEEP_RE.match(line)
        if m:
            end = local_ts(m.group('ts'))
            secs = float(m.group('secs'))
            out.append({'start': end - secs, 'end': end, 'seconds': secs,
                        'workers': int(m.group('workers'))})
    return out


def time_sweeps(ctx, name, ironic, user_id, nova_offset, t_ready):
    """Median figures of the first sweeps that begin after t_ready.

    :returns: {'sweeps': [...], 'sweep_seconds': ..., ...}
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
    per_sweep = []
    for s in got:
        inside = [r for r in reqs
                  if s['start'] - 0.05 <= r[1] and r[0] <= s['end'] + 0.05]
        per_sweep.append({
            'seconds': s['seconds'],
            'nova_requests': len(inside),
            'server_listings': sum(1 for r in inside if r[2] == 'GET'
                                   and rc.LISTING_RE.match(r[3])),
            'server_gets': sum(1 for r in inside if r[2] == 'GET'
                               and rc.SERVER_GET_RE.match(r[3])),
            'errors': sum(1 for r in inside if r[4] >= 400),
            'by_kind': rc.request_kinds(inside)})
    result = {'sweeps': per_sweep}
    med = lambda k: statistics.median(p[k] for p in per_sweep)  # noqa
    result['sweep_seconds'] = med('seconds')
    result['nova_requests_per_sweep'] = med('nova_requests')
    result['server_listings_per_sweep'] = med('server_listings')
    result['server_gets_per_sweep'] = med('server_gets')
    return result
