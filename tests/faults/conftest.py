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

"""The faults suite (tox -e faults): fixtures and its table of results.

``lab``, ``lab_cloud``, ``lab_admin_cloud`` and
``lab_project_admin_cloud`` are the shared lab fixtures
(tests/lab_fixtures.py), registered for this package: the fast lab comes
up (or is reused) once for tests/faults and a lab that cannot come up
fails loudly. ``nova`` and ``nova_admin`` name the normal user's and the
project admin's connections as the rows use them. ``suite_user`` is a
Keystone user made for this run, member of the project that owns the
servers, whose distinctive password every node of the suite carries as
inline credentials (the secrets scan looks for it). ``nodes`` makes
servers and nodes with ironic-openstack-nodes' functions
(tests/lab_nodes.py). ``row`` adds a line to the table (fault, expected,
observed, verdict) printed at the end and written as JSON to
``$IOS_FAULTS_JSON`` (default ``<repo>/faults-table.json``).

Rows marked ``slow`` (a hang or a wait of a minute or more) run only in
``tox -e faults``; the others also run in ``tox -e tests``.
"""

import json
import os
import sys
import uuid

import pytest

from ironic_openstack_driver.tools import binding
from tests.faults import ironic as ironic_api
from tests.faults.tools import ROWS
from tests.faults.tools import secret
from tests import lab_fixtures
from tests import lab_nodes
from tests import lab_runs

# The shared lab fixtures, registered for this package.
lab = lab_fixtures.lab
lab_cloud = lab_fixtures.lab_cloud
lab_admin_cloud = lab_fixtures.lab_admin_cloud
lab_project_admin_cloud = lab_fixtures.lab_project_admin_cloud

TABLE_JSON = os.environ.get('IOS_FAULTS_JSON') or os.path.join(
    lab_runs.REPO, 'faults-table.json')
#: pytest-timeout's limit of a row's test function (not its fixtures: the
#: lab's bring-up is the first row's setup) when the row sets none: far
#: past the longest row, so that a row that hangs fails (its ``finally``
#: undoing its fault: the signal method raises in the test) instead of
#: holding the run until someone notices.
ROW_TIMEOUT = 1800


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'slow: a fault row with a hang or a wait of a minute or '
                   'more; tox -e faults runs it, tox -e tests leaves it out')


@pytest.fixture(scope='package')
def nova(lab_cloud):
    """Nova as the lab's normal user, who owns the servers."""
    return lab_cloud


@pytest.fixture(scope='package')
def nova_admin(lab_project_admin_cloud):
    """Nova as the project admin (reset-state, lock)."""
    return lab_project_admin_cloud


@pytest.fixture(scope='package')
def ironic(lab_admin_cloud):
    return ironic_api.Ironic(lab_admin_cloud)


@pytest.fixture(scope='package')
def suite_user(lab, nova_admin):
    """Inline credentials of a user made for this run (distinctive secret)."""
    ident = nova_admin.identity
    project = ident.find_project('demo', ignore_missing=False)
    role = ident.find_role('member', ignore_missing=False)
    password = secret('pw')
    user = ident.create_user(name='faults-%s' % uuid.uuid4().hex[:8],
                             password=password, domain_id='default',
                             default_project_id=project.id)
    ident.assign_project_role_to_user(project, user, role)
    yield {'openstack_auth_url': lab['keystone_url'],
           'openstack_username': user.name,
           'openstack_password': password,
           'openstack_project_name': 'demo'}
    ident.delete_user(user, ignore_missing=True)


class Nodes:
    """Servers and the nodes that play them; removed at the end.

    Made with ironic-openstack-nodes' functions (tests/lab_nodes.py): the
    servers have the lab's blank disk image and flavor and no network;
    each node carries the suite's inline credentials.
    """

    def __init__(self, nova, admin, ironic, lab, credentials):
        self.nova, self.admin, self.ironic = nova, admin, ironic
        self.lab = lab
        self.credentials = credentials
        self.made = []

    def servers(self, count):
        """``count`` new ACTIVE servers; their IDs."""
        made = lab_nodes.make_servers(
            self.nova, self.lab, 'faults-%s' % uuid.uuid4().hex[:8], count)
        self.made.extend((None, server.id) for server in made)
        return [server.id for server in made]

    def server(self):
        """A new ACTIVE server; its ID."""
        return self.servers(1)[0]

    def node(self, server_id=None, manage=False, **driver_info):
        """A node for a server; ``manage``: manageable (power-synced).

        Ironic's power sync skips nodes in enroll.
        """
        server_id = server_id or self.server()
        node, = self.nodes([server_id], manage=manage, **driver_info)
        return node

    def nodes(self, server_ids, manage=False, workers=1, **driver_info):
        """A node for each server, enrolled together; [(node, server)].

        One enrolment (one listing of Ironic's nodes, ``workers`` nodes
        made at once), the servers read with one listing.
        """
        info = dict(self.credentials)
        info.update(driver_info)
        wanted = set(server_ids)
        listed = {s.id: s for s in self.nova.compute.servers(details=True)
                  if s.id in wanted}
        images = {}
        specs = [lab_nodes.node_spec(
            self.nova, listed.get(server_id)
            or self.nova.compute.get_server(server_id),
            name='faults-%s' % uuid.uuid4().hex[:8], driver_info=info,
            image_cache=images) for server_id in server_ids]
        try:
            made = lab_nodes.enroll_nodes(self.admin, self.nova, specs,
                                          manage=manage, workers=workers)
        except AssertionError:
            # Enrolled but not marked or managed: removed at the end too.
            names = {spec['name'] for spec in specs}
            self.made.extend((n.id, None) for n in
                             self.admin.baremetal.nodes()
                             if n.name in names)
            raise
        self.made.extend((node.id, None) for node in made)
        return [(node.id, server_id)
                for node, server_id in zip(made, server_ids)]

    def mark(self, server_id, node):
        """Mark the server for the node, as ironic-openstack-nodes does."""
        binding.set_mark(self.nova.compute, server_id, node)

    def cleanup(self):
        for node, server in reversed(self.made):
            if node:
                self.ironic.delete(node)
            if server:
                self.nova.compute.delete_server(server, ignore_missing=True)


