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

"""``ironic-floor``: Ironic's fake power over the same number of nodes, no
Nova: the floor that Ironic's own per-node work puts under any power
driver."""

from bench.common import FLOOR
from bench.systems.base import System


class IronicFloor(System):
    name = FLOOR
    hardware_types = ('fake-hardware',)
    power_interfaces = ('fake',)
    management_interfaces = ('fake',)
    uses_nova = False

    def node_body(self, index, server):
        return {'name': '%s-fake-%d' % (self.ctx.prefix, index),
                'driver': 'fake-hardware', 'boot_interface': 'fake',
                'deploy_interface': 'fake', 'power_interface': 'fake',
                'management_interface': 'fake'}
