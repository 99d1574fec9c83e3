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

"""``sushy-redfish``: sushy-tools' Redfish emulator with its Nova driver
(one process for all nodes), driven by Ironic's ``redfish`` hardware type.
"""

import os
import sys

from bench.common import BenchError
from bench.common import HOST
from bench.common import http
from bench.common import port_free
from bench.common import PROCS
from bench.common import wait_for
from bench.systems.base import System

SUSHY_PORT = 16410
# Its power sync on this lab: 178 s for 200 nodes (README, Performance).
SWEEP_SECONDS_PER_NODE = 0.89


class SushyRedfish(System):
    name = 'sushy-redfish'
    hardware_types = ('redfish',)
    power_interfaces = ('redfish',)
    management_interfaces = ('redfish',)
    # The redfish nodes take Ironic's default boot and deploy interfaces.
    boot_interfaces = ('ipxe', 'pxe')
    deploy_interfaces = ('direct', 'ramdisk')
    is_peer = True

    @classmethod
    def too_large_reason(cls, nodes):
        return ('its power sync reads every server through the emulator '
                '(8 Nova requests per node): ~%.1f s per node on this lab, '
                'a sweep of %d nodes would take ~%.0f min'
                % (SWEEP_SECONDS_PER_NODE, nodes,
                   nodes * SWEEP_SECONDS_PER_NODE / 60))

    def start(self, servers):
        if not port_free(SUSHY_PORT):
            raise BenchError('port %d (sushy-emulator) is in use'
                             % SUSHY_PORT)
        log = os.path.join(self.ctx.run_dir, 'sushy-emulator.log')
        argv = [os.path.join(os.path.dirname(sys.executable),
                             'sushy-emulator'),
                '--os-cloud', self.ctx.project.cloud('sushy-redfish'),
                '-i', HOST, '-p', str(SUSHY_PORT)]
        self.procs.append(PROCS.start(argv, log, env={
            'OS_CLIENT_CONFIG_FILE': self.ctx.project.clouds_yaml}))

        def ready():
            if self.procs[0].poll() is not None:
                raise BenchError('sushy-emulator exited; see %s' % log)
            try:
                code, _ = http('GET', 'http://%s:%d/redfish/v1/'
                               % (HOST, SUSHY_PORT), timeout=5)
            except OSError:
                return False
            return code == 200
        wait_for('sushy-emulator', ready, timeout=60)

    def node_body(self, index, server):
        return {'name': '%s-rf-%d' % (self.ctx.prefix, index),
                'driver': 'redfish',
                'driver_info': {
                    'redfish_address': 'http://%s:%d' % (HOST, SUSHY_PORT),
                    'redfish_system_id': '/redfish/v1/Systems/' + server.id}}
