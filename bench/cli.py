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

"""The command line: options, the run over the chosen systems, the output
(bench-results.json and the table)."""

import argparse
import datetime
import json
import os
import secrets
import signal
import sys

import bench
from bench.common import BenchError
from bench.common import FLOOR
from bench.common import PROCS
from bench.common import say
from bench.common import SYSTEMS
from bench.comparisons import add_driver_memory
from bench.comparisons import add_floor_ratios
from bench.comparisons import driver_memory_between
from bench import install
from bench.lab import check_compute_hosts
from bench.lab import check_neutron
from bench.lab import compute_hosts
from bench.lab import lab_status
from bench.lab import Project
from bench.lab import Servers
from bench.node_counts import parse_node_counts
from bench.node_counts import plan
from bench.report import table
from bench.report import targets
from bench.report import versions
from bench.system_run import Context
from bench.system_run import run_system
from bench.systems import SYSTEM_CLASSES


def options():
    """The command line's parser."""
    ap = argparse.ArgumentParser(description=bench.__doc__.split('\n\n')[0])
    ap.add_argument('--nodes', default='200',
                    help='node counts N, comma-separated (e.g. 200,1000; '
                         'each 1-1000): every system runs at each, smallest '
                         'first; the servers are grown from one N to the '
                         'next')
    ap.add_argument('--systems', default=','.join(SYSTEMS),
                    help='comma-separated subset of %s; add %s for '
                         "Ironic's own floor (fake power, no Nova)"
                         % (', '.join(SYSTEMS), FLOOR))
    ap.add_argument('--peers-max-nodes', type=int, default=200,
                    help='largest N at which the peers (sushy-redfish, '
                         'ovb-ipmi) run: above it they are left out, with '
                         'the reason in the output')
    ap.add_argument('--sweeps', type=int, default=3,
                    help='power sync sweeps timed per system (median); 3 '
                         'so that a full listing among them (our driver '
                         'lists in full every 300 s) is not the median')
    ap.add_argument('--changed-servers', type=int, default=10,
                    metavar='K',
                    help='servers stopped and started through Nova behind '
                         "Ironic's back between two sweeps, whose next "
                         'sweep is counted (capped at N; 0: not measured)')
    ap.add_argument('--sync-interval', type=int, default=30,
                    help='[conductor]sync_power_state_interval of the '
                         "benchmark's Ironics; keep it above "
                         '[openstack]server_list_max_age (20 s)')
    ap.add_argument('--power-samples', type=int, default=5,
                    help='nodes powered off and on per system')
    ap.add_argument('--lab-wait', type=int, default=900,
                    help='seconds to wait for a lab that is down')
    ap.add_argument('--output', default='bench-results.json')
    ap.add_argument('--ironic-launcher', metavar='FILE',
                    help='diagnosis only: run each Ironic as `<ironic venv '
                         'python> FILE --config-file ...` (a script that '
                         'traces or patches, then calls Ironic\'s main); '
                         'the results say so')
    return ap


def parse(argv=None):
    """The options, checked; args.node_counts is the list of N."""
    ap = options()
    args = ap.parse_args(argv)
    systems = [s.strip() for s in args.systems.split(',') if s.strip()]
    unknown = set(systems) - set(SYSTEMS) - {FLOOR}
    if unknown or not systems:
        ap.error('unknown system(s): %s' % ', '.join(sorted(unknown)))
    args.system_names = systems
    try:
        args.node_counts = parse_node_counts(args.nodes)
    except ValueError as e:
        ap.error(str(e))
    for name in ('peers_max_nodes', 'sweeps', 'changed_servers',
                 'power_samples'):
        if getattr(args, name) < (0 if name == 'changed_servers' else 1):
            ap.error('--%s: %d is too small'
                     % (name.replace('_', '-'), getattr(args, name)))
    return args


