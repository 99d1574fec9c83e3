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

"""``tox -e tempest``: the plugin's scenario tests on the real lab.

Runs from the tox env (tempest, ironic-tempest-plugin and the project's
wheel installed) as a script of the checkout, outside the lab's namespace:

1. ``labctl up`` (idempotent; ``--no-up`` skips it) in the mode of
   ``$IOS_LAB_VIRT`` (default qemu), then ``labctl status --json``;
2. ``labnodes.py`` (beside this file) with the lab's Ironic venv, inside
   the namespace: nodes available, Ironic's view of the hardware type;
3. tempest.conf from those (``labconf``), in the workspace;
4. ``tempest run`` inside the namespace (``exec_prefix``);
5. the report (``labresults``) from the run's subunit stream, ending in
   ``N passed, N failed, N skipped``. Exit 1 on any failure, when no test
   passed, or when a class that must pass (``--require``; by default
   ``LAB_REQUIRED`` for this plugin's tests, none for ``--regex`` and
   ``--upstream``) skipped, failed or did not run.
"""

import argparse
import io
import json
import os
import subprocess
import sys
import time

import yaml

import labconf
import labresults

OURS = r'^ironic_openstack_driver_tempest_plugin\.tests\.scenario\.'
UPSTREAM = r'^ironic_tempest_plugin\.tests\.scenario\.ironic_standalone\.'
BIN = os.path.dirname(sys.executable)
#: labnodes.py, run by the lab's Ironic venv (it imports only the standard
#: library and openstacksdk).
LABNODES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        'labnodes.py')
#: The plugin's classes the real lab serves: each must pass (a skip of
#: one fails the run). OpenStackRescueWholedisk too: the real lab enables
#: the agent rescue interface, and its agent ramdisk starts an SSH server
#: for the rescue user.
LAB_REQUIRED = ('OpenStackDirectWholedisk', 'OpenStackIPXEBoot',
                'OpenStackVirtualMediaBoot', 'OpenStackRamdiskDeploy',
                'OpenStackManualCleaning', 'OpenStackAutomatedCleaning',
                'OpenStackRescueWholedisk', 'OpenStackPowerCycleWholedisk')


def say(text):
    print('[tempest-lab %s] %s' % (time.strftime('%H:%M:%S'), text),
          flush=True)


def labctl(repo, *args, capture=False):
    argv = [sys.executable, os.path.join(repo, 'lab', 'labctl.py')] + list(
        args)
    if capture:
        return subprocess.run(argv, check=True, stdout=subprocess.PIPE,
                              text=True).stdout
    subprocess.run(argv, check=True)


def stestr_conf(workspace):
    import tempest.test_discover
    discover = os.path.dirname(tempest.test_discover.__file__)
    top = os.path.dirname(os.path.dirname(discover))
    with open(os.path.join(workspace, '.stestr.conf'), 'w') as f:
        f.write('[DEFAULT]\ntest_path=%s\ntop_dir=%s\n'
                'group_regex=([^\\.]*\\.)*\n' % (discover, top))


def write_conf(workspace, status, driver, node_name_prefix):
    with open(status['clouds_yaml']) as f:
        clouds = yaml.safe_load(f)['clouds']
    admin = clouds[status['project_admin_cloud']]['auth']
    region = clouds[status['project_admin_cloud']].get('region_name',
                                                       'RegionOne')
    text = labconf.render(labconf.sections(
        status, driver, admin, region=region,
        node_name_prefix=node_name_prefix))
    os.makedirs(os.path.join(workspace, 'etc'), exist_ok=True)
    path = os.path.join(workspace, 'etc', 'tempest.conf')
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(text)
    return path


