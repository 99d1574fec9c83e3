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

"""enroll: the nodes and their ports straight into Ironic.

The nodes come from servers (same selection as nodes-file) or from a nodes
file. Idempotent by node name: an existing node is kept (and checked to be
the same server), missing ports are added, each node's server is marked
with the node's UUID (binding.mark_server: the driver drives no server
without it), and --manage/--provide move only the nodes that are not there
yet. With --inspect, nodes are enrolled
without ports and properties and Ironic's inspection (inspect interface
``openstack``) fills both; a node already inspected is not inspected again.
With --adopt, nodes of servers already in use are managed and adopted
(Ironic's adopt: active without a deployment), their boot device DISK
first; Nova sees no action on the servers.
"""

import json

from openstack import exceptions as sdk_exc

from ironic_openstack_driver import cloud
from ironic_openstack_driver.tools import binding
from ironic_openstack_driver.tools.common import call as _call
from ironic_openstack_driver.tools.common import ToolError
from ironic_openstack_driver.tools import node_states
from ironic_openstack_driver.tools import nodes_file
from ironic_openstack_driver.tools import waiting

DEFAULT_TIMEOUT = 300
INSPECT_INTERFACE = 'openstack'
COLUMNS = ('Node', 'UUID', 'Result', 'Provision state', 'Ports')


def load_file(path):
    """Nodes from a nodes file (JSON, or YAML when PyYAML is there)."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        raise ToolError('--file %s: cannot read it: %s' % (path, e))
    try:
        data = json.loads(text)
    except ValueError as json_error:
        try:
            import yaml     # openstacksdk depends on PyYAML
            data = yaml.safe_load(text)
        except Exception:
            raise ToolError('--file %s: not JSON (%s) nor YAML'
                            % (path, json_error))
    if not isinstance(data, dict) or not isinstance(data.get('nodes'),
                                                    list):
        raise ToolError('--file %s: expected {"nodes": [...]}' % path)
    for i, node in enumerate(data['nodes']):
        if not isinstance(node, dict) or not node.get('name'):
            raise ToolError('--file %s: nodes[%d] has no "name" (enroll '
                            'is idempotent by node name)' % (path, i))
    return data['nodes']


def known_nodes(bm):
    """{name: node} of Ironic's nodes, from one listing.

    :raises: ToolError naming the listing.
    """
    return _call('cannot list Ironic\'s nodes',
                 lambda: {n.name: n for n in bm.nodes(details=True)
                          if n.name})


def ensure_node(bm, report, spec, known=None):
    """Find the node by name or create it; returns (node, created).

    :param known: Ironic's nodes by name (known_nodes), read once for
        many specs; None looks the name up.
    """
    name = spec['name']
    if known is None:
        node = _call('cannot look up node %s in Ironic' % name,
                     bm.find_node, name, ignore_missing=True)
    else:
        node = known.get(name)
    if node is not None:
        want = (spec.get('driver_info') or {}).get('openstack_server')
        have = (node.driver_info or {}).get('openstack_server')
        if node.driver != spec.get('driver') or (want and have != want):
            raise ToolError(
                'node %s (%s) exists with driver %s and openstack_server %s, '
                'not %s and %s: rename or delete one of them' % (
                    name, node.id, node.driver, have, spec.get('driver'),
                    want))
        return node, False
    attrs = {k: v for k, v in spec.items() if k not in ('ports',
                                                        'portgroups',
                                                        'network_data')}
    report.progress('Creating node %s ...' % name)
    node = _call('cannot create node %s' % name, bm.create_node, **attrs)
    if spec.get('network_data'):
        # openstacksdk's Node has no network_data field (it would drop it
        # silently): a JSON patch sets it (Ironic API 1.66).
        node = _call('cannot set network_data of node %s' % name,
                     bm.patch_node, node, [{'op': 'add',
                                            'path': '/network_data',
                                            'value': spec['network_data']}])
    return node, True


def ensure_ports(bm, report, node, specs):
    """Create the node's missing ports; returns how many were created."""
    created = 0
    for spec in specs:
        address = spec['address'].lower()
        found = _call('cannot look up port %s in Ironic' % address,
                      lambda: list(bm.ports(address=address, details=True)))
        if found:
            if found[0].node_id != node.id:
                raise ToolError('port %s already belongs to node %s, not %s'
                                % (address, found[0].node_id, node.name))
            continue
        report.progress('Creating port %s of node %s ...' % (address,
                                                             node.name))
        attrs = dict(spec, address=address, node_id=node.id)
        attrs.pop('node_uuid', None)
        _call('cannot create port %s of node %s' % (address, node.name),
              bm.create_port, **attrs)
        created += 1
    return created


