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

Two nodes on servers of one compute host of the fast lab: one with the
project admin's inline credentials (Nova shows admins the host and its
compute service), one with the lab's member cloud (Nova shows members
neither). The host's nova-compute stops (SIGSTOP: no heartbeat); within
Nova's service_down_time (60 s) plus Ironic's power sync (every 60 s in
the lab) and [openstack]server_list_max_age the admin's node reads
Warning (Nova's host_status UNKNOWN); the member's node never claims a
health. nova-compute runs again: the admin's node reads OK again.
"""

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


@pytest.fixture
def nodes(lab, baremetal, lab_cloud, lab_project_admin_cloud):
    """(admin's node, member's node, compute host of the admin's server)."""
    made = []
    try:
        admin_server = cli.create_server(
            lab_project_admin_cloud, lab,
            'e2e-health-admin-%s' % uuid.uuid4().hex[:8])
        made.append((lab_project_admin_cloud, admin_server.id, None))
        admin_node = baremetal.json(
            'baremetal', 'node', 'create', '--driver', 'openstack',
            '--name', 'e2e-health-admin-%s' % uuid.uuid4().hex[:8],
            '--driver-info', 'openstack_server=%s' % admin_server.id,
            *['--driver-info=%s=%s' % kv for kv in nova_lab.credentials(
                lab, 'project_admin_cloud').items()])
        made[-1] = (lab_project_admin_cloud, admin_server.id,
                    admin_node['uuid'])
        cli.mark(lab_project_admin_cloud, admin_server.id,
                 admin_node['uuid'])
        member_server, member_node = cli.enroll(
            lab_cloud, baremetal, lab,
            'e2e-health-member-%s' % uuid.uuid4().hex[:8])
        made.append((lab_cloud, member_server.id, member_node['uuid']))
        for uid in (admin_node['uuid'], member_node['uuid']):
            baremetal.run('baremetal', 'node', 'manage', '--wait', '120',
                          uid)
        host = lab_project_admin_cloud.compute.get_server(
            admin_server.id).compute_host
        yield admin_node['uuid'], member_node['uuid'], host
    finally:
        for conn, server_id, uid in made:
            if uid:
                baremetal.run('baremetal', 'node', 'delete', uid,
                              check=False)
            conn.compute.delete_server(server_id, ignore_missing=True)


def test_health_follows_the_compute_host_where_nova_shows_it(baremetal,
                                                             nodes):
    admin_node, member_node, host = nodes
    member_health = []
    watched = (member_node, member_health)
    assert _wait_health(baremetal, admin_node, {'OK'}, watched) == 'OK'
    with nova_lab.paused_compute(host):
        down = _wait_health(baremetal, admin_node, {'Warning', 'Critical'},
                            watched)
    assert down == 'Warning'    # host_status UNKNOWN: no heartbeat
    assert _wait_health(baremetal, admin_node, {'OK'}, watched) == 'OK'
    # Members see neither host nor host status: no health claimed, ever.
    assert set(member_health) == {None}
