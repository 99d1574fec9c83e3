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

    def node_body(self, index, server):
        return {'name': '%s-fake-%d' % (self.ctx.prefix, index),
                'driver': 'fake-hardware', 'boot_interface': 'fake',
                'deploy_interface': 'fake', 'power_interface': 'fake',
                'management_interface': 'fake'}
