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

"""The shared lab the benchmark runs on: its status, a Keystone project
with one user per system, and the N Nova servers that play the nodes."""

import json
import os
import secrets
import subprocess
import sys
import time

from bench.common import BenchError
from bench.common import http
from bench.common import LABCTL
from bench.common import port_free
from bench.common import quiet_report
from bench.common import say
from bench.common import tool_errors
from bench.request_counting import KeystoneRelay
from ironic_openstack_driver.tools.common import ToolError
from ironic_openstack_driver.tools import server_listing
from ironic_openstack_driver.tools import servers as tool_servers

KEYSTONE_RELAY_BASE_PORT = 16421
UA_APP = 'ios-bench'
# Servers per multi-create request (tools/servers.py's batch mode): a
# whole node count (at most 1000) in one request.
BATCH = 1000
# Rounds of replacing servers that Nova failed to build (Servers.grow_to).
REBUILD_ROUNDS = 2


def lab_status(wait_s):
    """The lab's status --json; waits (bounded) while the lab is down."""
    deadline = time.monotonic() + wait_s
    while True:
        out = subprocess.run([sys.executable, LABCTL, 'status', '--json'],
                             capture_output=True, text=True, timeout=120)
        try:
            status = json.loads(out.stdout)
        except ValueError:
            status = {}
        if status.get('running'):
            return status
        if time.monotonic() > deadline:
            raise BenchError(
                'the lab is not running (python3 lab/labctl.py status). The '
                'lab is shared: the benchmark does not start it; bring it up '
                'with `python3 lab/labctl.py up` (or tox -e lab) and re-run.')
        say('lab not running yet; waiting (up to %ds)' % wait_s)
        time.sleep(15)


NEUTRON_SAFE_NODES = 80


def check_neutron(status, nodes):
    """A warning (or None) when Nova's listings of N servers cannot work.

    Nova's GET /servers/detail asks Neutron for the ports of up to 150
    servers in one GET, a request line of ~7.1 kB; gunicorn's default limit
    is 4094 bytes, so on a lab whose Neutron runs without
    --limit-request-line every listing of more than ~85 servers is a 500.
    """
    if nodes <= NEUTRON_SAFE_NODES:
        return None
    # Ask Neutron itself: a harmless GET / with a 7.5 kB request line.
    url = status['services']['neutron']['url'].rstrip('/')
    try:
        code, _ = http('GET', url + '/?pad=' + 'x' * 7400, timeout=30)
    except OSError:
        return None
    if code in (400, 414):      # gunicorn: "Request Line is too large"
        return (
            "the lab's Neutron runs with gunicorn's default request "
            'line limit (4094 bytes): Nova answers 500 to any server listing '
            'of more than ~85 servers (it asks Neutron for the ports of 150 '
            'servers in one GET). lab/labkit/services.py now starts Neutron '
            'with --limit-request-line 8190; it applies at the next '
            '`python3 lab/labctl.py up` (which restarts Neutron only). Until '
            'then the peers (which never list) are measured as usual, but '
            "every listing of our driver's snapshot fails: its figures then "
            'show that failure mode, not its normal cost. --nodes %d or '
            'fewer avoids it.' % NEUTRON_SAFE_NODES)
    return None


#: Servers one fake compute host builds in reasonable time (see
#: lab/README.rst, "Several compute hosts").
SERVERS_PER_COMPUTE_HOST = 100


def compute_hosts(status):
    """How many fake nova-compute hosts the lab runs (its status)."""
    return sum(1 for name in status['services']
               if name == 'nova-compute' or name.startswith('nova-compute-'))


