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

"""A node's health follows its server's compute host, on the real Nova.

Three nodes on servers of the fast lab: two with the project admin's
inline credentials (Nova shows admins the host and its compute service),
one of them under the compute microversion cap 2.10 (the services list
read at 2.1, without forced_down), and one with the lab's member cloud
(Nova shows members neither). The admin servers' nova-compute stops
(SIGSTOP: no heartbeat); once Nova's os-services shows it down (after
Nova's service_down_time, 60 s), Ironic's power sync (every 60 s in the
lab) and [openstack]server_list_max_age later both admin nodes read
Warning (Nova's host_status UNKNOWN); the member's node never claims a
health. nova-compute runs again: os-services shows it up, and the admin
nodes read OK again.
"""

import contextlib
import time
import uuid

import pytest

from tests.e2e import cli
from tests.e2e import nova_lab

# Bounds of the waits (not measurements): Nova's service_down_time 60 s,
# Ironic's sync_power_state_interval 60 s, server_list_max_age 20 s, the
# heartbeat 10 s, and slack for a loaded machine.
HEALTH_WAIT_SECONDS = 300
POLL_SECONDS = 2
# Below 2.11: Nova's services list shows no forced_down.
CAP = '2.10'


@pytest.fixture(scope='module')
def baremetal(lab):
    return cli.OpenStackCLI(lab['clouds_yaml'], lab['admin_cloud'])


def _health(baremetal, uid):
    return baremetal.node(uid)['health']


def _wait_health(baremetal, uid, wanted, watched=None):
    """Wait until the node's health is one of ``wanted``; return it.

    :param watched: (uuid, list): the health of that node at each poll is
        appended to the list.
    """
    deadline = time.monotonic() + HEALTH_WAIT_SECONDS
    seen = []
    while True:
        health = _health(baremetal, uid)
        if watched is not None:
            watched[1].append(_health(baremetal, watched[0]))
        if not seen or seen[-1] != health:
            seen.append(health)
        if health in wanted:
            return health
        if time.monotonic() > deadline:
            raise AssertionError('node %s health never one of %s: %s'
                                 % (uid, wanted, seen))
        time.sleep(POLL_SECONDS)


def _service_state(conn, host):
    """Nova's os-services state ('up', 'down') of a host's nova-compute."""
    return next(service.state for service in conn.compute.services(
        binary='nova-compute') if service.host == host)


def _wait_service(conn, hosts, wanted):
    """Wait until Nova's os-services shows every one of hosts ``wanted``."""
    deadline = time.monotonic() + HEALTH_WAIT_SECONDS
    while True:
        states = {host: _service_state(conn, host) for host in hosts}
        if set(states.values()) == {wanted}:
            return
        if time.monotonic() > deadline:
            raise AssertionError('compute services never all %s: %s'
                                 % (wanted, states))
        time.sleep(POLL_SECONDS)


def _admin_node(baremetal, lab, conn, name, cap=None):
    """A node on a new server, with the project admin's inline credentials.

    :returns: (server, node UUID).
    """
    server = cli.create_server(conn, lab, name)
    args = ['baremetal', 'node', 'create', '--driver', 'openstack',
            '--name', name, '--driver-info',
            'openstack_server=%s' % server.id]
    args += ['--driver-info=%s=%s' % kv for kv in nova_lab.credentials(
        lab, 'project_admin_cloud').items()]
    if cap:
        # JSON quotes: unquoted, the CLI sends a number.
        args += ['--driver-info',
                 'openstack_compute_microversion_cap="%s"' % cap]
    try:
        node = baremetal.json(*args)
    except Exception:
        conn.compute.delete_server(server.id, ignore_missing=True)
        raise
    return server, node['uuid']


@pytest.fixture
def nodes(lab, baremetal, lab_cloud, lab_project_admin_cloud):
    """(admin's node, capped admin's node, member's node, admin hosts)."""
    made = []
    try:
        admin = []
        for cap in (None, CAP):
            name = 'e2e-health-admin%s-%s' % (
                '-capped' if cap else '', uuid.uuid4().hex[:8])
            server, uid = _admin_node(baremetal, lab,
                                      lab_project_admin_cloud, name, cap)
            made.append((lab_project_admin_cloud, server.id, uid))
            cli.mark(lab_project_admin_cloud, server.id, uid)
            admin.append(uid)
        member_server, member_node = cli.enroll(
            lab_cloud, baremetal, lab,
            'e2e-health-member-%s' % uuid.uuid4().hex[:8])
        made.append((lab_cloud, member_server.id, member_node['uuid']))
        for _conn, _server_id, uid in made:
            baremetal.run('baremetal', 'node', 'manage', '--wait', '120',
                          uid)
        hosts = {lab_project_admin_cloud.compute.get_server(
            server_id).compute_host for conn, server_id, _uid in made
            if conn is lab_project_admin_cloud}
        yield admin[0], admin[1], member_node['uuid'], hosts
    finally:
        for conn, server_id, uid in made:
            if uid:
                baremetal.run('baremetal', 'node', 'delete', uid,
                              check=False)
            conn.compute.delete_server(server_id, ignore_missing=True)


def test_health_follows_the_compute_host_where_nova_shows_it(
        baremetal, nodes, lab_project_admin_cloud):
    admin_node, capped_node, member_node, hosts = nodes
    conn = lab_project_admin_cloud
    member_health = []
    watched = (member_node, member_health)
    _wait_service(conn, hosts, 'up')
    for uid in (admin_node, capped_node):
        assert _wait_health(baremetal, uid, {'OK'}, watched) == 'OK'
    with contextlib.ExitStack() as paused:
        for host in sorted(hosts):
            paused.enter_context(nova_lab.paused_compute(host))
        _wait_service(conn, hosts, 'down')
        down = [_wait_health(baremetal, uid, {'Warning', 'Critical'},
                             watched) for uid in (admin_node, capped_node)]
        # Nova still shows the hosts down when the nodes read it.
        assert {_service_state(conn, host) for host in hosts} == {'down'}
    assert down == ['Warning', 'Warning']   # host_status UNKNOWN
    _wait_service(conn, hosts, 'up')
    for uid in (admin_node, capped_node):
        assert _wait_health(baremetal, uid, {'OK'}, watched) == 'OK'
    # Members see neither host nor host status: no health claimed, ever.
    assert set(member_health) == {None}
