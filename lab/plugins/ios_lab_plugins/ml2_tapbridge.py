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

"""ML2 mechanism driver of the real-mode lab: ports become plain taps.

Nova 34 refuses Linux-bridge VIFs and the lab runs no Open vSwitch. This
driver binds every port, on any host, on its first segment with
``vif_type`` ``tap`` (``vif_details`` ``port_filter: false``): Nova's
libvirt driver then creates a tap named ``tap`` + the port ID's first 11
characters and gives the guest an ``<interface type='ethernet'>`` on it.
Nova plugs that tap into nothing; the lab's libvirt hook
(``labkit.network.bridge``) puts it into the provisioning bridge each time
libvirt starts the guest (spawn, rescue, unrescue, hard reboot).

The port is reported ACTIVE straight away (there is no L2 agent), so
Neutron sends Nova its ``network-vif-plugged`` event.

Registered as ``lab_tapbridge`` under ``neutron.ml2.mechanism_drivers``.
"""

from neutron_lib.api.definitions import portbindings
from neutron_lib import constants
from neutron_lib.plugins.ml2 import api

VIF_TYPE_TAP = 'tap'


class TapBridgeMechanismDriver(api.MechanismDriver):
    """Bind the first segment of every port as a tap; report it ACTIVE."""

    def initialize(self):
        """Nothing to set up: the lab's libvirt hook does the plugging."""

    @property
    def connectivity(self):
        return portbindings.CONNECTIVITY_L2

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            context.set_binding(
                segment[api.ID], VIF_TYPE_TAP,
                {portbindings.CAP_PORT_FILTER: False},
                status=constants.PORT_STATUS_ACTIVE)
            return
