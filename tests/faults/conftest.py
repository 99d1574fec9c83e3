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

``lab`` brings the fast lab up (or reuses it) like tests/e2e and fails
loudly if it cannot. ``suite_user`` is a Keystone user made for this run,
member of the project that owns the servers, whose distinctive password
every node of the suite carries as inline credentials (the secrets scan
looks for it). ``row`` adds a line to the table (fault, expected,
observed, verdict) printed at the end and written as JSON to
``$IOS_FAULTS_JSON`` (default ``<repo>/faults-table.json``).
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
from tests import lab_runs

UP_TIMEOUT = int(os.environ.get('IOS_LAB_UP_TIMEOUT', '2400'))
TABLE_JSON = os.environ.get('IOS_FAULTS_JSON') or os.path.join(
    lab_runs.REPO, 'faults-table.json')


@pytest.fixture(scope='session')
def lab():
    status, started = lab_runs.bring_up('fake', UP_TIMEOUT)
    os.environ['OS_CLIENT_CONFIG_FILE'] = status['clouds_yaml']
    yield status
    lab_runs.take_down(started)


@pytest.fixture(scope='session')
def nova(lab):
    """Nova as the lab's normal user, who owns the servers."""
    conn = lab_runs.connect(lab, 'cloud')
    yield conn
    conn.close()


@pytest.fixture(scope='session')
def nova_admin(lab):
    """Nova as the project admin (reset-state, lock)."""
    conn = lab_runs.connect(lab, 'project_admin_cloud')
    yield conn
    conn.close()


@pytest.fixture(scope='session')
def ironic(lab):
    conn = lab_runs.connect(lab, 'admin_cloud')
    yield ironic_api.Ironic(conn)
    conn.close()


@pytest.fixture(scope='session')
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


@pytest.fixture(scope='session')
def flavor_id(nova, lab):
    return nova.compute.find_flavor(lab['flavor'], ignore_missing=False).id


class Nodes:
    """Servers and the nodes that play them; removed at the end."""

    def __init__(self, nova, ironic, lab, flavor_id, credentials):
        self.nova, self.ironic, self.lab = nova, ironic, lab
        self.flavor_id = flavor_id
        self.credentials = credentials
        self.made = []

    def server(self, wait=True):
        server = self.nova.compute.create_server(
            name='faults-%s' % uuid.uuid4().hex[:8],
            image_id=self.lab['disk_image'], flavor_id=self.flavor_id,
            networks='none')
        self.made.append((None, server.id))
        if wait:
            ironic_api.wait_server(self.nova, server.id, 'ACTIVE')
        return server.id

    def node(self, server_id=None, manage=False, **driver_info):
        """A node for a server; ``manage``: manageable (power-synced).

        Ironic's power sync skips nodes in enroll.
        """
        server_id = server_id or self.server()
        info = dict(self.credentials, openstack_server=server_id)
        info.update(driver_info)
        node = self.ironic.create(info)
        self.made.append((node['uuid'], None))
        self.mark(server_id, node['uuid'])
        if manage:
            self.ironic.manage(node['uuid'])
        return node['uuid'], server_id

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
def nodes(nova, ironic, lab, flavor_id, suite_user):
    made = Nodes(nova, ironic, lab, flavor_id, suite_user)
    yield made
    made.cleanup()


def pytest_collection_modifyitems(items):
    """The secrets scan runs last, after every secret has been used."""
    items.sort(key=lambda item: 'test_secrets_scan' in item.nodeid)


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
