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

    python3 lab/labctl.py up             install what is missing, start, wait
    python3 lab/labctl.py status [--json]
    python3 lab/labctl.py down [--purge] stop everything the lab started
    python3 lab/labctl.py demo [--nodes N]

``up``, ``status`` and ``down`` need only the standard library; ``demo``
needs openstacksdk (the ``tox -e lab`` env has it; otherwise it runs under
the lab's Ironic venv). See lab/README.rst.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from labkit import lab as labmod  # noqa: E402
from labkit import procs  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='labctl', description=__doc__.split('\n')[1])
    sub = parser.add_subparsers(dest='command')
    sub.add_parser('up', help='install what is missing and start the lab')
    st = sub.add_parser('status', help='what runs, where, which ports')
    st.add_argument('--json', action='store_true')
    dn = sub.add_parser('down', help='stop everything the lab started')
    dn.add_argument('--purge', action='store_true',
                    help='also remove the lab data (keeps the venvs)')
    dn.add_argument('--purge-venvs', action='store_true',
                    help='with --purge: remove the venvs too')
    demo = sub.add_parser('demo', help='up, then the Ironic/Nova walk-through')
    demo.add_argument('--nodes', type=int, default=3)
    demo.add_argument('--no-up', action='store_true',
                      help='assume the lab runs already')
    args = parser.parse_args(argv)
    command = args.command or 'demo'
    if command == 'demo' and not hasattr(args, 'nodes'):
        args = parser.parse_args(['demo'])

    try:
        if command == 'up':
            labmod.print_status(labmod.Lab().up())
            return 0
        if command == 'status':
            status = labmod.Lab(verbose=False).status()
            if args.json:
                print(json.dumps(status, indent=2, sort_keys=True))
            else:
                labmod.print_status(status)
            return 0 if status['running'] else 3
        if command == 'down':
            labmod.Lab().down(purge=args.purge, purge_venvs=args.purge_venvs)
            return 0
        if command == 'demo':
            if not args.no_up:
                labmod.Lab().up()
            return run_demo(args.nodes)
    except procs.LabError as exc:
        print('\nlab: ERROR: %s' % exc, file=sys.stderr)
        return 1
    parser.error('unknown command %s' % command)


def run_demo(nodes):
    """Run the demo here if openstacksdk imports, else in the Ironic venv."""
    try:
        import openstack  # noqa: F401
    except ImportError:
        from labkit import settings
        python = settings.paths().venv_bin(settings.paths().ironic_venv,
                                           'python')
        os.execv(python, [python, os.path.abspath(__file__), 'demo',
                          '--no-up', '--nodes', str(nodes)])
    from labkit import demo
    return demo.main(nodes)


if __name__ == '__main__':
    sys.exit(main())
