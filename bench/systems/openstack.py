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
runs this checkout's driver. The driver drives a server only when it is
marked for the node (server metadata): start() marks each server, as the
probe user and before anything is timed, for the node UUID its node is
then created with.
"""

import uuid

from bench.systems.base import System
from ironic_openstack_driver.tools import binding
from ironic_openstack_driver.tools import waiting

# Node UUIDs derive from server IDs: a server keeps its mark from one
# run (and node count) to the next, and is marked once.
_NAMESPACE = uuid.UUID('0b6c8a0e-6c1e-4d59-9a57-2f0a4f6d6f31')
_MARK_WORKERS = 8
# Server IDs marked in this run.
_marked = set()


def node_uuid(server):
    return str(uuid.uuid5(_NAMESPACE, server.id))


class OurDriver(System):
    name = 'openstack'
    hardware_types = ('openstack',)
    power_interfaces = ('openstack',)
    management_interfaces = ('openstack',)

    def start(self, servers):
        todo = [s for s in servers if s.id not in _marked]
        compute = self.ctx.probe.compute
        waiting.in_parallel(lambda s: binding.set_mark(compute, s,
                                                       node_uuid(s)),
                            todo, _MARK_WORKERS)
        _marked.update(s.id for s in todo)

    def node_body(self, index, server):
        return {'name': '%s-os-%d' % (self.ctx.prefix, index),
                'uuid': node_uuid(server),
                'driver': 'openstack', 'boot_interface': 'fake',
                'deploy_interface': 'fake',
                'driver_info': {'openstack_server': server.id}}
