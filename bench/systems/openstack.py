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
