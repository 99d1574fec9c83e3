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
dhcp_leases_file``).

A ping proves little: iPXE answers pings while it loads, and a disk that
does not boot can fall back to the network. So after upstream's deploy
and ping (``boot_and_verify_node``), and after upstream's unrescue
(``rescue_unrescue``), the mixin waits for a new
``[openstack_driver] instance_console_line`` in the node's console log
(read through Ironic: the driver's ``console_output`` passthru) and checks
Nova's view of the node's server (read with ``host_clouds_yaml`` and
``host_cloud``): ACTIVE, no task, running, not RESCUE. While a node is
rescued (upstream's ``rescue_node``) Nova must show its server in RESCUE.
Everything else (reservation, deploy, ping, cleanup) is the upstream code.

A class whose settings are missing, or that upstream's checks would skip
(hardware type or interface not enabled in tempest.conf, Nova seen),
fails with tempest's InvalidConfiguration naming why: it never skips.
"""

import datetime
import json
import time

from tempest import config
from tempest.lib import exceptions as lib_exc

from ironic_openstack_driver_tempest_plugin import leases
from ironic_openstack_driver_tempest_plugin import verify

CONF = config.CONF


def _epoch(timestamp):
    when = datetime.datetime.fromisoformat(timestamp)
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when.timestamp()


class OpenStackNodeMixin(object):
    """Put first in the bases of a subclass of an upstream standalone test."""

    driver = 'openstack'
    #: The [openstack_driver] options the class cannot run without.
    required_settings = verify.DEPLOY_SETTINGS
    #: Nova's status of a deployed node's server: booted from its disk.
    deployed_status = 'ACTIVE'

    @classmethod
    def skip_checks(cls):
        """Upstream's checks and the plugin's settings: an error, no skip.

        Upstream skips a class whose hardware type or interfaces tempest
        does not list as enabled, or when tempest sees Nova; for a test of
        this driver each of those is a configuration that cannot test it.

        :raises: InvalidConfiguration naming the class and the reason.
        """
        try:
            super(OpenStackNodeMixin, cls).skip_checks()
        except cls.skipException as skipped:
            raise lib_exc.InvalidConfiguration(
                '%s cannot run: %s' % (cls.__name__, skipped))
        missing = verify.missing_settings(CONF.openstack_driver,
                                          cls.required_settings)
        if missing:
            raise lib_exc.InvalidConfiguration(
                '%s needs [openstack_driver] %s in tempest.conf' % (
                    cls.__name__, ', '.join(missing)))

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
    def console_lines_with(cls, node_id, text):
        """How many lines of the node's console log contain ``text``."""
        return verify.count_lines(cls.console_output(node_id), text)

    @classmethod
    def wait_for_console_line(cls, node_id, text, timeout, before):
        """Wait for a new line with ``text`` in the node's console log.

        New: more such lines than the ``before`` counted earlier. Nova's
        libvirt driver starts a new log at each start of the guest (and
        shows none while it is off: the driver reads that as empty), other
        hypervisors keep appending; either way, a count above one taken
        while a run without the line (powered off, or the agent's rescue
        boot) was the current one means a boot that printed it.

        :raises: TimeoutException naming the node and the text.
        """
        deadline = time.monotonic() + timeout
        while True:
            count = cls.console_lines_with(node_id, text)
            if count > before:
                return count
            if time.monotonic() > deadline:
                raise lib_exc.TimeoutException(
                    'node %s: no new console line with %r in %s s (%d '
                    'such lines before, %d now)' % (
                        node_id, text, timeout, before, count))
            time.sleep(5)

    @classmethod
    def host_server(cls, node_id):
        """Nova's view of the node's server, read from the host cloud.

        :returns: {'id', 'status', 'task_state', 'vm_state',
            'power_state'}, or None when the server does not exist.
        """
        import openstack.config
        import openstack.connection

        opts = CONF.openstack_driver
        _, node = cls.baremetal_client.show_node(node_id)
        ref = (node.get('driver_info') or {}).get('openstack_server')
        config = openstack.config.OpenStackConfig(
            config_files=[opts.host_clouds_yaml])
        conn = openstack.connection.Connection(
            config=config.get_one(cloud=opts.host_cloud))
        try:
            found = ref and conn.compute.find_server(ref)
            if not found:
                return None
            server = conn.compute.get_server(found.id)
            return {'id': server.id, 'status': server.status,
                    'task_state': server.task_state,
                    'vm_state': server.vm_state,
                    'power_state': server.power_state}
        finally:
            conn.close()

    @classmethod
    def check_server(cls, node_id, status):
        """Nova shows the node's server running in ``status``.

        :raises: AssertionError naming the node, what contradicts
            ``status`` and Nova's view.
        """
        view = cls.host_server(node_id)
        problems = verify.server_problems(view, status)
        if problems:
            raise AssertionError('node %s: Nova shows %s (%s)' % (
                node_id, '; '.join(problems), view))

    def assert_server(self, status):
        """Nova shows this test's node's server running in ``status``."""
        self.check_server(self.node['uuid'], status)

    def verify_disk_boot(self, before):
        """A new instance line on the console; Nova: ACTIVE, from disk.

        :param before: the count of instance lines taken before the boot.
        """
        opts = CONF.openstack_driver
        self.wait_for_console_line(self.node['uuid'],
                                   opts.instance_console_line,
                                   opts.server_ip_timeout, before)
        self.assert_server(self.deployed_status)

    @classmethod
    def set_node_to_active(cls, image_ref=None, image_checksum=None,
                           **kwargs):
        """Upstream's deploy; the instance lines before it are counted."""
        cls.instance_lines_before = cls.console_lines_with(
            cls.node['uuid'], CONF.openstack_driver.instance_console_line)
        super(OpenStackNodeMixin, cls).set_node_to_active(
            image_ref, image_checksum, **kwargs)

    def boot_and_verify_node(self, image_ref=None, image_checksum=None,
                             should_succeed=True):
        """Upstream's deploy and ping, then the disk boot, seen."""
        super(OpenStackNodeMixin, self).boot_and_verify_node(
            image_ref, image_checksum, should_succeed=should_succeed)
        if should_succeed:
            self.verify_disk_boot(self.instance_lines_before)

    def rescue_unrescue(self):
        """Upstream's rescue and unrescue, each end seen on the disk.

        The deploy before it (upstream's set_node_to_active) must have
        booted the disk; the unrescue must boot it again. The lines before
        the unrescue are counted while the rescue ramdisk runs (see
        unrescue_node), when a libvirt guest's log holds only that run.
        """
        self.verify_disk_boot(self.instance_lines_before)
        super(OpenStackNodeMixin, self).rescue_unrescue()
        self.verify_disk_boot(self.instance_lines_before_unrescue)

    @classmethod
    def rescue_node(cls, node_id, rescue_password):
        """Upstream's rescue; Nova then shows the server in RESCUE.

        The agent's rescue boots the ramdisk from the network: Nova's
        rescue with the iPXE image, running, with no task left.
        """
        super(OpenStackNodeMixin, cls).rescue_node(node_id, rescue_password)
        cls.check_server(node_id, 'RESCUE')

    @classmethod
    def unrescue_node(cls, node_id):
        """Upstream's unrescue; the instance lines are counted before it."""
        cls.instance_lines_before_unrescue = cls.console_lines_with(
            node_id, CONF.openstack_driver.instance_console_line)
        super(OpenStackNodeMixin, cls).unrescue_node(node_id)

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
