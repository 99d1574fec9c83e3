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

"""Servers changed behind Ironic's back: k servers stopped then started
again directly through Nova (by the benchmark's probe user, not the
system's), between two power sync sweeps; then the Nova requests of the
next sweep.

The servers end as they began (running, as Ironic records their nodes), so
Ironic has nothing to correct; only the listing changes. A system that
lists servers with Nova's changes-since sees the k servers in its next
delta; the peers read every server anyway.
"""

import time

from bench.common import BenchError
from bench.common import say
from bench.common import wait_for
from bench import request_counting as rc
from bench.sweep_timing import sweep_record
from bench.sweep_timing import sweeps

# Nova's power_state values (nova/compute/power_state.py).
RUNNING, SHUTDOWN = 1, 4


def changed_servers(servers, k):
    """The k servers to change: the last ones (k capped at N).

    The power action timing uses the first servers: taken from the end,
    the two share no server when N allows.

    :param servers: the phase's servers, in node order.
    """
    k = max(0, min(k, len(servers)))
    return list(servers[len(servers) - k:])


def settled(server, power_state, vm_state):
    """Nova has finished with the server: the state asked, no task."""
    return (not server.task_state and server.power_state == power_state
            and server.vm_state == vm_state)


def _act_and_wait(probe, servers, action, power_state, vm_state,
                  timeout=180):
    """Send one action to each server, then wait until all settle."""
    from openstack import exceptions as sdk_exc
    for s in servers:
        for attempt in range(30):
            try:
                getattr(probe.compute, action)(s.id)
                break
            except sdk_exc.ConflictException:
                # A task of Nova's own still runs on it (409): look again.
                current = probe.compute.get_server(s.id)
                if settled(current, power_state, vm_state):
                    break
                time.sleep(0.5)
        else:
            raise BenchError('%s of server %s: Nova kept answering 409'
                             % (action, s.id))

    def all_settled():
        return all(settled(probe.compute.get_server(s.id), power_state,
                           vm_state) for s in servers)
    wait_for('%d servers after %s' % (len(servers), action), all_settled,
             timeout=timeout, interval=0.5)


def _next_sweep_end(log, after_count, timeout):
    """Wait for the sweep that follows the after_count-th one to end."""
    return wait_for('the next power sync sweep',
                    lambda: sweeps(log)[after_count:] or None,
                    timeout=timeout, interval=0.5)[0]


def time_k_changed_sweep(ctx, name, ironic, user_id, nova_offset, k):
    """Change k servers between two sweeps; the next sweep's figures.

    Waits for a sweep to end, stops the k servers and starts them again
    (each time until Nova has settled them), then waits for the first
    sweep that begins after that.

    :returns: {'k_changed_servers': k,
        'nova_requests_per_sweep_k_changed': ..., 'k_changed_sweep': {...}}
        or {} when k is 0.
    """
    chosen = changed_servers(ctx.servers, k)
    if not chosen:
        return {}
    timeout = 3 * ctx.args.sync_interval + 900
    _next_sweep_end(ironic.log, len(sweeps(ironic.log)), timeout)
    t0 = time.time()
    _act_and_wait(ctx.probe, chosen, 'stop_server', SHUTDOWN, 'stopped')
    _act_and_wait(ctx.probe, chosen, 'start_server', RUNNING, 'active')
    t1 = time.time()

    def after_change():
        later = [s for s in sweeps(ironic.log) if s['start'] >= t1]
        return later[0] if later else None
    sweep = wait_for('a power sync sweep after the change (%s)' % name,
                     after_change, timeout=timeout, interval=1)
    time.sleep(1)
    reqs = rc.nova_requests(ctx.nova_log, nova_offset, user_id)
    rec = sweep_record(sweep, reqs)
    rec['change_seconds'] = round(t1 - t0, 1)
    # A sweep that ran while the servers were off may have read one off
    # (and Ironic may have powered it on): the measured sweep is the next
    # one all the same; this says that it happened.
    rec['sweep_during_change'] = any(
        s['start'] < t1 and s['end'] > t0 for s in sweeps(ironic.log))
    say('%s: %d servers stopped and started in %.1fs; next sweep: %d Nova '
        'requests (%s listing), %.2fs' % (
            name, len(chosen), t1 - t0, rec['nova_requests'],
            rec['listing'], rec['seconds']))
    return {'k_changed_servers': len(chosen),
            'nova_requests_per_sweep_k_changed': rec['nova_requests'],
            'k_changed_sweep': rec}
