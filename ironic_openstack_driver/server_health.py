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

"""The health Ironic records for a node, from what Nova shows of its server.

Ironic 39 asks it (management's get_node_health) on every power sync;
pure, as server_state's decisions.
"""

from ironic.common import health_states

from ironic_openstack_driver import server_state

# host_status (microversion 2.16; admins by default) of the server's host.
_HOST_STATUS_HEALTH = {
    'UP': health_states.HealthState.OK,
    'MAINTENANCE': health_states.HealthState.WARNING,
    'UNKNOWN': health_states.HealthState.WARNING,
    'DOWN': health_states.HealthState.CRITICAL,
}


def health(server):
    """Ironic's health of a node from what Nova shows of its server.

    ERROR (or deleted) is critical; a server that should live on a host
    but has none (where Nova shows the host: to admins) is critical; the
    compute host's status (where Nova shows it) is the health otherwise;
    a guest the hypervisor paused under a server meant to run (libvirt
    does on an I/O error) is a warning; else OK.
    """
    vm = server.vm_state
    if vm == server_state.ERROR or vm in server_state.GONE_VM_STATES:
        return health_states.HealthState.CRITICAL
    compute_host = getattr(server, 'compute_host', None)
    if (compute_host is not None and not compute_host
            and vm not in (server_state.SHELVED_OFFLOADED,
                           server_state.BUILDING)):
        return health_states.HealthState.CRITICAL
    host_status = getattr(server, 'host_status', None)
    host_health = (_HOST_STATUS_HEALTH.get(host_status,
                                           health_states.HealthState.WARNING)
                   if host_status else health_states.HealthState.OK)
    if (server_state.hypervisor_paused(server)
            and host_health == health_states.HealthState.OK):
        return health_states.HealthState.WARNING
    return host_health