def run_node_count(ctx, n, names, servers, flavor):
    """Grow the servers to n, then run each system; their results."""
    ctx.servers = servers.grow_to(n, flavor, ctx.status['disk_image'])
    ctx.probe = servers.conn
    ctx.run_dir = os.path.join(ctx.base_dir, 'n%d' % n)
    os.makedirs(ctx.run_dir, mode=0o700, exist_ok=True)
    results = {}
    for name in names:
        say('N=%d: %s' % (n, name))
        try:
            results[name] = run_system(ctx, name)
        except (BenchError, OSError) as e:    # OSError: a timeout
            say('%s FAILED: %s' % (name, e))
            results.setdefault(name, {'nodes': n})
            results[name]['error'] = str(e)
    return results


def main():
    args = parse()
    INTERRUPTION.install()
    install.ensure_debian_packages(
        [SYSTEM_CLASSES[name] for name in args.system_names])
    status = lab_status(args.lab_wait)
    if not status.get('flavor') or not status.get('disk_image'):
        raise BenchError('the lab has no flavor/disk image yet')
    largest = args.node_counts[-1]
    lab_warning = ' '.join(w for w in (
        check_neutron(status, largest),
        check_compute_hosts(status, largest)) if w) or None
    if lab_warning:
        say('WARNING: ' + lab_warning)
    schedule = plan(args.node_counts, args.system_names, SYSTEM_CLASSES,
                    args.peers_max_nodes)
    for n, names, left_out in schedule:
        for name, reason in left_out.items():
            say('%s %s' % (name, reason))
    ctx = Context()
    ctx.args = args
    ctx.status = status
    ctx.prefix = 'ios-bench-%s' % secrets.token_hex(3)
    ctx.base_dir = os.path.join(status['state_dir'], 'bench', ctx.prefix)
    os.makedirs(ctx.base_dir, mode=0o700)
    ctx.nova_log = status['services']['nova-api']['log']
    ctx.keystone_log = status['services']['keystone']['log']
    say('run %s: N=%s, systems %s; logs in %s'
        % (ctx.prefix, ','.join(map(str, args.node_counts)),
           ', '.join(args.system_names), ctx.base_dir))

    ctx.project = None
    servers = None
    by_nodes = {}
    try:
        ctx.project = Project(status, ctx.prefix, ctx.base_dir,
                              args.system_names)
        servers = Servers(ctx.project, ctx.prefix)
        flavor = ctx.project.create(largest)
        for n, names, left_out in schedule:
            results = run_node_count(ctx, n, names, servers, flavor)
            for name, reason in left_out.items():
                results[name] = {'nodes': n, 'skipped': reason}
            by_nodes[n] = results
            # Written after each node count, before the cleanup (deleting
            # a thousand servers takes up to 20 minutes): a failure later
            # keeps what was measured.
            doc = write_results(args, ctx, status, lab_warning, servers,
                                by_nodes)
        print_report(args, by_nodes, doc, lab_warning)
    finally:
        cleanup(ctx, servers)
    return 1 if any('error' in r for results in by_nodes.values()
                    for r in results.values()) else 0


