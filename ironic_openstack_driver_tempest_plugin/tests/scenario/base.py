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

"""What every scenario test of this plugin adds to the upstream classes.

The upstream standalone tests find a deployed node's address in the fixed
IPs of the Neutron port attached to it as a VIF. The openstack hardware
type's nodes are Nova servers whose own ports (Ironic's node ports, by MAC)
boot on the cloud's provisioning network; in the lab that network has no
subnet and the lab's dnsmasq hands out addresses, so this mixin reads the
address from dnsmasq's lease file instead (``[openstack_driver]
dhcp_leases_file``). Everything else (reservation, deploy, ping, cleanup)
is the upstream code.
"""

import datetime
import json
import time

from tempest import config
from tempest.lib import exceptions as lib_exc

from ironic_openstack_driver_tempest_plugin import leases

CONF = config.CONF


def _epoch(timestamp):
    when = datetime.datetime.fromisoformat(timestamp)
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when.timestamp()


class OpenStackNodeMixin(object):
    """Put first in the bases of a subclass of an upstream standalone test."""

    driver = 'openstack'

    @classmethod
    def skip_checks(cls):
        super(OpenStackNodeMixin, cls).skip_checks()
        if not CONF.openstack_driver.dhcp_leases_file:
            raise cls.skipException(
                '[openstack_driver] dhcp_leases_file is not set: the '
                'address of a deployed node cannot be found')

    @classmethod
    def get_available_nodes(cls):
        """Upstream's available nodes, only those named with the prefix."""
        prefix = CONF.openstack_driver.node_name_prefix
        return [node for node in super(OpenStackNodeMixin,
                                       cls).get_available_nodes()
                if (node.get('name') or '').startswith(prefix)]

    @classmethod
    def console_output(cls, node_id, lines=10000):
        """The tail of the node's console log, through Ironic.

        The ``openstack`` vendor interface's ``console_output`` passthru
        (GET, argument ``lines``): Nova's console log of the node's server.

        :param node_id: name or UUID of the node.
        :param lines: how many of the last lines to ask for.
        """
        client = cls.baremetal_client
        uri = '%s/nodes/%s/vendor_passthru?method=console_output' % (
            client.uri_prefix, node_id)
        _, body = client.request('GET', uri, headers=client.get_headers(),
                                 body=json.dumps({'lines': lines}))
        return json.loads(body)['output']

    @classmethod
    def wait_for_console_line(cls, node_id, text, timeout):
        """Wait until a line of the node's console log contains ``text``.

        :raises: TimeoutException naming the node and the text.
        """
        deadline = time.monotonic() + timeout
        while True:
            if any(text in line
                   for line in cls.console_output(node_id).splitlines()):
                return
            if time.monotonic() > deadline:
                raise lib_exc.TimeoutException(
                    'node %s: no console line with %r in %s s' % (
                        node_id, text, timeout))
            time.sleep(5)

    @classmethod
    def unreserve_node(cls, node):
        """Clear what the test left in instance_info, then unreserve.

        A deploy refused before it started leaves the test's instance_info
        (a ramdisk test's kernel and ramdisk) on the available node, and
        the next class to take the node would deploy with it.
        """
        _, shown = cls.baremetal_client.show_node(node['uuid'])
        if shown['provision_state'] == 'available' and shown['instance_info']:
            cls.update_node(node['uuid'], [{'op': 'replace',
                                            'path': '/instance_info',
                                            'value': {}}])
        super(OpenStackNodeMixin, cls).unreserve_node(node)

    @classmethod
    def get_server_ip(cls, node_id):
        """The address the node got by DHCP in its current provision state.

        :param node_id: name or UUID of the node.
        :raises: TimeoutException if no such lease appears in
            ``[openstack_driver] server_ip_timeout`` seconds.
        """
        opts = CONF.openstack_driver
        _, node = cls.baremetal_client.show_node(node_id)
        since = (_epoch(node['provision_updated_at'])
                 - opts.lease_grace_seconds)
        _, body = cls.baremetal_client.list_node_ports(node['uuid'])
        macs = [port['address'] for port in body['ports']]
        deadline = time.monotonic() + opts.server_ip_timeout
        while True:
            try:
                with open(opts.dhcp_leases_file) as f:
                    text = f.read()
            except FileNotFoundError:
                text = ''
            address = leases.newest_address(text, macs, since,
                                            opts.dhcp_lease_seconds)
            if address:
                return address
            if time.monotonic() > deadline:
                raise lib_exc.TimeoutException(
                    'node %s (MACs %s) got no DHCP lease in %s since it '
                    'became %s at %s' % (
                        node['uuid'], ', '.join(macs),
                        opts.dhcp_leases_file, node['provision_state'],
                        node['provision_updated_at']))
            time.sleep(5)
