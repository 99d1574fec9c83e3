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

"""Console interface: the Nova server's remote console, through Ironic.

``openstack baremetal node console enable`` then ``console show`` gives a
URL from Nova's remote-console API (POST /servers/{id}/remote-consoles,
microversion 2.6; older clouds through openstacksdk's fallback), of the
first type in ``[openstack]console_types`` that the cloud offers for the
server: a serial console websocket (``ws://``/``wss://``, e.g. for
websocat) where it exists, else a noVNC or SPICE page for a browser.

What the console shows, on a libvirt cloud:

* boot device DISK (server ACTIVE): the guest OS; its serial console if the
  OS writes to ttyS0, the VGA screen through noVNC/SPICE.
* boot device PXE (server RESCUE): with Nova's ``[serial_console]``
  enabled the rescued guest has no serial port at all, so Nova refuses the
  serial type and the next type (noVNC) shows the VGA screen, where iPXE
  (Debian's build writes to VGA only), the kernel and the agent print.
* power off: Nova opens consoles of running guests only; ``console show``
  then fails with Nova's answer.

Nothing is kept between calls: the URL carries a Nova console token that
expires (``[consoleauth]token_ttl``, 10 minutes by default), so it is
fetched anew for each ``console show`` and never stored in the node or
logged.

Ironic's own graphical console (``ironic-novncproxy``, 2025.1) does not fit
here: see the README, "Console".
"""

from oslo_log import log

from ironic.common import exception
from ironic.common.i18n import _
from ironic.drivers import base

from ironic_openstack_driver import client as os_client
from ironic_openstack_driver.conf import CONF
from ironic_openstack_driver import driver_info as os_info
from ironic_openstack_driver import node_access
from ironic_openstack_driver import server_reads
from ironic_openstack_driver import server_state

LOG = log.getLogger(__name__)


class OpenStackConsole(base.ConsoleInterface):
    """Nova's remote console (serial, noVNC, SPICE) of the node's server."""

    def get_properties(self):
        return os_info.COMMON_PROPERTIES.copy()

    def validate(self, task):
        """Check driver_info without talking to the cloud."""
        os_info.parse_driver_info(task.node)

    def start_console(self, task):
        """Enable the console: check that the node's server exists.

        Nova needs no set-up; the console itself is opened by each
        get_console, as the guest may not run yet.

        :raises: DriverOperationError when the server cannot be read.
        """
        node_access.node_client(task).get_server()
        LOG.info('Node %s: console enabled (Nova remote console)',
                 task.node.uuid)

    def stop_console(self, task):
        """Disable the console. Nova's console tokens expire on their own."""
        LOG.info('Node %s: console disabled', task.node.uuid)

    def get_console(self, task):
        """A fresh console URL from Nova.

        :returns: a dict with 'type' (the Nova console type, e.g. serial or
            novnc) and 'url'.
        :raises: DriverOperationError when Nova offers none of
            [openstack]console_types for the server; the message names what
            it offers.
        """
        client = node_access.node_client(task)
        server = client.get_server()
        if not server_state.guest_running(server):
            raise exception.DriverOperationError(
                driver=os_client.DRIVER,
                reason=_('node %(node)s: no console: the guest of server '
                         '%(server)s does not run (vm_state %(vm)s, '
                         'power_state %(power)s); power the node on '
                         'first') % {
                             'node': task.node.uuid, 'server': server.id,
                             'vm': server.vm_state,
                             'power': server.power_state})
        console = server_reads.remote_console(
            client, server, CONF.openstack.console_types)
        LOG.debug('Node %(node)s: Nova gave a %(type)s console',
                  {'node': task.node.uuid, 'type': console['type']})
        return console
