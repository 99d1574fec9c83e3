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

"""One system's phase of a run: its extra processes and Ironic, enrollment
of the N nodes, then the measurements (sweep timing, request counts,
memory, power action overhead), then its processes stopped."""

import time

from bench.action_overhead import time_power_actions
from bench.changed_servers import time_k_changed_sweep
from bench.common import say
from bench.common import size
from bench.ironic import Ironic
from bench.memory import anonymous_mb
from bench.memory import memory_mb
from bench import request_counting as rc
from bench.sweep_timing import time_sweeps
from bench.systems import SYSTEM_CLASSES


class Context:
    """What the phases of one node count share.

    ``args`` (the options), ``status`` (the lab's), ``prefix``,
    ``run_dir`` (this node count's log directory), ``project``,
    ``servers`` (the N servers, in node order), ``probe`` (the probe
    user's connection), ``nova_log``, ``keystone_log``; ``ironics``, the
    Ironics started (cli.cleanup stops them all).
    """

    def __init__(self):
        self.ironics = []


def run_system(ctx, name):
    """Enroll, time sweeps and power actions, measure memory; one system."""
    system = SYSTEM_CLASSES[name](ctx)
    user_id = ctx.project.users[name].id
    nova_log, ks_log = ctx.nova_log, ctx.keystone_log
    n = len(ctx.servers)
    result = {'nodes': n}
    ironic = Ironic(system, ctx.run_dir, ctx.status, ctx.project,
                    ctx.args.sync_interval, ctx.args.ironic_launcher)
    # Stopped (its nodes with its database) by cli.cleanup too.
    ctx.ironics.append(ironic)
    ks_offset = size(ks_log)
    relay_start = ctx.project.relays[name].token_posts
    nova_offset = size(nova_log)
    t_phase = time.time()
    try:
        say('%s: starting extra processes' % name)
        system.start(ctx.servers)
        say('%s: starting Ironic on port %d' % (name, ironic.port))
        ironic.start()
        t0 = time.monotonic()
        uuids = ironic.enroll([system.node_body(i, s)
                               for i, s in enumerate(ctx.servers)])
        result['enroll_seconds'] = round(time.monotonic() - t0, 1)
        say('%s: %d nodes manageable in %.0fs'
            % (name, n, result['enroll_seconds']))
        t_ready = time.time()

        result.update(time_sweeps(ctx, name, ironic, user_id, nova_offset,
                                  t_ready, t_phase))
        say('%s: sweep %.2fs (slowest %.2fs, fewest nodes evaluated %s), '
            '%s Nova requests (%s listings, %s GETs); '
            'idle sweep: %s requests (%d idle of %d)'
            % (name, result['sweep_seconds'], result['sweep_seconds_max'],
               result['nodes_evaluated_min'],
               result['nova_requests_per_sweep'],
               result['server_listings_per_sweep'],
               result['server_gets_per_sweep'],
               result['nova_requests_per_idle_sweep'],
               result['idle_sweeps'], len(result['sweeps'])))
        # The conductor (Ironic runs as one process here) with its N nodes
        # synced: compared with ironic-floor's (comparisons.py).
        result['conductor_pss_mb_after_sweeps'], \
            result['conductor_rss_mb_after_sweeps'] = memory_mb(
                [ironic.proc.pid])
        result['conductor_anon_mb_after_sweeps'] = anonymous_mb(
            [ironic.proc.pid])
        pss, rss = system.memory()
        if system.uses_nova:
            result.update(time_k_changed_sweep(
                ctx, name, ironic, user_id, nova_offset,
                ctx.args.changed_servers))

        result.update(time_power_actions(ctx, name, ironic, uuids, user_id))
        pss2, rss2 = system.memory()
        result['extra_memory_mb'] = max(pss, pss2)
        result['extra_memory_rss_mb'] = max(rss, rss2)
        result['extra_processes'] = len(system.procs)
        result['ironic_pss_mb'] = memory_mb([ironic.proc.pid])[0]
    finally:
        ironic.stop()
        system.stop()
        time.sleep(0.5)
        relay = ctx.project.relays[name]
        result['keystone_token_requests'] = rc.keystone_tokens(
            ks_log, ks_offset, size(ks_log), relay.tag.decode())
        result['keystone_token_requests_relay_count'] = \
            relay.token_posts - relay_start
        result['phase_seconds'] = round(time.time() - t_phase, 1)
        all_reqs = rc.nova_requests(nova_log, nova_offset, user_id)
        result['nova_requests_whole_phase'] = len(all_reqs)
    return result
