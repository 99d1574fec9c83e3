#!/usr/bin/env python3
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

"""The local lab: a real OpenStack control plane (fake compute) plus Ironic.

    python3 lab/labctl.py up [--compute-hosts K] [--virt qemu [--fast-track]]
                                         install what is missing, start, wait
    python3 lab/labctl.py status [--json]
    python3 lab/labctl.py down [--purge] stop everything the lab started
    python3 lab/labctl.py demo [--nodes N]
    python3 lab/labctl.py phases [NODE...]   where a real walk's time went
    python3 lab/labctl.py conductor add|kill|remove   a second conductor
    python3 lab/labctl.py fault pause|resume|stop|start|kill SERVICE
    python3 lab/labctl.py token-lifetime SECONDS|default

``up``, ``status`` and ``down`` need only the standard library; ``demo``
needs openstacksdk (the ``tox -e lab`` env has it; otherwise it runs under
the lab's Ironic venv). See lab/README.rst.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# The repository: the lab and the driver's tools share their poll loop and
# the demos make their nodes with the tools (ironic_openstack_driver.tools).
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

from labkit import compute  # noqa: E402
from labkit import demo  # noqa: E402
from labkit import deploy_demo  # noqa: E402
from labkit import faults  # noqa: E402
from labkit import install  # noqa: E402
from labkit import lab as labmod  # noqa: E402
from labkit import mode  # noqa: E402
from labkit import namespace  # noqa: E402
from labkit import procs  # noqa: E402
from labkit import settings  # noqa: E402
from labkit import status as statusmod  # noqa: E402
from labkit import tuning  # noqa: E402
from labkit import walk_logs  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='labctl', description=__doc__.split('\n')[1])
    sub = parser.add_subparsers(dest='command')
    up = sub.add_parser('up', help='install what is missing and start the lab')
    up.add_argument('--virt', choices=settings.VIRT_MODES,
                    help='compute mode: fake (default; also $%s) or qemu '
                    '/ kvm (real guests, in network namespace %s)' % (
                        settings.VIRT_ENV, settings.NETNS))
    hosts_help = ('fast mode: run K fake compute hosts (lab-compute, '
                  'lab-compute-2, ...; also $%s; default: as last up, '
                  'first 1). A new K restarts Nova fresh'
                  % settings.COMPUTE_HOSTS_ENV)
    up.add_argument('--compute-hosts', type=int, metavar='K',
                    help=hosts_help)
    fast_help = ("real mode: Ironic's [deploy]fast_track, one agent boot "
                 'for a cleaning and the deploy after it (also $%s=1); '
                 'an up without it turns it off' % settings.FAST_TRACK_ENV)
    up.add_argument('--fast-track', action=argparse.BooleanOptionalAction,
                    help=fast_help)
    up.add_argument('--inside', action='store_true',
                    help=argparse.SUPPRESS)
    st = sub.add_parser('status', help='what runs, where, which ports')
    st.add_argument('--json', action='store_true')
    dn = sub.add_parser('down', help='stop everything the lab started')
    dn.add_argument('--purge', action='store_true',
                    help='also remove the lab data (keeps the venvs)')
    dn.add_argument('--purge-venvs', action='store_true',
                    help='with --purge: remove the venvs too')
    demo = sub.add_parser('demo', help='up, then the Ironic/Nova walk-through')
    demo.add_argument('--nodes', type=int,
                      help='nodes to walk (default 3; 2 with a real virt)')
    demo.add_argument('--virt', choices=settings.VIRT_MODES,
                      help='as for up')
    demo.add_argument('--compute-hosts', type=int, metavar='K',
                      help='as for up')
    demo.add_argument('--fast-track', action=argparse.BooleanOptionalAction,
                      help='as for up')
    demo.add_argument('--no-up', action='store_true',
                      help='assume the lab runs already')
    phases = sub.add_parser('phases', help="where a real-mode walk's time "
                            'went, per phase, from the lab\'s logs')
    phases.add_argument('nodes', nargs='*', metavar='NODE',
                        help='node UUID (default: the node of the last '
                        'provision state change)')
    cond = sub.add_parser('conductor', help='a second ironic-conductor '
                          '(host %s) on the same database and bus'
                          % settings.SECOND_IRONIC_HOST)
    cond.add_argument('action', choices=('add', 'kill', 'remove'),
                      help='add: (re)start it and wait until it is online; '
                      'kill: SIGKILL; remove: stop it cleanly')
    fault = sub.add_parser('fault', help='inject a fault into a service')
    fault.add_argument('action', choices=faults.ACTIONS)
    fault.add_argument('service', choices=faults.SERVICES)
    token = sub.add_parser('token-lifetime',
                           help="Keystone's token lifetime (restarts "
                           "Keystone)")
    token.add_argument('seconds', help='%d..%d, or "default" (one hour)' % (
        tuning.MIN_TOKEN_LIFETIME, tuning.MAX_TOKEN_LIFETIME))
    sub.add_parser('test-packages', help='install the Debian packages '
                   'tests/unit runs (tox -e unit and tox -e tests do)')
    args = parser.parse_args(argv)
    command = args.command or 'demo'
    if command == 'demo' and not hasattr(args, 'nodes'):
        args = parser.parse_args(['demo'])

    try:
        if command == 'up':
            virt = mode.requested_virt(args.virt)
            lab = labmod.Lab(virt=virt, compute_hosts=(
                compute.requested_compute_hosts(virt, args.compute_hosts)))
            if args.inside:
                lab.up(inside=True)
                return 0
            statusmod.print_status(lab.up(fast_track=(
                mode.requested_fast_track(virt, args.fast_track))))
            return 0
        if command == 'status':
            status = labmod.Lab(verbose=False).status()
            if args.json:
                print(json.dumps(status, indent=2, sort_keys=True))
            else:
                statusmod.print_status(status)
            return 0 if status['running'] else 3
        if command == 'down':
            labmod.Lab().down(purge=args.purge, purge_venvs=args.purge_venvs)
            return 0
        if command == 'phases':
            return print_phases(args.nodes)
        if command == 'test-packages':
            return install_test_packages()
        if command in ('conductor', 'fault', 'token-lifetime'):
            return run_lab_command(args, argv)
        if command == 'demo':
            virt = mode.requested_virt(args.virt)
            hosts = compute.requested_compute_hosts(virt,
                                                    args.compute_hosts)
            if not args.no_up:
                labmod.Lab(virt=virt, compute_hosts=hosts).up(
                    fast_track=mode.requested_fast_track(virt,
                                                         args.fast_track))
            if virt != 'fake':
                return run_deploy_demo(args.nodes or 2)
            return run_demo(args.nodes or 3)
    except procs.LabError as exc:
        print('\nlab: ERROR: %s' % exc, file=sys.stderr)
        return 1
    parser.error('unknown command %s' % command)


def print_phases(nodes):
    """The phases of the nodes' walks; 1 when the logs show none."""
    p = settings.paths()
    nodes = nodes or [walk_logs.last_node(p)]
    if nodes == [None]:
        print('phases: no provision state change in %s'
              % p.log_of('ironic'), file=sys.stderr)
        return 1
    return 0 if walk_logs.print_phases(p, nodes) else 1