def for_inspection(spec):
    """The node of a spec without ports and properties.

    Ironic's inspect interface ``openstack`` fills both from the cloud.
    """
    spec = {k: v for k, v in spec.items() if k not in ('ports',
                                                       'properties')}
    spec['inspect_interface'] = INSPECT_INTERFACE
    return spec


def enroll(bm, report, specs, compute, manage=False, provide=False,
           timeout=DEFAULT_TIMEOUT, inspect=False, adopt_it=False):
    """Enroll every node and mark its server; True when all succeeded.

    What ``enroll`` does: enroll_nodes, each node a row of the report's
    table (its UUID, what was done, its provision state, its ports).

    :param compute: the host cloud's compute proxy, where the servers are
        marked.
    """
    ok, enrolled = enroll_nodes(bm, report, specs, compute, manage=manage,
                                provide=provide, timeout=timeout,
                                inspect=inspect, adopt_it=adopt_it)
    for name, node, result in enrolled:
        ports = ''
        if node is not None:
            try:
                ports = ', '.join(sorted(p.address for p in bm.ports(
                    node_id=node.id, details=True)))
            except sdk_exc.SDKException:
                ports = '?'
        report.add(name, node.id if node else '', result,
                   node.provision_state if node else '', ports)
    return ok


def enroll_nodes(bm, report, specs, compute, manage=False, provide=False,
                 timeout=DEFAULT_TIMEOUT, inspect=False, workers=1,
                 mark=True, adopt_it=False):
    """Enroll every node of ``specs`` and mark its server.

    Each spec is a node of a nodes file (nodes_file.node_for_server):
    ``name``, ``driver``, ``driver_info``, and any other field of a node
    (``owner``, ``properties``, ``boot_interface``, ``ports`` ...). A
    failure is reported and the next node is enrolled. Ironic's nodes are
    read with one listing; nodes are managed in batches
    (node_states.manage_nodes), then inspected and provided one by one.

    :param compute: the host cloud's compute proxy, where the servers are
        marked.
    :param manage: move new nodes to manageable (Ironic checks their power
        interface); ``provide``: on to available; ``inspect``: enroll
        without ports and properties, inspect, then go on; ``adopt_it``:
        on to active by Ironic's adoption (node_states.adopt).
    :param workers: nodes created (and their servers marked, their
        manage asked) at once.
    :param mark: mark the server of each node of driver openstack
        (binding.mark_server); False for servers marked beforehand.
        Nodes of other drivers have no server to mark.
    :returns: (ok, enrolled): True when all succeeded, and a (name, the
        node as last read or None, what was done) per spec, in order.
    """
    if inspect:
        specs = [for_inspection(spec) for spec in specs]
    try:
        known = known_nodes(bm)
    except ToolError as e:
        report.fail(str(e))
        return False, [(spec['name'], None, 'failed') for spec in specs]

    def one(spec):
        return _enroll_one(bm, report, spec, compute, known, mark)
    enrolled = waiting.in_parallel(one, specs, workers)
    ok = all(error is None for _n, _node, _r, error in enrolled)

    # As enrolled: openstacksdk updates a node it asks to manage in place.
    states = [node.provision_state if node is not None else None
              for _n, node, _r, _e in enrolled]
    moving = [node for _n, node, _r, error in enrolled
              if error is None and node.provision_state == 'enroll']
    moves = manage or provide or inspect or adopt_it
    if moving and moves:
        managed_ok, managed = node_states.manage_nodes(
            bm, report, moving, timeout, workers=max(1, workers))
        ok = ok and managed_ok
    else:
        managed = {}
    done = []
    for (name, node, result, error), before in zip(enrolled, states):
        if error is None and before == 'enroll' and moves:
            if node.id in managed:
                node = managed[node.id]
            else:
                error = 'not managed'   # reported by manage_nodes
        if error is None:
            try:
                node = node_states.set_state(bm, report, node, manage,
                                             provide, timeout,
                                             inspect=inspect,
                                             adopt_it=adopt_it)
            except ToolError as e:
                report.fail(str(e))
                ok = False
                error = str(e)
        if (error is None and node is not None
                and node.provision_state != before):
            result += ', now %s' % node.provision_state
        if error is not None and result != 'failed':
            result += ', then failed'
        done.append((name, node, result))
    return ok, done


