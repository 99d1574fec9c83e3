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

"""environment: create-nodes, ironic-host and enroll in one command.

As OpenStack Virtual Baremetal's deploy-env: the node servers, the Ironic
host on their provisioning network, a wait for its Ironic API, and the
nodes enrolled into it (through the ``baremetal`` entry ironic-host wrote
to --clouds-file), or into an existing Ironic (--ironic-cloud, no host
made). Each step is its sub-tool, run with the options this command
borrows from the sub-tool's own parser (env_options.py), so a second run
finds what exists, and ``--delete`` removes what the steps make, in
reverse order. A summary table ends every run, a failed one too.
"""

import collections

from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as sdk_exc

from ironic_openstack_driver.tools import common
from ironic_openstack_driver.tools.common import ToolError
from ironic_openstack_driver.tools import enroll
from ironic_openstack_driver.tools import env_options
from ironic_openstack_driver.tools import env_teardown
from ironic_openstack_driver.tools import host_userdata
from ironic_openstack_driver.tools import ironic_host
from ironic_openstack_driver.tools import nic_networks as nic_net
from ironic_openstack_driver.tools import servers
from ironic_openstack_driver.tools import waiting

NODES, HOST, API, ENROLL = ('create-nodes', 'ironic-host', 'ironic-api',
                            'enroll')
COLUMNS = ('Step', 'Result', 'What', 'Details')
NODE_COLUMNS = ('Node', 'Node UUID', 'Server ID', 'Provision state')
DEFAULT_API_TIMEOUT = 1800
# What each word a sub-tool's Result column starts with counts as.
KINDS = (('created', 'made'), ('exists', 'found'), ('deleted', 'deleted'),
         ('failed', 'failed'))

Outcome = collections.namedtuple('Outcome', 'step status columns rows note')


# Pure decisions.

def plan(delete=False, ironic_cloud=None, skip_enroll=False):
    """The steps of a run, in order.

    Creating: create-nodes, ironic-host and the wait for its API (not
    with ``ironic_cloud``: its Ironic is used), enroll (not with
    ``skip_enroll``). Deleting: the reverse; the nodes are deleted from
    Ironic only in ``ironic_cloud``'s (the host's Ironic goes with it).
    """
    steps = [NODES]
    if not ironic_cloud:
        steps.append(HOST)
    if not skip_enroll:
        if not ironic_cloud:
            steps.append(API)
        steps.append(ENROLL)
    if delete:
        return [s for s in reversed(steps)
                if s != API and (s != ENROLL or ironic_cloud)]
    return steps


def tally(outcome):
    """"N made, N found ..." of a step's rows (their Result column)."""
    if 'Result' not in outcome.columns:
        return ''
    index = outcome.columns.index('Result')
    counts = collections.Counter()
    for row in outcome.rows:
        for word, kind in KINDS:
            if row[index].startswith(word):
                counts[kind] += 1
    return ', '.join('%d %s' % (counts[kind], kind)
                     for _w, kind in KINDS if counts[kind])


def summary_rows(outcomes):
    """A row per step: its name, how it ended, what it made or found."""
    return [[o.step, o.status, tally(o), o.note] for o in outcomes]


def node_rows(outcomes):
    """A row per node server: its node's UUID and state where enrolled."""
    by_step = {o.step: o for o in outcomes}
    nodes = {}
    if ENROLL in by_step:
        nodes = {row[0]: row for row in by_step[ENROLL].rows}
    rows = []
    for row in by_step[NODES].rows if NODES in by_step else ():
        node = nodes.get(row[0], ['', '', '', ''])
        rows.append([row[0], node[1], row[1], node[3]])
    return rows


def render(outcomes, ironic, nodes=True):
    """The closing text: the steps, the Ironic, the nodes.

    :param ironic: the Ironic enrolled into, in words, or None.
    :param nodes: add the table of the node servers (not after a delete).
    """
    text = [common.format_table(COLUMNS, summary_rows(outcomes))]
    if ironic:
        text.append('Ironic: %s' % ironic)
    nodes = node_rows(outcomes) if nodes else None
    if nodes:
        text.append(common.format_table(NODE_COLUMNS, nodes))
    return '\n'.join(text)


