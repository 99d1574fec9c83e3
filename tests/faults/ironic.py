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

"""Ironic and Nova as the faults suite sees them, through their REST APIs.

Every Ironic answer's text is kept (``RESPONSES``) for the secrets scan;
node reads use the latest microversion, so ``conductor`` and
``reservation`` are shown.
"""

import uuid

from ironic_openstack_driver.tools import waiting

HEADERS = {'X-OpenStack-Ironic-API-Version': 'latest'}
#: The text of every Ironic API answer of this run (the secrets scan).
RESPONSES = []
WAIT_SECONDS = 240
POLL_SECONDS = 0.5


class Ironic:
    """Ironic's REST API as the lab's system admin."""

    def __init__(self, conn):
        self.conn = conn

    def call(self, method, path, expect=(200,), **kwargs):
        resp = getattr(self.conn.baremetal, method)(
            path, headers=HEADERS, raise_exc=False, **kwargs)
        RESPONSES.append(resp.text or '')
        if expect and resp.status_code not in expect:
            raise AssertionError('%s %s answered %s: %s' % (
                method.upper(), path, resp.status_code, resp.text[:2000]))
        return resp

    def create(self, driver_info, name=None):
        name = name or 'faults-%s' % uuid.uuid4().hex[:8]
        return self.call('post', '/nodes', expect=(201,), json={
            'driver': 'openstack', 'name': name,
            'driver_info': driver_info}).json()

    def delete(self, node):
        self.call('delete', '/nodes/%s' % node, expect=None)

    def node(self, node):
        return self.call('get', '/nodes/%s' % node).json()

    def patch(self, node, ops):
        return self.call('patch', '/nodes/%s' % node, json=ops).json()

    def power(self, node, target, expect=(202,)):
        return self.call('put', '/nodes/%s/states/power' % node,
                         expect=expect, json={'target': target})

    def manage(self, node, timeout=120):
        """Move a node from enroll to manageable (power sync covers it)."""
        self.call('put', '/nodes/%s/states/provision' % node, expect=(202,),
                  json={'target': 'manage'})
        seen = {}

        def manageable():
            seen.update(self.node(node))
            return seen['provision_state'] == 'manageable'
        waiting.wait_for('node %s manageable' % node, manageable, timeout,
                         interval=POLL_SECONDS,
                         error=lambda why: AssertionError('%s: %s' % (
                             why, seen)))

    def set_boot_device(self, node, device, persistent=True):
        self.call('put', '/nodes/%s/management/boot_device' % node,
                  expect=(204,), json={'boot_device': device,
                                       'persistent': persistent})

    def boot_device(self, node):
        return self.call('get', '/nodes/%s/management/boot_device'
                         % node).json()

    def validate(self, node):
        return self.call('get', '/nodes/%s/validate' % node).json()

    def settled(self, node, expected, timeout=WAIT_SECONDS):
        """Wait until no power action runs on the node; return the node.

        Settled means no target_power_state, no reservation, and either
        the expected power state or a last_error.
        """
        shown = {}

        def settled():
            shown.update(self.node(node))
            return (shown['target_power_state'] is None
                    and shown['reservation'] is None
                    and (shown['power_state'] == expected
                         or shown['last_error'])) and shown

        def stuck(why):
            return AssertionError(
                'node %s did not settle on %s (stuck?): %s: power_state=%s '
                'target=%s reservation=%s error=%s' % (
                    node, expected, why, shown['power_state'],
                    shown['target_power_state'], shown['reservation'],
                    shown['last_error']))
        return waiting.wait_for('node %s settled' % node, settled, timeout,
                                interval=POLL_SECONDS, error=stuck)


def synced_nodes(ironic):
    """Nodes Ironic's power sync reads: not in maintenance, past enroll."""
    listed = ironic.call(
        'get', '/nodes?maintenance=false&fields=uuid,provision_state,'
        'driver_info').json()['nodes']
    return [n for n in listed if n['provision_state'] != 'enroll']


def remove_orphans(ironic, admin, nodes):
    """Delete the nodes whose server no longer exists; the others' UUIDs.

    An interrupted run of a lab test leaves such nodes behind: Ironic's
    power sync keeps reading their servers.

    :param admin: a project-scoped admin connection (Nova refuses a
        system-scoped token the listing of all projects' servers).
    """
    kept = []
    for node in nodes:
        server = (node.get('driver_info') or {}).get('openstack_server')
        if server and admin.compute.find_server(
                server, ignore_missing=True, all_projects=True) is None:
            ironic.delete(node['uuid'])
        else:
            kept.append(node['uuid'])
    return kept


def server_view(conn, server_id):
    """What Nova says of a server (None if it is gone)."""
    server = conn.compute.find_server(server_id, ignore_missing=True)
    if server is None:
        return None
    server = conn.compute.get_server(server_id)
    return {'status': server.status, 'task_state': server.task_state,
            'vm_state': server.vm_state, 'power_state': server.power_state,
            'updated': server.updated_at, 'locked': server.is_locked}


def wait_server(conn, server_id, status, timeout=WAIT_SECONDS):
    seen = []

    def reached():
        seen[:] = [server_view(conn, server_id)]
        view = seen[0]
        return (view and view['status'] == status
                and view['task_state'] is None) and view

    def never(why):
        return AssertionError('server %s never reached %s: %s: %s' % (
            server_id, status, why, seen[0]))
    return waiting.wait_for('server %s %s' % (server_id, status), reached,
                            timeout, interval=POLL_SECONDS, error=never)


def server_actions(conn, server_id):
    return [a.action for a in conn.compute.server_actions(server_id)]


#: Nova's status for each power state Ironic can be asked for.
NOVA_STATUS = {'power on': 'ACTIVE', 'power off': 'SHUTOFF',
               'rebooting': 'ACTIVE'}
