"""``openstack``: this repository's hardware type, Ironic talking to Nova.

Its Ironic reads [openstack] clouds_yaml/cloud (see bench/ironic.py) and
runs this checkout's driver.
"""

from bench.systems.base import System


class OurDriver(System):
    name = 'openstack'
    hardware_types = ('openstack',)
    power_interfaces = ('openstack',)
    management_interfaces = ('openstack',)

    def node_body(self, index, server):
        return {'name': '%s-os-%d' % (self.ctx.prefix, index),
                'driver': 'openstack', 'boot_interface': 'fake',
                'deploy_interface': 'fake',
                'driver_info': {'openstack_server': server.id}}
