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

"""Figures that compare the systems of one node count, or node counts:
each sweep's ratio to Ironic's floor and the memory our driver adds to
the conductor."""

from bench.common import FLOOR

OURS = 'openstack'
# The conductor's memory, as the per-node figures compare it.
CONDUCTOR_MEMORY_KEY = 'conductor_anon_mb_after_sweeps'


def _measured(result, key):
    value = (result or {}).get(key)
    return value if isinstance(value, (int, float)) else None


def add_floor_ratios(results):
    """Set each system's sweep_ratio_to_floor (None without the floor).

    :param results: {system name: result} of one node count.
    """
    floor = _measured(results.get(FLOOR), 'sweep_seconds')
    for result in results.values():
        sweep = _measured(result, 'sweep_seconds')
        if sweep is not None:
            result['sweep_ratio_to_floor'] = (
                round(sweep / floor, 2) if floor else None)
    return results


def add_driver_memory(results):
    """Set our driver's added conductor memory (None without the floor).

    driver_memory_mb: the conductor's anonymous memory with N openstack
    nodes after the sweeps minus the same Ironic's with ironic-floor's N
    fake nodes (anonymous, not PSS: PSS moves by tens of MB with what
    other processes map of the same files);
    driver_memory_mb_per_1000_nodes: that scaled to 1000 nodes.

    :param results: {system name: result} of one node count.
    """
    ours = results.get(OURS)
    if ours is None or 'error' in ours or 'skipped' in ours:
        return results
    mine = _measured(ours, CONDUCTOR_MEMORY_KEY)
    floor = _measured(results.get(FLOOR), CONDUCTOR_MEMORY_KEY)
    if mine is None or floor is None:
        ours['driver_memory_mb'] = None
        ours['driver_memory_mb_per_1000_nodes'] = None
        return results
    added = mine - floor
    ours['driver_memory_mb'] = round(added, 1)
    ours['driver_memory_mb_per_1000_nodes'] = round(
        added * 1000.0 / ours['nodes'], 1)
    return results


def driver_memory_between(by_nodes):
    """The added memory per 1000 nodes between two node counts, or None.

    The difference between the smallest and the largest node count at
    which driver_memory_mb was measured, per 1000 nodes: what each node
    adds, without the driver's fixed part (its modules, openstacksdk's)
    that driver_memory_mb_per_1000_nodes scales with the nodes.

    :param by_nodes: {nodes: {system name: result}}.
    :returns: {'nodes': [small, large], 'mb_per_1000_nodes': x} or None.
    """
    points = sorted(
        (n, _measured(results.get(OURS), 'driver_memory_mb'))
        for n, results in by_nodes.items())
    points = [(n, mb) for n, mb in points if mb is not None]
    if len(points) < 2 or points[0][0] == points[-1][0]:
        return None
    (n1, mb1), (n2, mb2) = points[0], points[-1]
    return {'nodes': [n1, n2],
            'mb_per_1000_nodes': round((mb2 - mb1) * 1000.0 / (n2 - n1), 1)}
