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

"""bind: mark each node's server in the host cloud with the node's UUID.

The driver drives a server only when its metadata ``ironic_node_uuid``
(cloud.NODE_MARK) is the node's UUID: a node's owner may edit driver_info
through Ironic's API, but not the host cloud's servers. ``enroll`` marks
the servers of the nodes it enrolls (mark_server); ``bind`` marks those of
nodes enrolled otherwise (``openstack baremetal create``, nodes enrolled
before the driver checked the mark).

A server already marked for another node that exists is not taken over,
and nodes whose driver_info names the same server are not marked at all:
one of them was pointed there by mistake, or by a node owner, and the
operator decides which.
"""

import time

from openstack import exceptions as sdk_exc

from ironic_openstack_driver import cloud
from ironic_openstack_driver.tools import common
from ironic_openstack_driver.tools.common import call as _call
from ironic_openstack_driver.tools.common import ToolError
from ironic_openstack_driver.tools import waiting

DRIVER = 'openstack'
COLUMNS = ('Node', 'UUID', 'Server', 'Result')
# Nova refuses a metadata change while a task runs: how long to wait.
TASK_WAIT = 120
POLL_INTERVAL = 1.0
# Nova changes metadata only in these vm_states (check_instance_state of
# update_instance_metadata), with no task running.
MARKABLE_STATES = ('active', 'stopped', 'paused', 'suspended')


def mark_command(server_id, node_id):
    """The openstack CLI command that marks a server by hand."""
    return 'openstack server set --property %s=%s %s' % (
        cloud.NODE_MARK, node_id, server_id)


def set_mark(compute, server, node_id):
    """Mark a server for a node, with no check (Nova's refusals raise).

    For callers that made both the server and the node (tests, the
    benchmark); others use mark_server.

    :param compute: the host cloud's compute proxy.
    :param server: the server or its ID.
    :param node_id: the node's UUID.
    """
    compute.set_server_metadata(server, **{cloud.NODE_MARK: node_id})


def _settled(compute, server):
    """The server once no Nova task runs on it (up to TASK_WAIT s)."""
    deadline = time.monotonic() + TASK_WAIT
    while server.task_state and time.monotonic() < deadline:
        waiting.pause(POLL_INTERVAL)
        server = _call('cannot read server %s' % server.id,
                       compute.get_server, server.id)
    return server


def mark_server(compute, baremetal, report, server_ref, node_id, node_name):
    """Mark a server for a node; returns what was done, as a short text.

    :param compute: the host cloud's compute proxy.
    :param baremetal: Ironic's proxy: a server marked for another node is
        taken over only when that node no longer exists.
    :param server_ref: the server's ID or unique name (driver_info
        openstack_server).
    :raises: ToolError naming the node, the server and what to do.
    """
    try:
        found = compute.find_server(server_ref, ignore_missing=True)
    except sdk_exc.DuplicateResource:
        raise ToolError('node %s: several servers are named %s: set its '
                        'driver_info openstack_server to the server\'s ID'
                        % (node_name, server_ref))
    except sdk_exc.SDKException as e:
        raise ToolError('node %s: cannot look up server %s: %s' % (
            node_name, server_ref, common.describe_error(e)))
    if found is None:
        raise ToolError('node %s: server %s is not in this cloud '
                        '(--os-cloud): mark it with the credentials of the '
                        'cloud it lives in' % (node_name, server_ref))
    server = _call('cannot read server %s' % found.id, compute.get_server,
                   found.id)
    mark = cloud.marked_node(server)
    if mark == node_id:
        return 'marked already'
    if mark:
        other = _call('cannot look up node %s in Ironic' % mark,
                      baremetal.find_node, mark, ignore_missing=True)
        if other is not None:
            raise ToolError(
                'node %s: server %s (%s) is marked for node %s (%s), which '
                'exists: a server serves one node. Correct the driver_info '
                'openstack_server of the node that names the wrong server'
                % (node_name, server.name, server.id, other.name or '',
                   other.id))
        report.progress('Server %s (%s) was marked for node %s, which no '
                        'longer exists' % (server.name, server.id, mark))
    server = _settled(compute, server)
    if server.vm_state not in MARKABLE_STATES or server.task_state:
        raise ToolError(
            'node %s: Nova changes the metadata of server %s (%s) only in '
            'vm_state %s with no task running; it is %s%s. Run again once '
            'it is (e.g. after the node leaves rescue), or mark it then: %s'
            % (node_name, server.name, server.id, ', '.join(MARKABLE_STATES),
               server.vm_state, ' (task %s)' % server.task_state
               if server.task_state else '',
               mark_command(server.id, node_id)))
    report.progress('Marking server %s (%s) for node %s (%s) ...' % (
        server.name, server.id, node_name, node_id))
    _call('node %s: Nova refused to mark server %s (%s) (a locked server '
          'needs an admin, or openstack server unlock)' % (
              node_name, server.name, server.id),
          set_mark, compute, server, node_id)
    return 'marked' if not mark else 'marked (was %s)' % mark