# I/O: the steps.

class Run:
    """One run of the environment: its connections and step outcomes."""

    def __init__(self, conns, args):
        self.compute, self.baremetal = conns
        self.args = args
        self.ironic = None      # the Ironic enrolled into, in words
        self.endpoint = None    # the host's Ironic API
        self.host_cloud = None  # (name, clouds file) of the host's Ironic
        self.server_ids = []    # of the node servers, to enroll
        self.host_conn = None

    def step_args(self, command):
        """The sub-tool's arguments for this run (env_options.step_args)."""
        return env_options.step_args(self.args, command,
                                     self.derived(command))

    def derived(self, command):
        """The options of ``command`` this command sets itself."""
        args = self.args
        network, physnet = nic_net.parse_network(args.network[0]) \
            if args.network else (None, None)
        if command == HOST:
            return [('--network', network), ('--delete', args.delete)]
        if command == ENROLL:
            # The servers create-nodes made or found, not every PREFIX-N.
            return [('--server', self.server_ids), ('--network', network),
                    ('--physical-network', args.physical_network or physnet),
                    ('--driver-cloud', args.driver_cloud or (
                        args.os_cloud if args.ironic_cloud
                        else host_userdata.CLOUD))]
        return []

    def nodes(self, report):
        if self.args.delete:
            env_teardown.delete_servers(self.compute(), report,
                                        self.args.prefix, self.args.count,
                                        self.args.timeout)
            report.table()
            return True
        ok = servers.run(self.compute(), self.step_args(NODES), report)
        self.server_ids = [row[1] for row in report.rows if row[1]]
        return ok == 0

    def host(self, report):
        args = self.step_args(HOST)
        if self.args.delete:
            return ironic_host.run(self.compute(), args, report) == 0
        endpoint, clouds_file = ironic_host.create(self.compute(), args,
                                                   report)
        self.host_cloud = (args.name, clouds_file)
        self.endpoint = endpoint
        self.ironic = '%s (cloud %s in %s)' % (endpoint, args.name,
                                               clouds_file)
        return True

    def host_baremetal(self):
        """The host's Ironic, through the entry ironic-host wrote."""
        if self.host_conn is None:
            name, clouds_file = self.host_cloud
            self.host_conn = common.connect(name, clouds_file,
                                            what='clouds-file')
        return self.host_conn.baremetal

    def api(self, report):
        wait_for_api(self.host_baremetal(), report, self.endpoint,
                     self.args.api_timeout)
        return True

    def enroll(self, report):
        if self.args.delete:
            env_teardown.delete_nodes(self.compute(), self.baremetal(),
                                      report, self.args.prefix,
                                      self.args.count)
            report.table()
            return True
        baremetal = (self.baremetal if self.args.ironic_cloud
                     else self.host_baremetal)
        return enroll.run((self.compute, baremetal),
                          self.step_args(ENROLL), report) == 0


def wait_for_api(bm, report, endpoint, timeout):
    """Wait until the Ironic API at ``endpoint`` lists nodes.

    :param bm: the baremetal proxy of that Ironic.
    :param timeout: seconds (--api-timeout); 0 asks once.
    :raises: ToolError when it refuses the credentials (at once) or does
        not answer within ``timeout`` seconds.
    """
    def answers():
        try:
            list(bm.nodes(limit=1))
        except sdk_exc.HttpException as e:
            if e.status_code in (401, 403):
                raise ToolError('the Ironic API at %s refuses the '
                                'credentials of --clouds-file: %s' % (
                                    endpoint, common.describe_error(e)))
            raise
        return True
    report.progress('Waiting for the Ironic API at %s (cloud-init installs '
                    'Ironic on the first boot; up to %d s) ...'
                    % (endpoint, timeout))
    waiting.wait_for(
        'the Ironic API at %s' % endpoint, answers, timeout, interval=5,
        backoff=1.5, max_interval=30,
        tolerate=(sdk_exc.SDKException, ks_exc.ClientException),
        error=lambda why: ToolError(
            '%s: cloud-init may still be installing it (on the host: '
            '/var/log/cloud-init-output.log); run the same command again '
            'to wait more (--api-timeout), or add --skip-enroll' % why))