def install_test_packages():
    """apt-get install what tests/unit needs, if anything is missing."""
    # Not in the lab's state dir: the unit tests need no lab.
    log = os.path.join(tempfile.gettempdir(), 'ios-test-packages.log')
    installed = install.ensure_apt(None, log, install.UNIT_TEST_APT_PACKAGES)
    print('Debian packages for tests/unit: %s' % (
        'installed ' + ' '.join(installed) if installed else 'present'))
    return 0


def run_lab_command(args, argv):
    """conductor / fault / token-lifetime, inside the namespace if real."""
    lab = labmod.Lab()
    if lab.real and not namespace.inside():
        return subprocess.run(namespace.prefix() + [
            sys.executable, os.path.abspath(__file__)]
            + list(argv if argv is not None else sys.argv[1:])).returncode
    ops = lab.operations()
    if args.command == 'conductor':
        ops.conductor(args.action)
    elif args.command == 'fault':
        ops.fault(args.action, args.service)
    else:
        ops.set_token_lifetime(token_lifetime(args.seconds))
    return 0


def token_lifetime(seconds):
    """The lifetime asked for: seconds, or None for "default"."""
    if seconds == 'default':
        value = None
    else:
        try:
            value = int(seconds)
        except ValueError:
            value = -1
        if not (tuning.MIN_TOKEN_LIFETIME <= value
                <= tuning.MAX_TOKEN_LIFETIME):
            raise procs.LabError('token-lifetime: %r is not "default" nor '
                                 'a number of seconds in %d..%d' % (
                                     seconds, tuning.MIN_TOKEN_LIFETIME,
                                     tuning.MAX_TOKEN_LIFETIME))
    return value


def run_demo(nodes):
    """Run the demo here if openstacksdk imports, else in the Ironic venv."""
    try:
        # openstacksdk is optional here: up, status and down need only the
        # standard library; without it the demo runs in the Ironic venv.
        import openstack  # noqa: F401
    except ImportError:
        python = settings.paths().venv_bin(settings.paths().ironic_venv,
                                           'python')
        os.execv(python, [python, os.path.abspath(__file__), 'demo',
                          '--no-up', '--nodes', str(nodes)])
    return demo.main(nodes)


def run_deploy_demo(nodes):
    """The real-mode demo, inside the lab's namespace, in the Ironic venv."""
    if not namespace.inside():
        python = settings.paths().venv_bin(settings.paths().ironic_venv,
                                           'python')
        return subprocess.run(namespace.prefix() + [
            python, os.path.abspath(__file__), 'demo', '--no-up',
            '--virt', labmod.Lab(verbose=False).virt, '--nodes',
            str(nodes)]).returncode
    return deploy_demo.main(labmod.Lab(verbose=False).status(), nodes)


if __name__ == '__main__':
    sys.exit(main())