def records_of_last_run(workspace):
    # The tox env's (tempest's) stream libraries: imported where used, so
    # that the unit tests import this module without them.
    import subunit
    import testtools

    stream = subprocess.run([os.path.join(BIN, 'stestr'), 'last',
                             '--subunit'], cwd=workspace,
                            stdout=subprocess.PIPE).stdout
    records = []

    def keep(test):
        reason = test['details'].get('reason')
        records.append({'id': test['id'], 'status': test['status'],
                        'timestamps': test['timestamps'],
                        'reason': reason.as_text() if reason else None})

    case = subunit.ByteStreamToStreamResult(io.BytesIO(stream),
                                            non_subunit_name='stdout')
    result = testtools.StreamToDict(keep)
    result.startTestRun()
    case.run(result)
    result.stopTestRun()
    return records


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repo', required=True, help='the checkout')
    parser.add_argument('--workspace', help='default <repo>/.tempest')
    parser.add_argument('--no-up', action='store_true',
                        help='use the running lab as it is')
    parser.add_argument('--nodes', type=int, default=2)
    parser.add_argument('--prefix', default='tempest-os',
                        help='name prefix of the plugin\'s nodes')
    parser.add_argument('--concurrency', type=int)
    parser.add_argument('--upstream', action='store_true',
                        help='run upstream\'s standalone tests instead')
    parser.add_argument('--regex', help='tests to run (default: all of '
                        'this plugin\'s scenario tests)')
    parser.add_argument('--list', action='store_true',
                        help='write tempest.conf and list the tests only')
    parser.add_argument('--require', metavar='CLASS[,CLASS...]',
                        help='test classes that must pass: a skip, a '
                        'failure or no run of one fails the run (default: '
                        '%s without --regex and --upstream, else none; '
                        '"" for none)' % ','.join(LAB_REQUIRED))
    args = parser.parse_args(argv)
    required = required_classes(args)
    started = time.monotonic()
    workspace = os.path.abspath(args.workspace or os.path.join(
        args.repo, '.tempest'))
    os.makedirs(workspace, exist_ok=True)
    virt = os.environ.get('IOS_LAB_VIRT', 'qemu')
    if virt == 'fake':
        virt = 'qemu'
    if not args.no_up:
        say('labctl up --virt %s' % virt)
        labctl(args.repo, 'up', '--virt', virt)
    status = json.loads(labctl(args.repo, 'status', '--json', capture=True))
    status_file = os.path.join(workspace, 'status.json')
    with open(status_file, 'w') as f:
        json.dump(status, f, indent=1)
    prefix = list(status.get('exec_prefix') or [])
    if not prefix:
        say('the lab runs in mode %s, not a real one' % status.get('virt'))
        return 2
    say('nodes (labnodes, in the namespace)')
    out = subprocess.run(
        prefix + [os.path.join(status['ironic_venv'], 'bin', 'python'),
                  LABNODES, '--status-file', status_file,
                  '--count', str(args.nodes), '--prefix', args.prefix],
        stdout=subprocess.PIPE, text=True)
    prepared = json.loads(out.stdout) if out.stdout.strip() else {}
    for node in prepared.get('nodes', []):
        say('node %(name)s %(uuid)s %(provision_state)s' % node)
    if out.returncode or 'driver' not in prepared:
        say('the lab could not give %d available node(s)' % args.nodes)
        return 2
    conf = write_conf(workspace, status, prepared['driver'],
                      args.prefix + '-')
    stestr_conf(workspace)
    if not os.path.isdir(os.path.join(workspace, '.stestr')):
        subprocess.run([os.path.join(BIN, 'stestr'), 'init'], cwd=workspace,
                       check=True, stdout=subprocess.DEVNULL)
    say('wrote %s' % conf)
    regex = args.regex or (UPSTREAM if args.upstream else OURS)
    tempest = [os.path.join(BIN, 'tempest'), 'run', '--config-file', conf,
               '--regex', regex]
    if args.list:
        return subprocess.run(tempest + ['--list-tests'],
                              cwd=workspace).returncode
    tempest += ['--concurrency', str(args.concurrency or args.nodes)]
    say('tempest run --regex %s (in namespace %s)' % (regex, prefix[-1]))
    t = time.monotonic()
    rc = subprocess.run(prefix + tempest, cwd=workspace).returncode
    say('tempest run exited %d after %.0fs (all: %.0fs)' % (
        rc, time.monotonic() - t, time.monotonic() - started))
    records = records_of_last_run(workspace)
    print()
    for line in labresults.summarise(records, required):
        print(line)
    ok, reasons = labresults.verdict(records, required)
    if rc and ok:
        reasons = ['tempest run exited %d' % rc]
    if reasons:
        say('FAILED: %s' % '; '.join(reasons))
    return 1 if reasons else 0


def required_classes(args):
    """The classes that must pass, from ``--require`` or the default.

    :param args: the parsed arguments (require, regex, upstream).
    """
    if args.require is not None:
        return tuple(c.strip() for c in args.require.split(',')
                     if c.strip())
    if args.regex or args.upstream:
        return ()
    return LAB_REQUIRED


if __name__ == '__main__':
    sys.exit(main())
