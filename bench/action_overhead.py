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

"""Action overhead: one power action timed as Ironic sees it (API request
to settled state) and as Nova sees it (its action request to the first read
showing the transition done); the difference is the overhead."""

import re
import statistics
import threading
import time

from bench.common import BenchError
from bench.common import FLOOR
from bench.common import http
from bench.common import say
from bench.common import size
from bench import request_counting as rc


def overhead_parts(t0, t1, nova_start, nova_settled, reads):
    """What an action's overhead is made of, from the timestamps.

    overhead = (nova_start - t0) + (t1 - nova_settled): the time before
    Nova got the action, and the time after Nova had settled the server.
    Each splits by the system's own reads of the server (its Nova GETs):

    * ``first_read_s``: the reads that ended before the action began (our
      driver reads the server fresh under Ironic's exclusive lock, as
      Ironic asks for the power state before it acts); the rest of the
      time before, ``ironic_before_s``, is Ironic's API, RPC, lock and
      database writes (and the driver's work that sends no request);
    * ``detect_s``: from the moment the probe saw the server settled to
      the end of the system's last read (its poll spacing; negative when
      the system's read ended before the probe's); ``ironic_after_s``:
      from that read to the moment Ironic's API showed the new state
      (Ironic's database write and lock release, the benchmark's 20 ms
      poll of the API).

    :param reads: the system's GET requests of the server during the
        action, as request_counting.nova_requests tuples.
    :returns: {part: seconds}.
    """
    before = [r for r in reads if r[0] <= nova_start]
    after = [r for r in reads if r[1] >= nova_start]
    first_read = sum(r[0] - r[1] for r in before)
    last_read_end = max((r[0] for r in after), default=nova_settled)
    return {'before_nova_action_s': round(nova_start - t0, 3),
            'first_read_s': round(first_read, 3),
            'ironic_before_s': round(nova_start - t0 - first_read, 3),
            'after_nova_settled_s': round(t1 - nova_settled, 3),
            'detect_s': round(last_read_end - nova_settled, 3),
            'ironic_after_s': round(t1 - last_read_end, 3),
            'reads_after_action': len(after)}


OVERHEAD_PARTS = ('first_read_s', 'ironic_before_s', 'detect_s',
                  'ironic_after_s')


def power_action(ironic, node_uuid, server_id, target, probe, nova_log,
                 user_id, timeout=180):
    """Ironic latency (PUT to settled), Nova's own transition, overhead."""
    want_on = target == 'power on'
    seen = {}
    stop = threading.Event()

    def settled(s):
        if s.task_state:
            return False
        return (s.power_state == 1 and s.vm_state == 'active') if want_on \
            else (s.power_state == 4 and s.vm_state == 'stopped')

    def poll_nova():
        # Nova's own view: the first read that shows the transition done.
        deadline = time.monotonic() + timeout
        while not stop.is_set() and time.monotonic() < deadline:
            s = probe.compute.get_server(server_id)
            if settled(s):
                seen['nova_settled'] = time.time()
                return
            time.sleep(0.02)

    offset = size(nova_log)
    poller = threading.Thread(target=poll_nova, daemon=True)
    poller.start()
    t0 = time.time()
    code, res = http('PUT', ironic.url + '/v1/nodes/%s/states/power'
                     % node_uuid, {'target': target})
    if code != 202:
        stop.set()
        raise BenchError('%s %s: %s %s' % (target, node_uuid, code, res))
    want = 'power on' if want_on else 'power off'
    deadline = time.monotonic() + timeout
    t1 = error = None
    while time.monotonic() < deadline:
        code, node = http('GET', ironic.url + '/v1/nodes/%s?fields='
                          'power_state,target_power_state,last_error'
                          % node_uuid)
        if code == 200 and node['target_power_state'] is None:
            if node['power_state'] == want:
                t1 = time.time()
                break
            if node['last_error']:
                error = node['last_error']
                break
        time.sleep(0.02)
    poller.join(timeout=timeout)
    stop.set()
    if t1 is None:
        raise BenchError('%s of node %s did not settle: %s'
                         % (target, node_uuid, error or 'timeout'))
    time.sleep(0.3)    # let nova-api flush its request log line
    reqs = rc.nova_requests(nova_log, offset, user_id)
    actions = [r for r in reqs
               if r[2] == 'POST' and rc.ACTION_RE.match(r[3])
               and server_id in r[3]]
    if not actions or 'nova_settled' not in seen:
        raise BenchError('%s of node %s: no Nova action seen'
                         % (target, node_uuid))
    nova_start = actions[0][1]
    nova_s = seen['nova_settled'] - nova_start
    one_server = re.compile(r'^/v2\.1/servers/%s$' % re.escape(server_id))
    reads = [r for r in reqs if r[2] == 'GET' and one_server.match(r[3])
             and r[1] >= t0 and r[0] <= t1]
    out = {'ironic_s': round(t1 - t0, 3), 'nova_s': round(nova_s, 3),
           'overhead_s': round((t1 - t0) - nova_s, 3),
           'nova_actions': len(actions)}
    out.update(overhead_parts(t0, t1, nova_start, seen['nova_settled'],
                              reads))
    return out


def time_power_actions(ctx, name, ironic, uuids, user_id):
    """Power off then on, on the first few nodes, one at a time.

    :returns: {'power_actions': ..., 'power_on_overhead_s': ..., ...}
    """
    actions = {'power off': [], 'power on': []}
    samples = 0 if name == FLOOR else ctx.args.power_samples
    for i in range(min(samples, len(uuids))):
        for target in ('power off', 'power on'):
            a = power_action(ironic, uuids[i], ctx.servers[i].id, target,
                             ctx.probe, ctx.nova_log, user_id)
            actions[target].append(a)
            say('%s: %s node %d: Ironic %.2fs, Nova %.2fs, overhead '
                '%.2fs (first read %.2f, Ironic before %.2f, detect %.2f, '
                'Ironic after %.2f)'
                % (name, target, i, a['ironic_s'], a['nova_s'],
                   a['overhead_s'], a['first_read_s'], a['ironic_before_s'],
                   a['detect_s'], a['ironic_after_s']))
    result = {'power_actions': actions}
    for target, key in (('power on', 'power_on'),
                        ('power off', 'power_off')):
        if not actions[target]:
            continue
        result[key + '_overhead_s'] = round(statistics.median(
            a['overhead_s'] for a in actions[target]), 3)
        result[key + '_ironic_s'] = round(statistics.median(
            a['ironic_s'] for a in actions[target]), 3)
        result[key + '_nova_s'] = round(statistics.median(
            a['nova_s'] for a in actions[target]), 3)
        # Medians of the parts (they need not add up to the median).
        result[key + '_overhead_parts_s'] = {
            part: round(statistics.median(
                a[part] for a in actions[target]), 3)
            for part in OVERHEAD_PARTS}
    return result
