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

"""Servers and nodes for the end-to-end tests, made as operators make them.

With the functions behind ``ironic-openstack-nodes``: ``create-nodes``
(tools/servers.py: servers named PREFIX-0 ..., waited for on one listing
per round) and
``enroll`` (tools/nodes_file.py builds the node of a server, tools/enroll.py
creates it, marks its server and moves it on). The fast lab's servers have
no network (its fake compute has no dataplane): their nodes have no ports.
A step that fails fails the test with the tool's own messages.
"""

import io

from ironic_openstack_driver.tools import common
from ironic_openstack_driver.tools import enroll
from ironic_openstack_driver.tools import nodes_file
from ironic_openstack_driver.tools import server_listing
from ironic_openstack_driver.tools import servers

SERVER_TIMEOUT = 240


def _report(columns):
    err = io.StringIO()
    return common.Report(columns, out=io.StringIO(), err=err), err


def make_servers(conn, lab, prefix, count=1, power_off=False):
    """Servers PREFIX-0 ... of the lab's blank disk image and flavor.

    :param conn: an openstacksdk Connection of the servers' owner.
    :param power_off: stop them once ACTIVE (as ``create-nodes`` does);
        by default they stay ACTIVE.
    :returns: the openstacksdk Servers, in name order.
    :raises: AssertionError with the tool's messages when one failed.
    """
    report, err = _report(servers.COLUMNS)
    ok, rows = servers.create_servers(
        conn, report, prefix, count, lab['flavor'], lab['disk_image'], None,
        timeout=SERVER_TIMEOUT, power_off=power_off)
    assert ok, 'creating servers %s-*:\n%s' % (prefix, err.getvalue())
    listed = server_listing.list_servers(conn, prefix)
    return [listed[rows[name][0]]
            for name in servers.server_names(prefix, count)]


def node_spec(conn, server, cloud=None, name=None, driver_info=None,
              image_cache=None, **fields):
    """The node ``enroll`` makes for a server without a port.

    :param cloud: driver_info ``openstack_cloud`` (the lab's cloud name).
    :param name: the node's name instead of the server's.
    :param driver_info: driver_info instead of ``openstack_cloud``
        (inline credentials, say); ``openstack_server`` is added.
    :param image_cache: a dict shared by the specs of many servers, so
        that their image is read once.
    :param fields: other fields of the node (``owner`` ...).
    """
    spec = nodes_file.node_for_server(conn, server, cloud, with_port=False,
                                      image_cache=image_cache)
    if name:
        spec['name'] = name
    if driver_info is not None:
        spec['driver_info'] = dict(driver_info, openstack_server=server.id)
    spec.update(fields)
    return spec


def enroll_nodes(admin, conn, specs, manage=False, workers=1):
    """Enroll the nodes of ``specs`` and mark their servers for them.

    :param admin: an openstacksdk Connection of Ironic's admin.
    :param conn: an openstacksdk Connection of the servers' owner.
    :param manage: move the nodes to manageable (power-synced).
    :param workers: nodes enrolled at once.
    :returns: the openstacksdk Nodes, in the order of ``specs``.
    :raises: AssertionError with the tool's messages when one failed.
    """
    report, err = _report(enroll.COLUMNS)
    ok, enrolled = enroll.enroll_nodes(admin.baremetal, report, specs,
                                       conn.compute, manage=manage,
                                       workers=workers)
    assert ok, 'enrolling %s:\n%s' % (', '.join(s['name'] for s in specs),
                                      err.getvalue())
    return [node for _name, node, _result in enrolled]