@pytest.fixture(scope='module')
def nodes(nova, lab_admin_cloud, ironic, lab, suite_user):
    made = Nodes(nova, lab_admin_cloud, ironic, lab, suite_user)
    yield made
    made.cleanup()


def pytest_collection_modifyitems(config, items):
    """The secrets scan runs last of this suite; every row has a timeout.

    After every secret has been used, and before any test of another
    package (which may need another lab). A row without a ``timeout``
    mark of its own gets ``ROW_TIMEOUT``.

    :raises pytest.UsageError: pytest-timeout is not installed.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    rows = [i for i in items if os.path.dirname(str(i.path)) == here]
    if rows and not hasattr(config.option, 'timeout'):
        raise pytest.UsageError(
            'tests/faults needs pytest-timeout (test-requirements.txt): a '
            'row that hangs must fail, not hold the run')
    for item in rows:
        if item.get_closest_marker('timeout') is None:
            item.add_marker(pytest.mark.timeout(ROW_TIMEOUT, func_only=True))
    scans = [i for i in items if 'test_secrets_scan' in i.nodeid]
    rest = [i for i in items if i not in scans]
    mine = [n for n, i in enumerate(rest)
            if os.path.dirname(str(i.path)) == here]
    at = mine[-1] + 1 if mine else len(rest)
    items[:] = rest[:at] + scans + rest[at:]


# -- the table --------------------------------------------------------------

@pytest.fixture
def row(request):
    """``row(fault, expected)`` -> a dict the test fills with 'observed'.

    A row may set its own 'verdict' ('pass'/'FAIL'); otherwise the test's
    outcome decides it.
    """
    def add(fault, expected):
        entry = {'fault': fault, 'expected': expected, 'observed': '',
                 'verdict': None, 'test': request.node.nodeid}
        ROWS.append(entry)
        return entry
    return add


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when == 'call' or (rep.when == 'setup' and not rep.passed):
        mine = [r for r in ROWS if r['test'] == item.nodeid]
        if not mine:
            mine = [{'fault': item.name, 'expected': '(see the test)',
                     'observed': '', 'verdict': None, 'test': item.nodeid}]
            ROWS.extend(mine)
        reason = ''
        if rep.failed:
            reason = str(rep.longrepr).strip().splitlines()
            reason = next((line for line in reason
                           if line.startswith('E ')), reason[-1])[:300]
        for r in mine:
            if r['verdict'] is None:
                r['verdict'] = ('pass' if rep.passed else
                                'skipped' if rep.skipped else 'FAIL')
                if rep.failed and not r['observed']:
                    r['observed'] = reason


def pytest_terminal_summary(terminalreporter):
    if not ROWS:
        return
    write = terminalreporter.write_line
    width = {'fault': 34, 'expected': 44, 'observed': 58}
    write('')
    write('%-*s | %-*s | %-*s | %s' % (
        width['fault'], 'fault', width['expected'], 'expected',
        width['observed'], 'observed', 'verdict'))
    write('-' * (sum(width.values()) + 17))
    for r in ROWS:
        write('%-*s | %-*s | %-*s | %s' % (
            width['fault'], r['fault'][:width['fault']],
            width['expected'], r['expected'][:width['expected']],
            width['observed'], ' '.join(str(r['observed']).split())[
                :width['observed']],
            r['verdict'] or 'not run'))
    with open(TABLE_JSON, 'w') as f:
        json.dump(ROWS, f, indent=2)
    failed = sum(1 for r in ROWS if r['verdict'] != 'pass')
    write('faults table: %d rows, %d not pass; JSON: %s' % (
        len(ROWS), failed, TABLE_JSON))
    sys.stdout.flush()
