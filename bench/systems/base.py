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

"""What every system under test has in common."""

from bench.common import PROCS
from bench.memory import memory_mb


class System:
    """One benchmarked system: its processes, drivers and nodes.

    The extra processes of one system, what its Ironic enables, what it
    needs installed, and how its nodes are enrolled.
    """
    name = None
    # What this system's Ironic enables ([DEFAULT] enabled_*_interfaces):
    # only what its nodes use, so that no other driver's start-up checks
    # (ipmitool's looks for its binary) can stop its conductor.
    hardware_types = ()
    power_interfaces = ()
    management_interfaces = ()
    boot_interfaces = ('fake',)
    deploy_interfaces = ('fake',)
    # Debian packages the system needs: {package: command it provides}.
    debian_packages = {}
    # Whether its power interface talks to Nova (ironic-floor's does not).
    uses_nova = True
    # A peer that cannot scale runs only up to --peers-max-nodes nodes.
    is_peer = False

    @classmethod
    def too_large_reason(cls, nodes):
        """Why a peer is left out at this node count (for the output)."""
        return None

    def __init__(self, ctx):
        self.ctx = ctx
        self.procs = []

    def start(self, servers):
        pass

    def node_body(self, index, server):
        raise NotImplementedError

    def ironic_options(self):
        """ironic.conf [DEFAULT] options enabling this system's drivers."""
        return {
            'enabled_hardware_types': ','.join(self.hardware_types),
            'enabled_power_interfaces': ','.join(self.power_interfaces),
            'enabled_management_interfaces':
                ','.join(self.management_interfaces),
            'enabled_boot_interfaces': ','.join(self.boot_interfaces),
            'enabled_deploy_interfaces': ','.join(self.deploy_interfaces),
        }

    def memory(self):
        return memory_mb([p.pid for p in self.procs]) if self.procs \
            else (0.0, 0.0)

    def stop(self):
        if self.procs:
            PROCS.stop(self.procs)
            self.procs = []
