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

"""``ovb-ipmi``: OpenStack Virtual Baremetal's openstackbmc, one BMC
process per node, driven by Ironic's ``ipmi`` hardware type (ipmitool)."""

import os
import shutil
import socket
import sys
import time

from bench.common import BenchError
from bench.common import port_free
from bench.common import PROCS
from bench.common import say
from bench.common import wait_for
from bench.memory import mem_available_mb
from bench.systems.base import System

OVB_BASE_PORT = 17000
IPMI_USER, IPMI_PASSWORD = 'admin', 'password'   # openstackbmc's fixed ones
OVB_MB_PER_BMC = 80          # measured ~63 MB RSS; margin included
MEMORY_RESERVE_MB = 2048
# Measured PSS of one openstackbmc (8640 MB for 200; README, Performance).
OVB_PSS_MB_PER_BMC = 43


def ovb_address(index):
    # Each BMC has its own loopback address and port: Ironic's ipmitool
    # rate limit ([ipmi]min_command_interval) is per BMC *address*, so BMCs
    # sharing 127.0.0.1 would be throttled together (not so in a real OVB,
    # where every BMC has its own IP).
    return '127.1.%d.%d' % (index // 250, index % 250 + 1), \
        OVB_BASE_PORT + index


class OvbIpmi(System):
    name = 'ovb-ipmi'
    hardware_types = ('ipmi',)
    power_interfaces = ('ipmitool',)
    management_interfaces = ('ipmitool',)
    # The ipmi nodes take Ironic's default boot and deploy interfaces.
    boot_interfaces = ('ipxe', 'pxe')
    deploy_interfaces = ('direct', 'ramdisk')
    debian_packages = {'ipmitool': 'ipmitool'}
    is_peer = True

    @classmethod
    def too_large_reason(cls, nodes):
        return ('one openstackbmc process per node, ~%d MB each: %d nodes '
                'would need ~%.0f GB (this machine: %.0f GB)'
                % (OVB_PSS_MB_PER_BMC, nodes,
                   nodes * OVB_PSS_MB_PER_BMC / 1024.0,
                   os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES')
                   / 2.0 ** 30))

    def start(self, servers):
        n = len(servers)
        need = n * OVB_MB_PER_BMC + MEMORY_RESERVE_MB
        avail = mem_available_mb()
        if avail < need:
            raise BenchError(
                'not enough memory for %d openstackbmc processes: %.0f MB '
                'available, %d MB needed (%d MB each + %d MB reserve); '
                'use fewer --nodes or leave ovb-ipmi out of --systems'
                % (n, avail, need, OVB_MB_PER_BMC, MEMORY_RESERVE_MB))
        if shutil.which('ipmitool') is None:
            raise BenchError('ipmitool is missing: apt-get install ipmitool')
        logdir = os.path.join(self.ctx.run_dir, 'ovb-bmc-logs')
        os.makedirs(logdir, exist_ok=True)
        env = {'OS_CLIENT_CONFIG_FILE': self.ctx.project.clouds_yaml,
               'OS_CLOUD': self.ctx.project.cloud('ovb-ipmi')}
        logs = []
        t0 = time.monotonic()
        batch = 16
        for i, server in enumerate(servers):
            addr, port = ovb_address(i)
            if not port_free(port, socket.SOCK_DGRAM):
                raise BenchError('UDP port %d (BMC) is in use' % port)
            log = os.path.join(logdir, 'bmc-%d.log' % i)
            logs.append(log)
            self.procs.append(PROCS.start(
                [sys.executable, '-m', 'openstack_virtual_baremetal.'
                 'openstackbmc', '--port', str(port), '--address', addr,
                 '--instance', server.id,
                 '--os-cloud', self.ctx.project.cloud('ovb-ipmi')],
                log, env=env))
            if (i + 1) % batch == 0 or i + 1 == n:
                # Bounded: each batch must come up before the next starts.
                self._wait_managing(logs[-batch:])
        say('%d BMCs up in %.0fs' % (n, time.monotonic() - t0))

    def _wait_managing(self, logs):
        def up():
            for p in self.procs[-len(logs):]:
                if p.poll() is not None:
                    raise BenchError('an openstackbmc exited; see %s'
                                     % logs[-1])
            for log in logs:
                with open(log, 'rb') as f:
                    if b'Managing instance' not in f.read():
                        return False
            return True
        wait_for('openstackbmc processes', up, timeout=180, interval=0.2)

    def node_body(self, index, server):
        addr, port = ovb_address(index)
        return {'name': '%s-ipmi-%d' % (self.ctx.prefix, index),
                'driver': 'ipmi',
                'driver_info': {'ipmi_address': addr, 'ipmi_port': port,
                                'ipmi_username': IPMI_USER,
                                'ipmi_password': IPMI_PASSWORD}}