def _openstack_nodes(baremetal):
    return _call('cannot list Ironic\'s nodes',
                 lambda: [n for n in baremetal.nodes(details=True)
                          if n.driver == DRIVER])


def _select(nodes, refs, every):
    if every:
        if refs:
            raise ToolError('use either --node or --all')
        return nodes
    if not refs:
        raise ToolError('name the nodes: --node (name or UUID, repeatable) '
                        'or --all')
    chosen = []
    for ref in refs:
        match = [n for n in nodes if ref in (n.id, n.name)]
        if not match:
            raise ToolError('node %s (--node) is not an Ironic node with '
                            'driver %s' % (ref, DRIVER))
        chosen.extend(n for n in match if n not in chosen)
    return chosen


def _server_ids(compute):
    """{name or ID: [server IDs]} of the host cloud's servers."""
    servers = _call('cannot list the servers of the host cloud',
                    lambda: list(compute.servers(details=False)))
    ids = {}
    for server in servers:
        ids.setdefault(server.id, []).append(server.id)
        if server.name:
            ids.setdefault(server.name, []).append(server.id)
    return ids


def bind(compute, baremetal, report, refs=(), every=False):
    """Mark the servers of the chosen nodes; returns True when all are.

    Every node with driver openstack is read, so that a server named by
    several nodes is noticed whichever of them is chosen.
    """
    nodes = _openstack_nodes(baremetal)
    chosen = _select(nodes, refs, every)
    ids = _server_ids(compute)
    named_by = {}
    for node in nodes:
        ref = (node.driver_info or {}).get('openstack_server')
        for server_id in ids.get(ref, []) if isinstance(ref, str) else []:
            named_by.setdefault(server_id, []).append(node)
    ok = True
    for node in chosen:
        ref = (node.driver_info or {}).get('openstack_server')
        result = 'failed'
        try:
            if not ref or not isinstance(ref, str):
                raise ToolError('node %s has no driver_info '
                                'openstack_server' % (node.name or node.id))
            sharing = {n.id: n for server_id in ids.get(ref, [])
                       for n in named_by.get(server_id, [])}
            if len(sharing) > 1:
                raise ToolError(
                    'nodes %s name the same server %s: none of them is '
                    'marked. Correct the driver_info openstack_server of '
                    'those that name the wrong server (a node\'s owner may '
                    'edit it) and run again' % (
                        ', '.join(sorted(n.name or n.id
                                         for n in sharing.values())), ref))
            result = mark_server(compute, baremetal, report, ref, node.id,
                                 node.name or node.id)
        except ToolError as e:
            report.fail(str(e))
            ok = False
        report.add(node.name, node.id, ref, result)
    return ok


def run(conns, args, report):
    compute, baremetal = conns
    ok = bind(compute().compute, baremetal(), report, args.node, args.all)
    report.table()
    if not ok:
        report.progress('Some servers are not marked (see above); the '
                        'driver refuses their nodes until they are. Fix the '
                        'cause and run again.')
        return 1
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser(
        'bind',
        help='mark each node\'s server with the node\'s UUID',
        description='Mark the Nova server of each chosen node (driver_info '
                    'openstack_server) with the node\'s UUID, in its '
                    'metadata %s: the driver drives only the server marked '
                    'for the node. For nodes enrolled otherwise than with '
                    '"enroll" (which marks its servers itself), and nodes '
                    'enrolled before the driver checked the mark. Nodes '
                    'that name the same server, and servers marked for '
                    'another existing node, are reported, not marked. '
                    'Idempotent.' % cloud.NODE_MARK)
    p.add_argument('--node', action='append', metavar='NODE',
                   help='node name or UUID; repeatable')
    p.add_argument('--all', action='store_true',
                   help='every node with driver openstack')
    p.add_argument('--ironic-cloud',
                   help='clouds.yaml entry of the Ironic (default: '
                        '--os-cloud); one that sees every node (system '
                        'scope): a server marked for a node it cannot see '
                        'is taken as marked for a deleted node')
    p.add_argument('--ironic-config-file', metavar='PATH',
                   help='clouds.yaml that holds --ironic-cloud (default: '
                        '--os-config-file)')
    p.set_defaults(func=run, columns=COLUMNS, needs=('cloud', 'ironic'))
    return p
