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

"""The node counts of a run (``--nodes 200,1000``) and which systems run
at each: the peers that cannot scale only up to ``--peers-max-nodes``."""

MIN_NODES, MAX_NODES = 1, 1000


def parse_node_counts(text):
    """'200,1000' -> [200, 1000]: sorted, without repeats.

    :raises: ValueError saying what is wrong.
    """
    counts = set()
    for part in text.split(','):
        part = part.strip()
        if not part:
            continue
        try:
            n = int(part)
        except ValueError:
            raise ValueError('--nodes: %r is not a whole number' % part)
        if not MIN_NODES <= n <= MAX_NODES:
            raise ValueError('--nodes: %d is not between %d and %d'
                             % (n, MIN_NODES, MAX_NODES))
        counts.add(n)
    if not counts:
        raise ValueError('--nodes: no node count given')
    return sorted(counts)


def plan(node_counts, systems, system_classes, peers_max_nodes):
    """Which systems run at which node count, and why a peer does not.

    :param node_counts: parse_node_counts()'s list.
    :param systems: the chosen system names, in run order.
    :param system_classes: {name: System class}.
    :param peers_max_nodes: the largest node count a peer runs at.
    :returns: [(nodes, [system names], {left-out name: reason})], one per
        node count, smallest first.
    """
    out = []
    for n in node_counts:
        run, left_out = [], {}
        for name in systems:
            cls = system_classes[name]
            if cls.is_peer and n > peers_max_nodes:
                left_out[name] = ('not run at N=%d (--peers-max-nodes %d): '
                                  '%s' % (n, peers_max_nodes,
                                          cls.too_large_reason(n)))
            else:
                run.append(name)
        out.append((n, run, left_out))
    return out
