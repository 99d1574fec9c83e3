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

"""The operator's way into the Ironic host (ironic-host).

A port NAME-access on the access network, with Neutron's addressing, in
the security group NAME, which lets in TCP 22 (SSH) and Ironic's API port
from each --allow-from CIDR and nothing else. The security group carries
SG_DESCRIPTION, so that --delete removes only a group this tool made.
"""

import ipaddress

from ironic_openstack_driver.tools.common import call as _call
from ironic_openstack_driver.tools.common import ToolError
from ironic_openstack_driver.tools import host_userdata

SG_DESCRIPTION = 'ironic-openstack-nodes ironic-host: the operator\'s access'


def port_name(host_name):
    """The name of the host's access port (ensure_access_port makes it)."""
    return '%s-access' % host_name


def find_named(lister, what, name):
    found = _call('cannot list %ss named %s' % (what, name),
                  lambda: list(lister(name=name)))
    if len(found) > 1:
        raise ToolError('several %ss are named %s (%s): delete the extra '
                        'ones' % (what, name, ', '.join(f.id for f in found)))
    return found[0] if found else None


def ensure_security_group(conn, report, name, allow_from):
    sg = find_named(conn.network.security_groups, 'security group', name)
    if sg is not None:
        report.add('security group', name, sg.id, 'exists')
        return sg
    report.progress('Creating security group %s (TCP 22 and %d from %s) '
                    '...' % (name, host_userdata.API_PORT,
                             ', '.join(allow_from)))
    sg = _call('cannot create security group %s' % name,
               conn.network.create_security_group, name=name,
               description=SG_DESCRIPTION)
    for cidr in allow_from:
        for port in (22, host_userdata.API_PORT):
            _call('cannot add a rule to security group %s' % name,
                  conn.network.create_security_group_rule,
                  security_group_id=sg.id, direction='ingress',
                  ethertype='IPv%d' % ipaddress.ip_network(cidr).version,
                  protocol='tcp', port_range_min=port,
                  port_range_max=port, remote_ip_prefix=cidr)
    report.add('security group', name, sg.id, 'created')
    return sg


def ensure_access_port(conn, report, name, network, sg):
    port = find_named(conn.network.ports, 'port', name)
    if port is not None:
        report.add('port', name, port.id, 'exists')
        return port
    report.progress('Creating port %s on network %s ...'
                    % (name, network.name))
    port = _call('cannot create port %s' % name, conn.network.create_port,
                 name=name, network_id=network.id,
                 security_group_ids=[sg.id])
    report.add('port', name, port.id, 'created')
    return port
