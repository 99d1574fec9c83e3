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

"""Memory of the processes a system adds (PSS and RSS, from /proc)."""

import os


def mem_available_mb():
    with open('/proc/meminfo') as f:
        for line in f:
            if line.startswith('MemAvailable:'):
                return int(line.split()[1]) / 1024.0
    return 0.0


def proc_tree(pid):
    """pid and all its descendants (from /proc)."""
    children = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as f:
                fields = f.read().rsplit(')', 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError):
            continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _rollup_kb(pids, fields):
    """smaps_rollup's fields (kB) summed over pids and their descendants."""
    totals = dict.fromkeys(fields, 0)
    seen = set()
    for pid in pids:
        for p in proc_tree(pid):
            if p in seen:
                continue
            seen.add(p)
            try:
                with open('/proc/%d/smaps_rollup' % p) as f:
                    for line in f:
                        name = line.split(':', 1)[0]
                        if name in totals:
                            totals[name] += int(line.split()[1])
            except OSError:
                continue
    return totals


def memory_mb(pids):
    """(PSS, RSS) in MB summed over pids and their descendants."""
    kb = _rollup_kb(pids, ('Pss', 'Rss'))
    return round(kb['Pss'] / 1024.0, 1), round(kb['Rss'] / 1024.0, 1)


def anonymous_mb(pids):
    """Anonymous memory (heap, stacks) in MB over pids and descendants.

    Unlike PSS, it does not move with what other processes map of the same
    files (the lab's own Ironic shares the venv's libraries): what a
    driver adds in the conductor (its modules' objects, its caches) is
    anonymous memory.
    """
    return round(_rollup_kb(pids, ('Anonymous',))['Anonymous'] / 1024.0, 1)
