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
pure, as server_state's decisions. The status of the server's compute
host comes from host_status.py (Nova's compute services), where the
credentials may see it.
"""

from ironic.common import health_states

from ironic_openstack_driver import server_state

# Nova's host_status of the server's host.
_HOST_STATUS_HEALTH = {
    'UP': health_states.HealthState.OK,
    'MAINTENANCE': health_states.HealthState.WARNING,
    'UNKNOWN': health_states.HealthState.WARNING,
    'DOWN': health_states.HealthState.CRITICAL,
}


def health(server, host_status=None):
    """Ironic's health of a node from what Nova shows of its server.

    ERROR (or deleted) is critical; a guest the hypervisor paused under a
    server meant to run (libvirt does on an I/O error) is a warning; else
    the compute host's status is the health. When the host's status is
    not known (credentials that Nova shows neither the host nor its
    status: members, by default policy) and nothing is wrong with the
    server, the health is None: Ironic then records no health rather
    than an OK that nothing checked.

    :param server: the server (openstacksdk Server or a listed copy).
    :param host_status: Nova's host_status of the server's host (UP,
        UNKNOWN, MAINTENANCE, DOWN, or '' for no host), or None when not
        known; then the server's own host_status counts, if Nova showed
        it (microversion 2.16, admins).
    :returns: a HealthState, or None.
    """
    vm = server.vm_state
    if vm == server_state.ERROR or vm in server_state.GONE_VM_STATES:
        return health_states.HealthState.CRITICAL
    if host_status is None:
        host_status = getattr(server, 'host_status', None)
    host_health = _HOST_STATUS_HEALTH.get(host_status)
    if host_status and host_health is None:
        host_health = health_states.HealthState.WARNING
    elif (host_status == ''
          and vm in (server_state.SHELVED_OFFLOADED, server_state.BUILDING)):
        # Nova's NONE: no host, as expected in these states.
        host_health = health_states.HealthState.OK
    if server_state.hypervisor_paused(server):
        return max(health_states.HealthState.WARNING,
                   host_health or health_states.HealthState.OK,
                   key=_SEVERITY.index)
    return host_health


_SEVERITY = [health_states.HealthState.OK, health_states.HealthState.WARNING,
             health_states.HealthState.CRITICAL]
