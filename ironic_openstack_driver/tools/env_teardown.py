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

"""environment --delete: the nodes and node servers it made.

Exactly these: the servers PREFIX-0 ... PREFIX-(COUNT-1), the ports
create-nodes made for them (SERVER-provisioning, found by name, and the
SERVER-... ports attached to them), and, in an existing Ironic
(--ironic-cloud), the nodes of those names whose openstack_server is that
server. The networks stay: the tool cannot tell one it created from one
it was given.
"""

from ironic_openstack_driver.tools.common import call as _call
from ironic_openstack_driver.tools.common import ToolError
from ironic_openstack_driver.tools import enroll
from ironic_openstack_driver.tools import provisioning_ports as ports
from ironic_openstack_driver.tools import server_listing as listing
from ironic_openstack_driver.tools import servers


def _our_servers(conn, prefix, count, report):
    """{name: server} of PREFIX-0 ... PREFIX-(count-1) that exist.

    As create-nodes finds them (servers.existing_servers): several
    servers of one name stop the run, servers beyond ``count`` are noted
    and stay.
    """
    return servers.existing_servers(conn, report, prefix, count,
                                    servers.server_names(prefix, count), [])


def _ports_of(conn, name, server):
    """The ports create-nodes made for the server ``name``."""
    made = {}
    if server is not None:
        for port in _call('cannot list the ports of server %s' % name,
                          lambda: list(conn.network.ports(
                              device_id=server.id))):
            if (port.name or '').startswith(name + '-'):
                made[port.id] = port
    for port in _call('cannot list ports named %s' % ports.port_name(name),
                      lambda: list(conn.network.ports(
                          name=ports.port_name(name)))):
        made[port.id] = port
    return sorted(made.values(), key=lambda p: p.name)


def delete_servers(conn, report, prefix, count, timeout):
    """Delete the node servers and their ports; a row each."""
    found = _our_servers(conn, prefix, count, report)
    made = {name: _ports_of(conn, name, found.get(name))
            for name in servers.server_names(prefix, count)}
    if found:
        report.progress('Deleting server(s) %s ...'
                        % ', '.join(sorted(found)))
        listing.delete_servers(conn, report, prefix,
                               [s.id for s in found.values()], timeout)
    for name, server_ports in made.items():
        for port in server_ports:
            _call('cannot delete port %s' % port.name,
                  conn.network.delete_port, port, ignore_missing=True)
        if name in found or server_ports:
            server = found.get(name)
            report.add(name, server.id if server else '', 'deleted',
                       '', '', ', '.join(p.name for p in server_ports))


def delete_nodes(conn, bm, report, prefix, count):
    """Delete from ``bm`` the nodes of the node servers; a row each.

    Ironic deletes a node's ports with it; it refuses a node being
    deployed or active (delete its instance first).

    :raises: ToolError naming the nodes Ironic refused.
    """
    ids = {s.id for s in _our_servers(conn, prefix, count,
                                      report).values()}
    names = set(servers.server_names(prefix, count))
    refused = []
    for name, node in sorted(enroll.known_nodes(bm).items()):
        server = (node.driver_info or {}).get('openstack_server')
        if name not in names or server not in ids:
            continue
        report.progress('Deleting node %s (%s) ...' % (name, node.id))
        try:
            _call('cannot delete node %s (%s)' % (name, node.id),
                  bm.delete_node, node, ignore_missing=True)
        except ToolError as e:
            report.fail(str(e))
            refused.append(name)
            continue
        report.add(name, node.id, 'deleted', node.provision_state, '')
    if refused:
        raise ToolError('Ironic kept node(s) %s: nothing else was deleted'
                        % ', '.join(refused))