def run(conns, args, report):
    """Run the steps of plan(); the summary on stdout.

    :param conns: (compute, baremetal) callables of cli.main: the host
        cloud's connection, and --ironic-cloud's Ironic.
    :returns: 0, or 1 when a step failed (the steps after it not run).
    :raises: ToolError for options that cannot make a run, before any
        step.
    """
    if args.ironic_cloud and args.skip_enroll:
        raise ToolError('--ironic-cloud names the Ironic to enroll into: '
                        'not with --skip-enroll')
    steps = plan(args.delete, args.ironic_cloud, args.skip_enroll)
    if not args.delete:
        env_options.check_needed(args, [s for s in steps if s != API])
    elif args.count is None:
        raise ToolError('--count: how many node servers PREFIX-N to delete')
    this = Run(conns, args)
    if args.ironic_cloud:
        this.ironic = 'cloud %s (--ironic-cloud)' % args.ironic_cloud
    runners = {NODES: this.nodes, HOST: this.host, API: this.api,
               ENROLL: this.enroll}
    outcomes = []
    failed = None
    for step in steps:
        if failed:
            outcomes.append(Outcome(step, 'not run', (), [], ''))
            continue
        columns = env_options.columns(step)
        # The step's own table goes with the progress lines (stderr).
        step_report = common.Report(columns, out=report.err,
                                    err=report.err)
        report.progress('== %s' % step)
        try:
            ok = runners[step](step_report)
            error = None if ok else 'failed (see above)'
        except (ToolError, sdk_exc.SDKException,
                ks_exc.ClientException) as e:
            error = str(e) if isinstance(e, ToolError) \
                else common.describe_error(e)
            if step_report.rows:
                # Stopped before the step printed its table.
                report.progress('What step %s made or found:' % step)
                step_report.table()
        if error:
            failed = step
            report.fail('step %s: %s' % (step, error))
        note = ''
        if not error and not args.delete:
            note = {HOST: this.endpoint, API: 'answered'}.get(step, '')
        outcomes.append(Outcome(step, 'failed' if error else 'done',
                                columns, step_report.rows, note))
    print(render(outcomes, None if args.delete else this.ironic,
                 nodes=not args.delete), file=report.out)
    if failed:
        report.progress(
            'Stopped at step %s: the tables show what exists. Fix the cause '
            'and run the same command again (it finds what exists), or add '
            '--delete to remove it.' % failed)
        return 1
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser(
        'environment',
        help='create-nodes, ironic-host and enroll in one command',
        description='Make a whole environment: the node servers '
                    '(create-nodes), the Ironic host on their provisioning '
                    'network (ironic-host), a wait for its Ironic API, and '
                    'the nodes enrolled into it (enroll, through the '
                    'clouds.yaml entry ironic-host writes), or into an '
                    'existing Ironic with --ironic-cloud. Run again, it '
                    'finds what exists; --delete removes what it made, in '
                    'reverse order. The options of each step are its '
                    'sub-tool\'s, some renamed (--node-image, '
                    '--host-image ...).')
    p.add_argument('--delete', action='store_true',
                   help='delete what the steps make, in reverse order: the '
                        'nodes (only from --ironic-cloud\'s Ironic; the '
                        'host\'s goes with it), the Ironic host (as '
                        'ironic-host --delete), the servers PREFIX-0 ... '
                        'PREFIX-(COUNT-1) and their ports. The network is '
                        'kept')
    p.add_argument('--skip-enroll', action='store_true',
                   help='make the servers and the Ironic host only, '
                        'without waiting for its API')
    p.add_argument('--api-timeout', type=int, default=DEFAULT_API_TIMEOUT,
                   metavar='SECONDS',
                   help='how long to wait for the Ironic host\'s API to '
                        'answer before enrolling (cloud-init installs '
                        'Ironic on the first boot) (default: %(default)s)')
    env_options.borrow(p)
    p.set_defaults(func=run, columns=COLUMNS, needs=('cloud', 'ironic'))
    return p