class Interruption:
    """The run's SIGINT, SIGTERM and SIGHUP.

    The first one raises KeyboardInterrupt in the main thread (where the
    run waits: its worker pools drop their queued work and wake their
    workers, ironic_openstack_driver.tools.waiting.in_parallel), so that
    the run's ``finally`` cleans up. Any later one, and any during the
    cleanup, is reported and ignored: the cleanup runs to its end (each of
    its steps is bounded); SIGKILL remains for a run that must die at
    once, at the price of its leftovers.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self):
        self.signum = None
        self.cleaning = False

    def install(self):
        for signum in self.SIGNALS:
            signal.signal(signum, self.handle)

    def handle(self, signum, frame):
        name = signal.Signals(signum).name
        if self.signum is not None or self.cleaning:
            say('%s received while %s: ignored, the cleanup goes on'
                % (name, 'cleaning up' if self.cleaning else 'stopping'))
            return
        self.signum = signum
        say('%s received: stopping, then cleaning up' % name)
        raise KeyboardInterrupt(name)


INTERRUPTION = Interruption()


def cleanup(ctx, servers):
    """What a run leaves, removed on every way out of main.

    Each Ironic it started with its nodes (its private database), every
    process it started (by PID), the run's servers (every server named
    PREFIX..., a multi-create batch not yet renamed included), its users,
    Keystone relays and project. A step that fails is reported and the
    next one runs.
    """
    INTERRUPTION.cleaning = True
    say('cleaning up')
    steps = [('Ironic %s' % ironic.system, ironic.stop)
             for ironic in getattr(ctx, 'ironics', [])]
    steps.append(('processes', PROCS.stop))
    if servers is not None:
        steps.append(('servers', servers.delete))
    if getattr(ctx, 'project', None) is not None:
        steps.append(('project', ctx.project.delete))
    for what, step in steps:
        try:
            step()
        except Exception as e:      # noqa: BLE001 - the next step runs
            say('cleanup: %s: %s' % (what, e))
    say('cleaned up')


def write_results(args, ctx, status, lab_warning, servers, by_nodes):
    """Derive the ratios and memory figures and write args.output.

    :param by_nodes: {node count: {system name: result}} measured so far.
    :returns: the document written.
    """
    for n, results in by_nodes.items():
        for r in results.values():
            r.setdefault('nodes', n)
        add_floor_ratios(results)
        add_driver_memory(results)
    doc = {'results_by_nodes': {str(n): r for n, r in by_nodes.items()},
           'driver_memory_between_node_counts':
               driver_memory_between(by_nodes),
           '_meta': meta(args, ctx, status, lab_warning, servers)}
    with open(args.output, 'w') as f:
        json.dump(doc, f, indent=2, sort_keys=True)
    return doc


def meta(args, ctx, status, lab_warning, servers):
    """The run's _meta: what ran, where, on what."""
    return {
        'command': ' '.join(sys.argv), 'prefix': ctx.prefix,
        'date': datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec='seconds'),
        'machine': '%s, %d cores, %.0f GB RAM' % (
            ' '.join(os.uname()[i] for i in (0, 2)), os.cpu_count(),
            os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30),
        'node_counts': args.node_counts,
        'peers_max_nodes': args.peers_max_nodes,
        'server_build_seconds': {str(n): s for n, s in
                                 servers.build_seconds.items()},
        'compute_hosts': compute_hosts(status),
        'sync_power_state_interval': args.sync_interval,
        'changed_servers': args.changed_servers,
        'lab_warning': lab_warning,
        'ironic_launcher': args.ironic_launcher,
        'versions': versions(status),
        'logs': ctx.base_dir}


def print_report(args, by_nodes, doc, lab_warning):
    """The tables (one per node count), targets, warnings, failures."""
    if args.ironic_launcher:
        print('\nNOTE: Ironic ran through %s, not unmodified.'
              % args.ironic_launcher)
    for n, results in sorted(by_nodes.items()):
        print('\nN=%d' % n)
        print(table(results))
        for label, ok, value in targets(results):
            print('%-52s %s (%s)' % (label, 'PASS' if ok else 'MISS', value))
        for name, r in results.items():
            if 'skipped' in r:
                print('%s: %s' % (name, r['skipped']))
            if 'error' in r:
                print('%s: FAILED: %s' % (name, r['error']))
    between = doc['driver_memory_between_node_counts']
    if between:
        print('\ndriver memory between N=%d and N=%d: %.1f MB per 1000 nodes'
              % (between['nodes'][0], between['nodes'][1],
                 between['mb_per_1000_nodes']))
    if lab_warning:
        print('\nWARNING: ' + lab_warning)
    print('\nwrote %s' % os.path.abspath(args.output))


def run():
    """The command line's entry point.

    Exit status 0, 1 (a system failed), 2 (the run could not start), or
    128 + the signal's number when SIGINT, SIGTERM or SIGHUP interrupted
    it (after its cleanup; the results of the node counts measured before
    are in the output file).
    """
    try:
        sys.exit(main())
    except BenchError as e:
        print('bench: error: %s' % e, file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        signum = INTERRUPTION.signum or signal.SIGINT
        print('bench: interrupted by %s; cleaned up'
              % signal.Signals(signum).name, file=sys.stderr)
        sys.exit(128 + signum)
