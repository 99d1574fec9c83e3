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

"""Vendor interface: the Nova console log of the node's server.

``openstack baremetal node passthru call --http-method GET <node>
console_output`` returns the last ``[openstack]console_output_lines``
lines of Nova's console log (os-getConsoleOutput); a caller of the API may
pass ``lines``. It works in every state where Nova keeps a log, RESCUE
included, where the iPXE rescue image and the agent print (on a libvirt
cloud only what reaches the serial port: see the README, "Console log").
"""

import re

from oslo_log import log

from ironic.common import exception
from ironic.common.i18n import _
from ironic.drivers import base

from ironic_openstack_driver.conf import CONF
from ironic_openstack_driver import driver_info as os_info
from ironic_openstack_driver import node_access
from ironic_openstack_driver import server_reads

LOG = log.getLogger(__name__)
#: An agent token on a kernel command line, as the console log shows it.
AGENT_TOKEN = re.compile(r'(ipa-agent-token=)[^\s"\']+')

MAX_LINES = 10000


def _lines(node, kwargs):
    value = kwargs.get('lines')
    if value is None:
        return CONF.openstack.console_output_lines
    try:
        lines = int(value)
        if isinstance(value, bool) or not 1 <= lines <= MAX_LINES:
            raise ValueError(value)
    except (TypeError, ValueError):
        raise exception.InvalidParameterValue(
            _('Node %(node)s: console_output argument "lines" must be an '
              'integer from 1 to %(max)d, not %(value)r.') % {
                  'node': node.uuid, 'max': MAX_LINES, 'value': value})
    return lines


class OpenStackVendor(base.VendorInterface):
    """Vendor passthru methods of the openstack hardware type."""

    def get_properties(self):
        return os_info.COMMON_PROPERTIES.copy()

    def validate(self, task, method=None, **kwargs):
        """Check driver_info, and the arguments of console_output.

        :raises: InvalidParameterValue for a bad driver_info or "lines".
        :raises: MissingParameterValue for a missing driver_info field.
        """
        os_info.parse_driver_info(task.node)
        if method == 'console_output':
            _lines(task.node, kwargs)

    @base.passthru(['GET'], async_call=False, require_exclusive_lock=False,
                   description=_('The tail of the Nova console log of the '
                                 'node\'s server. Optional argument: '
                                 '"lines" (default [openstack]'
                                 'console_output_lines). Returns '
                                 '{"server": ..., "lines": ..., '
                                 '"output": ...}.'))
    def console_output(self, task, **kwargs):
        """The last lines of the server's console log.

        :param task: a TaskManager instance (a shared lock is enough).
        :param kwargs: optional "lines".
        :returns: a dict with the server's UUID, the lines asked for and
            the text Nova returned.
        :raises: InvalidParameterValue for a bad "lines".
        :raises: DriverOperationError when Nova keeps no log for the server.
        """
        lines = _lines(task.node, kwargs)
        client = node_access.node_client(task)
        server = client.get_server()
        output = server_reads.console_output(client, server, lines)
        # The kernel prints its command line: a virtual media agent's
        # carries the agent token.
        output = AGENT_TOKEN.sub(r'\1***', output)
        LOG.debug('Node %(node)s: read %(n)d characters of console log',
                  {'node': task.node.uuid, 'n': len(output)})
        return {'server': server.id, 'lines': lines, 'output': output}
