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

"""ML2 mechanism driver that binds every port and plugs NOTHING.

THE LAB HAS NO DATAPLANE. No packet moves between ports, no bridge, tap,
namespace, DHCP server or router exists. This driver exists only because
ML2 without agents fails every port binding (PortBindingFailed, the server
goes to ERROR), and the lab runs no agents.

What it does: for every port that ML2 asks it to bind, on any host, it takes
the first segment offered and binds it as an Open vSwitch port (vif_type
``ovs``), and it reports the port ACTIVE straight away. Neutron then sends
Nova the ``network-vif-plugged`` event, so servers on ports go ACTIVE as on
a real cloud. Networks, subnets, ports (with or without IPs), port security,
allowed address pairs and security groups are real Neutron API objects;
nothing enforces them.

Registered as ``lab_nodataplane`` under ``neutron.ml2.mechanism_drivers``.
"""

from neutron_lib.api.definitions import portbindings
from neutron_lib import constants
from neutron_lib.plugins.ml2 import api


class NoDataplaneMechanismDriver(api.MechanismDriver):
    """Bind the first segment of every port as OVS; report it ACTIVE."""

    def initialize(self):
        """Nothing to set up: there is no agent and no dataplane."""

    @property
    def connectivity(self):
        return portbindings.CONNECTIVITY_L2

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            context.set_binding(
                segment[api.ID],
                portbindings.VIF_TYPE_OVS,
                {portbindings.CAP_PORT_FILTER: True,
                 portbindings.OVS_HYBRID_PLUG: False},
                status=constants.PORT_STATUS_ACTIVE)
            return
