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

"""Where a node walk's time goes: its phases, from its events (pure).

A walk is a sequence of operations, each found in Ironic's provision state
changes: ``cleaning`` (manageable -> available), ``deploy`` (available ->
active), ``undeploy`` (active -> deleting -> cleaning -> available),
``rescue`` (active -> rescuing -> rescue wait -> rescue) and ``unrescue``
(rescue -> unrescuing -> active). With automated cleaning disabled, Ironic
passes through ``cleaning`` without booting the agent and says so: such a
provide is a ``provide without cleaning`` and such an undeploy an
``undeploy without cleaning``, neither with cleaning phases.
Each operation is a chain of markers, each the first event of its kind
after the marker before it (``walk_events`` reads them from the logs);
a phase is the time between two neighbouring markers, so the phases of an
operation add up to its total when every marker was found. A phase whose
marker is missing (a log the lab did not keep, a line that never came) is
shown as missing, never estimated. Each phase's accuracy is the sum of
its two markers' clock resolutions (``walk_events.RESOLUTION``).
"""

import collections

from labkit import walk_events

Phase = collections.namedtuple('Phase', 'label start end sources')
Operation = collections.namedtuple('Operation', 'name start end phases')

# Console lines that mark an agent boot, and the instance's marker.
KERNEL_FIRST = 'Linux version'
INITRD_FREED = 'Freeing initrd memory'
RUN_INIT = 'Run /init as init process'
AGENT_STARTED = ('Started', 'Ironic Python Agent')
# The agent boot counted from iPXE's answer to the agent's lookup (a span
# across phases, shown after them).
BOOT_FROM = 'iPXE reads boot.ipxe, its config, the kernel'
BOOT_TO = 'lookup to the first heartbeat'
BOOT_SPAN = "(span) iPXE's boot.ipxe to the agent's lookup"


class Finder:
    """The events of one node, and the first of a kind after a time."""

    def __init__(self, events, node, server=None, mac=None):
        self.node = node
        self.events = sorted(events, key=lambda e: e.time)
        self.server = server or self._server()
        self.agent_ips = {e.fields['ip'] for e in self.events
                          if e.kind == 'heartbeat'
                          and e.fields['node'] == node}
        self.boot_ips = {e.fields['ip'] for e in self.events
                         if e.kind == 'http' and node in e.fields['path']}
        self.mac = mac or self._mac()

    def _server(self):
        for e in self.events:
            if e.kind == 'server' and e.fields['node'] == self.node:
                return e.fields['server']
        return None

    def _mac(self):
        """The MAC whose iPXE config came just before the node's kernel.

        An address may have served other nodes before (leases end), so
        the config is taken from the same address right before a request
        naming the node.
        """
        last = {}
        for e in self.events:
            if e.kind != 'http':
                continue
            ip, path = e.fields['ip'], e.fields['path']
            if '/pxelinux.cfg/' in path:
                last[ip] = path.rpartition('/')[2].replace('-', ':')
            elif self.node in path and ip in last:
                return last[ip]
        return None

    def mine(self, e):
        """Whether an event is about this node (or its server, its IPs)."""
        f = e.fields
        if 'node' in f:
            return f['node'] == self.node
        if 'server' in f:
            return f['server'] == self.server
        if e.kind == 'lookup':
            return f['ip'] in self.agent_ips
        if e.kind == 'http':
            return f['ip'] in self.boot_ips
        if e.kind == 'dhcp':
            return f['mac'] == self.mac
        return False

    def first(self, after, until, kind, test=None):
        """The first event of ``kind`` in [after, until] passing ``test``."""
        for e in self.events:
            if e.time < after or e.kind != kind or not self.mine(e):
                continue
            if until is not None and e.time > until:
                return None
            if test is None or test(e.fields):
                return e
        return None


def _field(name, *values):
    return lambda f: f.get(name) in values


def _text(*parts):
    return lambda f: all(part in f['text'] for part in parts)


def _path(suffix):
    return lambda f: f['path'].endswith(suffix)


#: The state an agent boot waits in, the one Ironic resumes to, and the
#: ramdisk file iPXE downloads (Ironic names a rescue's after the mode).
AGENT_WAITS = {'clean': ('clean wait', 'cleaning', '/deploy_ramdisk'),
               'deploy': ('wait call-back', 'deploying', '/deploy_ramdisk'),
               'rescue': ('rescue wait', 'rescuing', '/rescue_ramdisk')}


