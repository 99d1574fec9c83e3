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
from bench import install
from bench.lab import check_compute_hosts
from bench.lab import check_neutron
from bench.lab import lab_status
from bench.lab import Project
from bench.lab import Servers
from bench.report import table
from bench.report import targets
from bench.report import versions
from bench.system_run import Context
from bench.system_run import run_system
from bench.systems import SYSTEM_CLASSES


def main():
    ap = argparse.ArgumentParser(description=bench.__doc__.split('\n\n')[0])
    ap.add_argument('--nodes', type=int, default=200)
    ap.add_argument('--systems', default=','.join(SYSTEMS),
                    help='comma-separated subset of %s; add %s for '
                         "Ironic's own floor (fake power, no Nova)"
                         % (', '.join(SYSTEMS), FLOOR))
    ap.add_argument('--sweeps', type=int, default=2,
                    help='power sync sweeps timed per system (median)')
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
    args = ap.parse_args()
    systems = [s.strip() for s in args.systems.split(',') if s.strip()]
    unknown = set(systems) - set(SYSTEMS) - {FLOOR}
    if unknown or not systems:
        ap.error('unknown system(s): %s' % ', '.join(sorted(unknown)))
    if not 1 <= args.nodes <= 1000:
        ap.error('--nodes must be between 1 and 1000')

    install.ensure_debian_packages(
        [SYSTEM_CLASSES[name] for name in systems])
    status = lab_status(args.lab_wait)
    if not status.get('flavor') or not status.get('disk_image'):
        raise BenchError('the lab has no flavor/disk image yet')
    lab_warning = ' '.join(w for w in (
        check_neutron(status, args.nodes),
        check_compute_hosts(status, args.nodes)) if w) or None
    if lab_warning:
        say('WARNING: ' + lab_warning)
    ctx = Context()
    ctx.args = args
    ctx.status = status
    ctx.prefix = 'ios-bench-%s' % secrets.token_hex(3)
    ctx.run_dir = os.path.join(status['state_dir'], 'bench', ctx.prefix)
    os.makedirs(ctx.run_dir, mode=0o700)
    ctx.nova_log = status['services']['nova-api']['log']
    ctx.keystone_log = status['services']['keystone']['log']
    say('run %s: %d nodes, systems %s; logs in %s'
        % (ctx.prefix, args.nodes, ', '.join(systems), ctx.run_dir))

    ctx.project = Project(status, ctx.prefix, ctx.run_dir, systems)
    servers = Servers(ctx.project, ctx.prefix)
    results = {}
    interrupted = []

    def on_signal(signum, frame):
        interrupted.append(signum)
        raise KeyboardInterrupt('signal %d' % signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        flavor = ctx.project.create(args.nodes)
        servers.create(args.nodes, flavor, status['disk_image'])
        ctx.servers = servers.servers
        ctx.probe = servers.conn
        for name in systems:
            try:
                results[name] = run_system(ctx, name)
            except (BenchError, OSError) as e:    # OSError: a timeout
                say('%s FAILED: %s' % (name, e))
                results.setdefault(name, {'nodes': args.nodes})
                results[name]['error'] = str(e)
    finally:
        say('cleaning up')
        PROCS.stop()
        servers.delete()
        ctx.project.delete()

    for r in results.values():
        r.setdefault('nodes', args.nodes)
    doc = dict(results)
    doc['_meta'] = {
        'command': ' '.join(sys.argv), 'prefix': ctx.prefix,
        'date': datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec='seconds'),
        'machine': '%s, %d cores, %.0f GB RAM' % (
            ' '.join(os.uname()[i] for i in (0, 2)), os.cpu_count(),
            os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30),
        'sync_power_state_interval': args.sync_interval,
        'ovb_bmc_addressing': 'own loopback address and port per BMC',
        'shims': 'none',
        'lab_warning': lab_warning,
        'ironic_launcher': args.ironic_launcher,
        'versions': versions(status),
        'logs': ctx.run_dir}
    with open(args.output, 'w') as f:
        json.dump(doc, f, indent=2, sort_keys=True)
    print()
    if args.ironic_launcher:
        print('NOTE: Ironic ran through %s, not unmodified.'
              % args.ironic_launcher)
    print(table(results))
    print()
    for label, ok, value in targets(results):
        print('%-50s %s (%s)' % (label, 'PASS' if ok else 'MISS', value))
    if lab_warning:
        print('\nWARNING: ' + lab_warning)
    for name, r in results.items():
        if 'error' in r:
            print('%s: FAILED: %s' % (name, r['error']))
    print('\nwrote %s' % os.path.abspath(args.output))
    return 1 if any('error' in r for r in results.values()) else 0


def run():
    """The command line's entry point.

    Exit status 0, 1 (a system failed) or 2 (the run could not start).
    """
    try:
        sys.exit(main())
    except BenchError as e:
        print('bench: error: %s' % e, file=sys.stderr)
        sys.exit(2)