def _enroll_one(bm, report, spec, compute, known, mark):
    """One node created (or found), its ports added, its server marked.

    :returns: (name, node or None, what was done, error or None); the
        error is reported.
    """
    name = spec['name']
    node = None
    result = 'failed'
    try:
        node, created = ensure_node(bm, report, spec, known)
        result = 'created' if created else 'exists'
        added = ensure_ports(bm, report, node, spec.get('ports') or [])
        if added and not created:
            result = 'exists, %d port(s) added' % added
        if mark and spec.get('driver') == nodes_file.DRIVER:
            marked = binding.mark_server(
                compute, bm, report,
                (spec.get('driver_info') or {}).get('openstack_server'),
                node.id, name)
            if marked != 'marked already' and not (created
                                                   and marked == 'marked'):
                result += ', server %s' % marked
    except ToolError as e:
        report.fail(str(e))
        return name, node, result, str(e)
    return name, node, result, None


def run(conns, args, report):
    compute, baremetal = conns
    if args.adopt and args.provide:
        raise ToolError('use either --adopt (servers in use: their nodes '
                        'become active as they run) or --provide (nodes '
                        'to clean and deploy)')
    if args.file:
        if args.server or args.prefix:
            raise ToolError('use either --file or --server/--prefix')
        if args.firmware:
            raise ToolError('--firmware checks the servers read with '
                            '--server/--prefix; a nodes file is enrolled '
                            'as written (nodes-file --firmware checks it)')
        specs = load_file(args.file)
    else:
        specs = nodes_file.build_nodes(compute(), args, report)
    ok = enroll(baremetal(), report, specs, compute().compute,
                manage=args.manage,
                provide=args.provide, timeout=args.timeout,
                inspect=args.inspect, adopt_it=args.adopt)
    report.table()
    if not ok:
        report.progress('Some nodes failed (see above): the table shows '
                        'what Ironic has. Fix the cause and run again: '
                        'existing nodes and ports are kept.')
        return 1
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser(
        'enroll',
        help='enroll the nodes and their ports in Ironic',
        description='Enroll one node per server (or per entry of a nodes '
                    'file) with its port straight into Ironic, mark the '
                    'server with the node\'s UUID (server metadata %s, '
                    'which the driver requires), then optionally move the '
                    'node to manageable (--manage), available '
                    '(--provide) or active by adoption (--adopt). '
                    'Idempotent by node name.' % cloud.NODE_MARK)
    p.add_argument('--file',
                   help='enroll the nodes of this nodes file instead of '
                        'reading servers')
    nodes_file.add_selection_arguments(p)
    p.add_argument('--ironic-cloud',
                   help='clouds.yaml entry of the Ironic to enroll in '
                        '(default: --os-cloud); Ironic often lives in '
                        'another cloud, or needs another scope, than the '
                        'Nova that runs the servers')
    p.add_argument('--ironic-config-file', metavar='PATH',
                   help='clouds.yaml that holds --ironic-cloud (default: '
                        '--os-config-file)')
    p.add_argument('--manage', action='store_true',
                   help='move new nodes to manageable (Ironic checks the '
                        'power interface against the server)')
    p.add_argument('--provide', action='store_true',
                   help='move nodes on to available (implies --manage)')
    p.add_argument('--inspect', action='store_true',
                   help='enroll nodes without ports and properties, with '
                        'inspect interface openstack, and inspect them '
                        '(implies --manage): Ironic then creates a port '
                        'per Neutron port of the server and reads the '
                        'properties from the flavor and image')
    p.add_argument('--adopt', action='store_true',
                   help='for servers already in use: move the nodes to '
                        'manageable, set their boot device to disk '
                        '(persistent) and adopt them (Ironic\'s adopt: '
                        'active without a deployment); the servers get no '
                        'Nova action (no stop, reboot or rescue) and keep '
                        'their disks. Not with --provide')
    p.add_argument('--timeout', type=int, default=DEFAULT_TIMEOUT,
                   metavar='SECONDS',
                   help='how long each provision state change may take '
                        '(default: %(default)s)')
    p.set_defaults(func=run, columns=COLUMNS, needs=('cloud', 'ironic'))
    return p
