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

"""Neutron's refusal of a project member's port, explained.

By Neutron's default policy (neutron/conf/policies/port.py) a port on a
network may carry these attributes, when it is created, only if the
caller is an admin or a member of the project that owns the network: on
a shared network of another project (an admin's provisioning network) a
member's port keeps Neutron's MAC, the network's port security and
Neutron's addressing. Neutron then answers 403 (PolicyNotAuthorized,
"... is disallowed by policy"). The tools name the port, the network and
its owner, each such attribute with its rule, and what to ask the
cloud's admin for (or the tool's alternative), instead of Neutron's bare
rule list.
"""

from openstack import exceptions as sdk_exc

from ironic_openstack_driver.tools import common
from ironic_openstack_driver.tools.common import ToolError

#: The port attributes only an admin or the network's owner project may
#: set at creation (Neutron's rules, in its default policy), with what a
#: member does instead.
OWNER_ONLY = (
    ('port_security_enabled', 'create_port:port_security_enabled',
     'a PXE provisioning port needs port security off: use a network of '
     'your own project (--create-network makes one without port '
     'security), or ask the network\'s owner to disable port security on '
     'the network itself (openstack network set --disable-port-security '
     'NETWORK: its new ports inherit it, and the tool does not ask for '
     'it then), or boot the agent by virtual media instead of PXE '
     '(--boot virtual-media for create-nodes, nodes-file and enroll: port '
     'security stays on)'),
    ('mac_address', 'create_port:mac_address',
     'use a network of your own project, or ask the cloud\'s admin to '
     'create the port with the MAC'),
    ('allowed_address_pairs', 'create_port:allowed_address_pairs',
     'use a network of your own project, or ask the cloud\'s admin to '
     'add the pairs to the port (openstack port set --allowed-address '
     'ip-address=CIDR PORT)'),
    ('fixed_ips:ip_address', 'create_port:fixed_ips:ip_address',
     'use a network of your own project, or let Neutron choose the '
     'address'),
)


class PortRefused(ToolError):
    """Neutron's policy refused a port: the same for every server."""


def owner_only(attrs):
    """The OWNER_ONLY entries among a port request's attributes.

    :param attrs: the attributes of Neutron's POST /ports.
    :returns: (attribute, rule, what to do instead) tuples.
    """
    asked = set(attrs)
    if any((ip or {}).get('ip_address') for ip in attrs.get('fixed_ips')
           or ()):
        asked.add('fixed_ips:ip_address')
    return [entry for entry in OWNER_ONLY if entry[0] in asked]


def is_refusal(exc):
    """Whether an openstacksdk error is a refusal (HTTP 403)."""
    return isinstance(exc, sdk_exc.ForbiddenException) or (
        isinstance(exc, sdk_exc.HttpException) and exc.status_code == 403)


def project_id(conn):
    """The project of the connection's token, or None if unknown."""
    try:
        return conn.current_project_id
    except Exception:   # only for a message: never fail on it
        return None


def refused_message(name, network, attrs, project, exc, explain=None):
    """What to say when Neutron refused to create a port.

    :param name: the port's name.
    :param network: the openstacksdk Network of the port.
    :param attrs: the attributes the tool asked for.
    :param project: the caller's project ID (project_id()), or None.
    :param exc: Neutron's answer, an openstacksdk HttpException.
    :param explain: the attributes to explain (the one a retry added),
        or None: every owner-only one of ``attrs``.
    """
    owner = network.project_id
    foreign = bool(owner and project and owner != project)
    where = 'network %s (%s)' % (network.name, network.id)
    if foreign:
        where += (', which project %s owns, not yours (%s)'
                  % (owner, project))
    text = 'Neutron refused port %s on %s: %s.' % (
        name, where, common.describe_error(exc))
    entries = [entry for entry in owner_only(attrs)
               if explain is None or entry[0] in explain]
    if not entries:
        return text
    text += (' By Neutron\'s default policy only an admin or a member of '
             'the network\'s project may set %s on a port of it. Ask the '
             'cloud\'s admin for a network your project owns (or for %s)'
             % (', '.join('%s (rule %s)' % entry[:2] for entry in entries),
                ', '.join('rule %s' % entry[1] for entry in entries)))
    return text + '; or: ' + '; '.join(
        '%s: %s' % (entry[0], entry[2]) for entry in entries) + '.'


def create_port(conn, network, explain=None, **attrs):
    """Neutron's POST /ports; a refusal explained.

    :param explain: as refused_message's.

    :returns: the port.
    :raises: PortRefused when Neutron refuses it (403), naming the port,
        the network, each owner-only attribute and its rule; ToolError
        for any other failure.
    """
    try:
        return conn.network.create_port(**attrs)
    except sdk_exc.SDKException as e:
        if is_refusal(e):
            raise PortRefused(refused_message(
                attrs.get('name'), network, attrs, project_id(conn), e,
                explain=explain))
        raise ToolError('cannot create port %s on network %s: %s' % (
            attrs.get('name'), network.name, common.describe_error(e)))