def check_compute_hosts(status, nodes):
    """A warning (or None) when the lab has too few compute hosts for N.

    The benchmark never restarts the shared lab: it says the command.
    """
    hosts = compute_hosts(status)
    wanted = -(-nodes // SERVERS_PER_COMPUTE_HOST)
    if status.get('virt', 'fake') != 'fake' or hosts >= wanted:
        return None
    return ('the lab runs %d fake compute host(s) for %d servers: building '
            'them takes much longer than on %d hosts. Before the run: '
            '`python3 lab/labctl.py up --compute-hosts %d` (restarts Nova '
            'fresh).' % (hosts, nodes, wanted, wanted))


def connect(clouds_yaml, cloud):
    import openstack
    config = openstack.config.OpenStackConfig(
        config_files=[clouds_yaml], load_envvars=False,
        app_name=UA_APP, app_version='1')
    return openstack.connection.Connection(config=config.get_one(cloud=cloud))


class Project:
    """A Keystone project and one user per system (+ a probe user)."""

    def __init__(self, status, prefix, run_dir, systems):
        self.status = status
        self.prefix = prefix
        self.run_dir = run_dir
        self.systems = systems
        self.admin = connect(status['clouds_yaml'], status['admin_cloud'])
        self.padmin = connect(status['clouds_yaml'],
                              status['project_admin_cloud'])
        self.project = None
        self.users = {}
        self.passwords = {}
        self.clouds_yaml = os.path.join(run_dir, 'clouds.yaml')
        keystone_port = int(status['keystone_url'].split(':')[2]
                            .split('/')[0])
        self.relays = {}
        for i, name in enumerate(systems):
            port = KEYSTONE_RELAY_BASE_PORT + i
            if not port_free(port):
                raise BenchError('port %d (Keystone relay) is in use' % port)
            self.relays[name] = KeystoneRelay(name, port, keystone_port)

    def cloud(self, who):
        return '%s-%s' % (self.prefix, who)

    def create(self, nodes):
        ident = self.admin.identity
        self.project = ident.create_project(
            name=self.prefix, domain_id='default',
            description='ironic-openstack-driver benchmark (temporary)')
        role = ident.find_role('member', ignore_missing=False)
        lines = ['clouds:']
        for who in ('probe',) + tuple(self.systems):
            password = secrets.token_urlsafe(18)
            user = ident.create_user(
                name=self.cloud(who), password=password, domain_id='default',
                default_project_id=self.project.id)
            ident.assign_project_role_to_user(self.project, user, role)
            self.users[who] = user
            lines += ['  %s:' % self.cloud(who), '    auth:',
                      '      auth_url: %s' % (
                          self.relays[who].url() if who in self.relays
                          else self.status['keystone_url']),
                      '      username: %s' % user.name,
                      '      password: %s' % password,
                      '      user_domain_name: Default',
                      '      project_name: %s' % self.prefix,
                      '      project_domain_name: Default',
                      '    region_name: RegionOne',
                      '    identity_api_version: 3']
        fd = os.open(self.clouds_yaml, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                     0o600)
        with os.fdopen(fd, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        flavor = self.padmin.compute.find_flavor(self.status['flavor'],
                                                 ignore_missing=False)
        self.padmin.set_compute_quotas(
            self.project.id, instances=nodes + 10,
            cores=(nodes + 10) * flavor.vcpus,
            ram=(nodes + 10) * flavor.ram)
        return flavor

    def delete(self):
        ident = self.admin.identity
        for user in self.users.values():
            try:
                ident.delete_user(user, ignore_missing=True)
            except Exception as e:      # noqa: BLE001 - best effort cleanup
                say('cleanup: user %s: %s' % (user.name, e))
        for relay in self.relays.values():
            relay.stop()
        if self.project is not None:
            try:
                ident.delete_project(self.project, ignore_missing=True)
            except Exception as e:      # noqa: BLE001
                say('cleanup: project: %s' % e)


class Servers:
    """The servers of a run, made with ironic-openstack-nodes' functions.

    tools/servers.py create_servers in its batch mode: the missing servers
    in one multi-create request, waited for on one listing per round,
    named PREFIX-0 ... A run over several node counts grows them from one
    count to the next: the project holds exactly N servers at each.
    """

    def __init__(self, project, prefix):
        self.project = project
        self.prefix = prefix
        self.conn = None
        self.servers = []
        self.build_seconds = {}

    def grow_to(self, nodes, flavor, image):
        """Create servers until the run has nodes of them, all ACTIVE.

        A server that Nova fails to build (ERROR: on this lab a compute
        host's request to Placement can fail under the load of a batch) is
        deleted and made again, at most REBUILD_ROUNDS times.

        :returns: all the run's servers, in node order (their names).
        :raises: BenchError when servers still fail after that.
        """
        if self.conn is None:
            self.conn = connect(self.project.clouds_yaml,
                                self.project.cloud('probe'))
        t0 = time.monotonic()
        timeout = 120 + 3 * nodes
        for _round in range(REBUILD_ROUNDS + 1):
            report = quiet_report(tool_servers.COLUMNS)
            try:
                ok, rows = tool_servers.create_servers(
                    self.conn, report, self.prefix, nodes, flavor.id, image,
                    None, timeout=timeout, power_off=False, batch=BATCH)
            except ToolError as e:
                raise BenchError('creating servers: %s' % e)
            failed = [row[0] for row in rows.values() if row[2] == 'ERROR']
            if ok:
                break
            if not failed:
                raise BenchError('creating servers: %s'
                                 % tool_errors(report))
            say('%d of %d servers went to ERROR (%s); deleting them and '
                'building as many again' % (len(failed), nodes,
                                            tool_errors(report, 1)))
            try:
                server_listing.delete_servers(self.conn, report,
                                              self.prefix, failed, timeout)
            except ToolError as e:
                raise BenchError('deleting servers in ERROR: %s' % e)
        else:
            raise BenchError('servers still went to ERROR after %d rounds of '
                             'rebuilding: %s' % (REBUILD_ROUNDS,
                                                 tool_errors(report, 1)))
        listed = {s.name: s for s in server_listing.list_servers(
            self.conn, self.prefix).values()}
        self.servers = [listed[name] for name in
                        tool_servers.server_names(self.prefix, nodes)]
        if nodes not in self.build_seconds:
            seconds = round(time.monotonic() - t0, 1)
            self.build_seconds[nodes] = seconds
            say('%d servers ACTIVE in %.0fs' % (len(self.servers), seconds))
        return self.servers

    def delete(self):
        if self.conn is None:
            return
        try:
            mine = server_listing.list_servers(self.conn, self.prefix)
            server_listing.delete_servers(
                self.conn, quiet_report(tool_servers.COLUMNS),
                self.prefix, list(mine), timeout=120 + len(mine))
            say('deleted %d servers' % len(mine))
        except Exception as e:          # noqa: BLE001
            say('cleanup: servers: %s' % e)