def agent_boot(what, next_label):
    """The markers from Nova's rescue to Ironic's next step.

    :param what: ``clean``, ``deploy`` or ``rescue``.
    :param next_label: the phase that starts with Ironic's next step.
    """
    waiting, resumed, ramdisk = AGENT_WAITS[what]
    return [
        ('Nova rescues the server (iPXE image)', 'nova',
         _field('what', 'Rescuing')),
        ('firmware and iPXE to its DHCP answer', 'qemu_start', None),
        ('DHCP answer to boot.ipxe', 'dhcp', None),
        (BOOT_FROM, 'http', _path('/boot.ipxe')),
        ('iPXE downloads the ramdisk, starts the kernel', 'http',
         _path(ramdisk)),
        ('kernel: unpack the initramfs', 'console', _text(KERNEL_FIRST)),
        ('kernel: to userspace (/init)', 'console', _text(INITRD_FREED)),
        ('systemd to the agent service', 'console', _text(RUN_INIT)),
        ('agent start to its lookup', 'console', _text(*AGENT_STARTED)),
        (BOOT_TO, 'lookup', None),
        ("heartbeat to Ironic's next step", 'heartbeat', None),
        (next_label, 'state',
         lambda f: f['to'] == resumed and f['frm'] == waiting),
    ]


PREPARE = 'Ironic prepares the boot (PXE files, ramdisk cache)'


def deploy_chain():
    """deploying -> active: one agent boot, the image, the instance."""
    return [(PREPARE, 'state', _field('to', 'deploying'))] + agent_boot(
        'deploy', 'Ironic starts write_image') + [
        ('image write (agent, to the heartbeat reporting it)', 'step_start',
         _field('step', 'write_image')),
        ('Ironic: prepare_instance_boot, starts tear_down_agent',
         'agent_done', None),
        ('tear_down_agent: the agent powers the guest off', 'step_start',
         _field('step', 'tear_down_agent')),
        ("tear_down_agent: Ironic's power poll sees it off", 'qemu_stop',
         None),
        ('Ironic to its power on (boot_instance)', 'step_done',
         _field('step', 'tear_down_agent')),
        ('power on (Nova unrescue)', 'power_start', _field('to', 'power on')),
        ('Ironic marks the node active', 'power_done',
         _field('to', 'power on')),
        (None, 'state', _field('to', 'active')),
    ]


def cleaning_chain():
    """cleaning -> available: one agent boot, the steps, a power off."""
    return [(PREPARE, 'state', _field('to', 'cleaning'))] + agent_boot(
        'clean', 'clean steps (agent, to the heartbeat reporting them)') + [
        ('Ironic to its power off', 'agent_done', None),
        ('power off (Nova stop, ACPI wait)', 'power_start',
         _field('to', 'power off')),
        ('Ironic marks the node available', 'power_done',
         _field('to', 'power off')),
        (None, 'state', _field('to', 'available')),
    ]


def skipped_cleaning_chain():
    """cleaning -> available at once: automated cleaning is disabled."""
    return [
        ('Ironic skips cleaning (disabled), marks the node available',
         'state', _field('to', 'cleaning')),
        (None, 'state', _field('to', 'available')),
    ]


def undeploy_chain(cleaning=cleaning_chain):
    """active -> deleting -> cleaning -> available.

    :param cleaning: the chain of its cleaning (skipped_cleaning_chain
        when automated cleaning is disabled).
    """
    return [
        ('Ironic to its power off', 'state', _field('to', 'deleting')),
        ('power off (Nova)', 'power_start', _field('to', 'power off')),
        ('Ironic tears down, starts cleaning', 'power_done',
         _field('to', 'power off')),
    ] + cleaning()


def rescue_chain():
    """active -> rescuing -> rescue: a power off, one agent boot.

    The heartbeat's phase holds Ironic's finalize_rescue call (the agent
    writes the password and stops its API).
    """
    return [
        ('Ironic to its power off', 'state', _field('to', 'rescuing')),
        ('power off (Nova stop)', 'power_start', _field('to', 'power off')),
        (PREPARE, 'power_done', _field('to', 'power off')),
    ] + agent_boot('rescue', 'Ironic cleans up the boot, marks the node '
                             'rescued') + [
        (None, 'state', _field('to', 'rescue')),
    ]


def unrescue_chain():
    """rescue -> unrescuing -> active: a power off, a power on (the disk)."""
    return [
        ('Ironic to its power off', 'state', _field('to', 'unrescuing')),
        ('power off (Nova unrescue, stop)', 'power_start',
         _field('to', 'power off')),
        ('Ironic prepares the instance boot', 'power_done',
         _field('to', 'power off')),
        ('power on (Nova start)', 'power_start', _field('to', 'power on')),
        ('Ironic marks the node active', 'power_done',
         _field('to', 'power on')),
        (None, 'state', _field('to', 'active')),
    ]


CHAINS = {'cleaning': cleaning_chain, 'deploy': deploy_chain,
          'undeploy': undeploy_chain, 'rescue': rescue_chain,
          'unrescue': unrescue_chain,
          'provide without cleaning': skipped_cleaning_chain,
          'undeploy without cleaning': lambda: undeploy_chain(
              skipped_cleaning_chain)}
#: What an operation that passes through cleaning is when Ironic skipped
#: the cleaning (walk_events' ``clean_skipped``).
WITHOUT_CLEANING = {'cleaning': 'provide without cleaning',
                    'undeploy': 'undeploy without cleaning'}
