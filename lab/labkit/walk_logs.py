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

"""A node walk's phases from the real lab's logs: read them, print them.

``labctl phases [NODE...]`` and the end of ``labctl demo --virt qemu``
call ``print_phases``. The files, all under the lab's state dir: Ironic's
and nova-compute's logs, libvirt's QEMU logs (``libvirt/log/qemu``), the
HTTP boot server's and dnsmasq's logs, and the console recorder's copies
of the guests' consoles (``logs/consoles/<server>.log``). Standard library
only; reading needs no running lab.
"""

import datetime
import glob
import os

from labkit.compute import libvirt
from labkit import demo_output
from labkit import walk_events
from labkit import walk_phases


def _lines(path, keep=None):
    """The lines of ``path`` (those containing one of ``keep``), or []."""
    try:
        with open(path, errors='replace') as f:
            if keep is None:
                return f.readlines()
            return [line for line in f if any(k in line for k in keep)]
    except OSError:
        return []


def node_events(p, node):
    """Every event of the lab's logs that may concern ``node``.

    :returns: (events, the node's server UUID or None).
    """
    events = walk_events.parse_ironic(
        _lines(p.log_of('ironic'), keep=(node, 'GET /v1/lookup')))
    server = next((e.fields['server'] for e in events
                   if e.kind == 'server'), None)
    if server:
        events += walk_events.parse_nova_compute(
            _lines(p.log_of('nova-compute'), keep=(server,)))
        for log in sorted(glob.glob(os.path.join(
                p.libvirt_root, 'log', 'qemu', '*.log'))):
            events += walk_events.parse_libvirt(_lines(log))
        events += walk_events.parse_console(
            _lines(os.path.join(libvirt.consoles_dir(p), server + '.log')),
            server)
    events += walk_events.parse_http(_lines(p.log_of('http-boot')))
    dnsmasq = p.log_of('dnsmasq')
    if os.path.exists(dnsmasq):
        year = datetime.date.fromtimestamp(os.path.getmtime(dnsmasq)).year
        events += walk_events.parse_dnsmasq(
            _lines(dnsmasq, keep=('DHCPACK',)), year)
    return events, server


def last_node(p):
    """The node of the last provision state change in Ironic's log."""
    last = None
    for e in walk_events.parse_ironic(
            _lines(p.log_of('ironic'), keep=('moved to provision state',))):
        last = e.fields['node']
    return last


def print_phases(p, nodes):
    """Print each node's operations and phases; False if none was found."""
    found = False
    for node in nodes:
        events, server = node_events(p, node)
        finder = walk_phases.Finder(events, node, server=server)
        ops = walk_phases.operations(finder)
        print('\n== Where the time went: node %s (server %s)' % (
            node, server or 'unknown'))
        if not ops:
            print('   no cleaning, deploy, undeploy, rescue or unrescue of '
                  'this node in %s' % p.log_of('ironic'))
            continue
        found = True
        demo_output.print_table(
            ('operation / phase', 'start', 'seconds', '+/- s', 'clocks'),
            walk_phases.table_rows(ops))
    print('Times from the lab logs (%s). "+/- s": how far a duration may be '
          'off (ironic, nova, libvirt: ms; console: the console '
          "recorder's 0.25 s polling; http, dnsmasq: whole seconds). "
          '"missing": a marker not in the logs.' % p.logs, flush=True)
    return found