#: The state each operation ends in (cleanings end available).
END_STATES = {'deploy': 'active', 'rescue': 'rescue', 'unrescue': 'active'}
FAILED_STATES = ('clean failed', 'deploy failed', 'rescue failed',
                 'unrescue failed', 'error')


def walk_chain(finder, chain, start, end):
    """The phases of one operation: neighbouring markers of ``chain``."""
    markers = []
    after = start
    for label, kind, test in chain:
        e = finder.first(after, end, kind, test)
        markers.append((label, e))
        if e is not None:
            after = e.time
    phases = []
    for (label, a), (_, b) in zip(markers, markers[1:]):
        if label is None:
            continue
        phases.append(_phase(label, a, b))
    starts = dict(markers)
    if BOOT_FROM in starts:
        phases.append(_phase(BOOT_SPAN, starts[BOOT_FROM],
                             starts[BOOT_TO]))
    return phases


def _phase(label, a, b):
    return Phase(label, a.time if a else None, b.time if b else None,
                 (a.source if a else None, b.source if b else None))


def operations(finder):
    """The node's operations, in order, each with its phases."""
    states = [e for e in finder.events
              if e.kind == 'state' and finder.mine(e)]
    found = []
    for i, e in enumerate(states):
        kind = _operation_kind(e.fields)
        if kind is None:
            continue
        end_state = END_STATES.get(kind, 'available')
        end = next((s.time for s in states[i + 1:]
                    if s.fields['to'] in (end_state,) + FAILED_STATES), None)
        limit = end or next((s.time for s in states[i + 1:]
                             if _operation_kind(s.fields)), None)
        if kind in WITHOUT_CLEANING and cleaning_skipped(finder, states, i,
                                                         end):
            kind = WITHOUT_CLEANING[kind]
        phases = walk_chain(finder, CHAINS[kind](), e.time, limit)
        if kind in ('deploy', 'unrescue') and end is not None:
            phases.append(instance_boot(finder, end))
        found.append(Operation(kind, e.time, end, phases))
    return found


def cleaning_skipped(finder, states, i, end):
    """Whether Ironic skipped the cleaning of the operation at states[i].

    Ironic says so right after it moves the node to available, before
    anything else can change the node's state: the line is looked for
    from the operation's start to the node's next state change after its
    end.

    :param states: the node's provision state events, in order.
    :param end: when the operation ended (None: it did not).
    """
    if end is None:
        return False
    until = next((s.time for s in states[i + 1:] if s.time > end), None)
    return finder.first(states[i].time, until, 'clean_skipped') is not None


def _operation_kind(fields):
    if fields['to'] == 'cleaning' and fields['frm'] == 'manageable':
        return 'cleaning'
    if fields['to'] == 'deploying' and fields['frm'] == 'available':
        return 'deploy'
    if fields['to'] == 'deleting' and fields['frm'] == 'active':
        return 'undeploy'
    if fields['to'] == 'rescuing' and fields['frm'] in ('active', 'rescue'):
        return 'rescue'
    if fields['to'] == 'unrescuing' and fields['frm'] == 'rescue':
        return 'unrescue'
    return None


def instance_boot(finder, active, marker='IOS-LAB-INSTANCE'):
    """After ``active``: the instance's QEMU start to its console marker."""
    start = None
    for e in finder.events:
        if e.kind == 'qemu_start' and finder.mine(e) and e.time <= active:
            start = e
    seen = finder.first(start.time if start else active, None, 'console',
                        _text(marker))
    return Phase('(after) instance boots to its console marker',
                 start.time if start else None,
                 seen.time if seen else None,
                 (start.source if start else None,
                  seen.source if seen else None))


def duration(phase):
    """Seconds of a phase, or None when a marker is missing."""
    if phase.start is None or phase.end is None:
        return None
    return (phase.end - phase.start).total_seconds()


def accuracy(phase):
    """Seconds the phase's duration may be off, from its markers' clocks."""
    if None in phase.sources:
        return None
    return sum(walk_events.RESOLUTION[s] for s in phase.sources)


def table_rows(ops):
    """Rows (operation or phase, start, seconds, +/-, clocks) to print."""
    rows = []
    for op in ops:
        total = (op.end - op.start).total_seconds() if op.end else None
        rows.append((op.name, op.start.strftime('%H:%M:%S'),
                     '%.1f' % total if total is not None else 'unfinished',
                     '', ''))
        for phase in op.phases:
            seconds = duration(phase)
            acc = accuracy(phase)
            rows.append((
                '  ' + phase.label,
                phase.start.strftime('%H:%M:%S.%f')[:12]
                if phase.start else '-',
                '%.1f' % seconds if seconds is not None else 'missing',
                ('%.2g' % acc) if acc is not None else '',
                '>'.join(s or '?' for s in phase.sources)))
    return rows
