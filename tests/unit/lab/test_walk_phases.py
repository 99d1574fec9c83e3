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

"""A node walk's phases from the real lab's logs (walk_events, walk_phases).

The fixtures under ``walk_logs/`` are cut from the logs of real-mode walks
on this project's machine: ``before/`` from a deploy whose lab kept no
console copies and whose dnsmasq logged no times (those phases must read
"missing"), the others from a lab that kept both. A rescue's and an
unrescue's phases: test_walk_phases_rescue.py.
"""

import contextlib
import datetime
import io
import os
import shutil
import sys
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(REPO, 'lab'))

from labkit import settings  # noqa: E402
from labkit import walk_events  # noqa: E402
from labkit import walk_logs  # noqa: E402
from labkit import walk_phases  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        'walk_logs')
NODE = '1216c054-1dd0-4f87-9d20-be6c83a4d1d0'
SERVER = 'c12a0a27-adcd-402a-8eb2-93259dc850eb'


def at(text):
    return datetime.datetime.strptime(text, '%Y-%m-%d %H:%M:%S.%f')


def lines(*parts):
    with open(os.path.join(FIXTURES, *parts)) as f:
        return f.readlines()


class ParseTest(unittest.TestCase):
    """Each source's line becomes the event it stands for (real lines)."""

    IRONIC = 'lines of ironic.log: (index in before/ironic.log, event)'
    ROWS = (
        (0, ('2026-12-07 09:56:46.635', 'state',
             {'node': NODE, 'to': 'deploying', 'frm': 'available'})),
        (1, ('2026-12-07 09:56:47.590', 'step_start',
             {'node': NODE, 'step': 'deploy'})),
        (2, ('2026-12-07 09:56:48.581', 'server',
             {'node': NODE, 'server': SERVER})),
        (3, ('2026-12-07 09:56:48.588', 'power_done',
             {'node': NODE, 'to': 'power on', 'how': 'rebooting'})),
        (5, ('2026-12-07 09:57:52.324', 'lookup', {'ip': '192.0.2.157'})),
        (6, ('2026-12-07 09:57:53.899', 'heartbeat',
             {'ip': '192.0.2.157', 'node': NODE})),
        (12, ('2026-12-07 09:57:59.165', 'agent_done',
              {'node': NODE, 'what': 'deploy'})),
        (17, ('2026-12-07 09:58:25.171', 'step_done',
              {'node': NODE, 'step': 'tear_down_agent'})),
        (21, ('2026-12-07 09:58:25.257', 'power_start',
              {'node': NODE, 'frm': 'power off', 'to': 'power on'})),
    )

    def test_ironic_lines(self):
        log = lines('before', 'ironic.log')
        for index, (time, kind, fields) in self.ROWS:
            with self.subTest(line=index):
                self.assertEqual(
                    [walk_events.Event(at(time), 'ironic', kind, fields)],
                    walk_events.parse_ironic([log[index]]))

    def test_ironic_lines_of_no_interest_are_skipped(self):
        self.assertEqual([], walk_events.parse_ironic([
            '2026-12-07 09:48:48.859 9811 INFO ironic.drivers.modules.'
            'image_cache [None req-ba03 - - - - - -] Master cache miss for '
            'image file:///x/ipa.kernel, will download\n',
            '==== 2026-12-07 09:48:29: starting /x/bin/ironic\n']))

    def test_nova_compute_lines(self):
        events = walk_events.parse_nova_compute(
            lines('before', 'nova-compute.log'))
        self.assertEqual(
            [('2026-12-07 09:56:47.755', 'Rescuing'),
             ('2026-12-07 09:56:48.455', 'VM Started'),
             ('2026-12-07 09:58:21.729', 'VM Stopped'),
             ('2026-12-07 09:58:25.335', 'Unrescuing'),
             ('2026-12-07 09:58:26.133', 'VM Started')],
            [(e.time.strftime('%Y-%m-%d %H:%M:%S.%f')[:23],
              e.fields['what']) for e in events])
        self.assertEqual({SERVER}, {e.fields['server'] for e in events})

    def test_libvirt_starts_and_stops_carry_the_server_uuid(self):
        events = walk_events.parse_libvirt(
            lines('before', 'instance-00000002.log'))
        # The machine's clock is UTC, as libvirt's; local time is compared.
        local = walk_events._utc_to_local
        self.assertEqual(
            [(local(at('2026-12-07 09:56:48.065')), 'qemu_start', None),
             (local(at('2026-12-07 09:58:06.716')), 'qemu_stop',
              'shutdown'),
             (local(at('2026-12-07 09:58:25.620')), 'qemu_start', None),
             (local(at('2026-12-07 09:58:50.892')), 'qemu_stop',
              'destroyed')],
            [(e.time, e.kind, e.fields.get('reason')) for e in events])
        self.assertEqual({SERVER}, {e.fields['server'] for e in events})

    def test_http_requests(self):
        events = walk_events.parse_http(lines('before', 'http-boot.log'))
        # GETs only (the HEADs are the conductor's checks of the image).
        self.assertEqual(
            ('192.0.2.156', '/boot.ipxe'),
            (events[0].fields['ip'], events[0].fields['path']))
        self.assertEqual(at('2026-12-07 09:56:54.000'), events[0].time)
        self.assertEqual(5, len(events))

    def test_dnsmasq_lines_without_a_time_give_nothing(self):
        # dnsmasq logging to stderr omits the time: nothing to place.
        self.assertEqual([], walk_events.parse_dnsmasq(
            lines('before', 'dnsmasq.log'), 2026))

    def test_dnsmasq_acks_with_their_time(self):
        line = ('Dec  7 12:20:01 dnsmasq-dhcp[2809]: 267891000 '
                'DHCPACK(iosbr0) 192.0.2.156 52:54:00:15:7f:f4 \n')
        self.assertEqual(
            [walk_events.Event(at('2026-12-07 12:20:01.000'), 'dnsmasq',
                               'dhcp', {'ip': '192.0.2.156',
                                        'mac': '52:54:00:15:7f:f4'})],
            walk_events.parse_dnsmasq([line], 2026))

    def test_recorded_console_lines(self):
        events = walk_events.parse_console(
            ['2026-12-07 12:20:08.250 [    0.000000] Linux version 6.1\n',
             'not a recorded line\n'], SERVER)
        self.assertEqual(
            [walk_events.Event(at('2026-12-07 12:20:08.250'), 'console',
                               'console', {'server': SERVER,
                                           'text': '[    0.000000] Linux '
                                           'version 6.1'})], events)


def before_events():
    events = walk_events.parse_ironic(lines('before', 'ironic.log'))
    events += walk_events.parse_nova_compute(
        lines('before', 'nova-compute.log'))
    events += walk_events.parse_libvirt(
        lines('before', 'instance-00000002.log'))
    events += walk_events.parse_http(lines('before', 'http-boot.log'))
    events += walk_events.parse_dnsmasq(lines('before', 'dnsmasq.log'),
                                        2026)
    return events


class PhasesWithoutConsoleTest(unittest.TestCase):
    """A deploy whose lab kept no console copy and no dnsmasq times."""

    # Phase label: seconds (None: missing), read from the fixture's times.
    EXPECTED = (
        ('Ironic prepares the boot (PXE files, ramdisk cache)', 1.120),
        ('Nova rescues the server (iPXE image)', 0.310),
        ('firmware and iPXE to its DHCP answer', None),
        ('DHCP answer to boot.ipxe', None),
        ('iPXE reads boot.ipxe, its config, the kernel', 0.0),
        ('iPXE downloads the ramdisk, starts the kernel', None),
        ('kernel: unpack the initramfs', None),
        ('kernel: to userspace (/init)', None),
        ('systemd to the agent service', None),
        ('agent start to its lookup', None),
        ('lookup to the first heartbeat', 1.575),
        ("heartbeat to Ironic's next step", 0.327),
        ('Ironic starts write_image', 0.030),
        ('image write (agent, to the heartbeat reporting it)', 4.909),
        ('Ironic: prepare_instance_boot, starts tear_down_agent', 0.330),
        ('tear_down_agent: the agent powers the guest off', None),
        ("tear_down_agent: Ironic's power poll sees it off", None),
        ('Ironic to its power on (boot_instance)', 0.086),
        ('power on (Nova unrescue)', 1.205),
        ('Ironic marks the node active', 0.039),
        ("(span) iPXE's boot.ipxe to the agent's lookup", 58.324),
        ('(after) instance boots to its console marker', None),
    )

    def setUp(self):
        self.ops = walk_phases.operations(
            walk_phases.Finder(before_events(), NODE))

    def test_one_deploy_with_its_total(self):
        self.assertEqual(['deploy'], [op.name for op in self.ops])
        op = self.ops[0]
        self.assertEqual(at('2026-12-07 09:56:46.635'), op.start)
        self.assertEqual(at('2026-12-07 09:58:26.501'), op.end)

    def test_phases_and_missing_markers(self):
        phases = self.ops[0].phases
        self.assertEqual([label for label, _ in self.EXPECTED],
                         [phase.label for phase in phases])
        for (label, seconds), phase in zip(self.EXPECTED, phases):
            if label.startswith('tear_down_agent'):
                continue    # libvirt's clock: checked below
            with self.subTest(phase=label):
                got = walk_phases.duration(phase)
                if seconds is None:
                    self.assertIsNone(got)
                else:
                    self.assertAlmostEqual(seconds, got, places=3)

    def test_guest_power_off_is_placed_by_qemus_exit(self):
        by_label = {p.label: p for p in self.ops[0].phases}
        off = by_label['tear_down_agent: the agent powers the guest off']
        seen = by_label["tear_down_agent: Ironic's power poll sees it off"]
        self.assertEqual(walk_events._utc_to_local(
            at('2026-12-07 09:58:06.716')), off.end)
        self.assertEqual(off.end, seen.start)
        self.assertEqual(at('2026-12-07 09:58:25.171'), seen.end)

    def test_missing_phases_print_as_missing_never_as_a_number(self):
        rows = walk_phases.table_rows(self.ops)
        by_label = {row[0].strip(): row for row in rows}
        self.assertEqual('missing',
                         by_label['kernel: unpack the initramfs'][2])
        self.assertEqual('-', by_label['kernel: unpack the initramfs'][1])
        self.assertEqual('99.9', by_label['deploy'][2])
        self.assertEqual('2', by_label[
            'iPXE reads boot.ipxe, its config, the kernel'][3])

    def test_another_nodes_events_are_not_taken(self):
        other = '00000000-0000-0000-0000-000000000000'
        self.assertEqual([], walk_phases.operations(
            walk_phases.Finder(before_events(), other)))


class PrintPhasesTest(unittest.TestCase):
    """The reader finds the files in a lab home and prints the table."""

    def setUp(self):
        self.home = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.home)
        logs = os.path.join(self.home, 'logs')
        qemu = os.path.join(self.home, 'libvirt', 'log', 'qemu')
        os.makedirs(logs)
        os.makedirs(qemu)
        for name in ('ironic.log', 'nova-compute.log', 'http-boot.log',
                     'dnsmasq.log'):
            shutil.copy(os.path.join(FIXTURES, 'before', name), logs)
        shutil.copy(os.path.join(FIXTURES, 'before',
                                 'instance-00000002.log'), qemu)
        self.p = settings.Paths(self.home)

    def printed(self, func, *args):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            result = func(*args)
        return result, out.getvalue()

    def test_table_of_a_node(self):
        found, text = self.printed(walk_logs.print_phases, self.p, [NODE])
        self.assertTrue(found)
        self.assertIn('node %s (server %s)' % (NODE, SERVER), text)
        self.assertIn('iPXE downloads the ramdisk, starts the kernel', text)
        self.assertIn('missing', text)

    def test_last_node_is_the_one_walked_last(self):
        self.assertEqual(NODE, walk_logs.last_node(self.p))

    def test_a_node_without_operations_is_reported(self):
        other = '00000000-0000-0000-0000-000000000000'
        found, text = self.printed(walk_logs.print_phases, self.p, [other])
        self.assertFalse(found)
        self.assertIn('no cleaning, deploy, undeploy, rescue or unrescue of '
                      'this node', text)


AFTER_NODE = '0774f636-09a1-43d3-99bc-902ee6dea60b'
AFTER_SERVER = '3d20581c-2a95-40af-a005-4f3c534527fe'


def after_events():
    events = walk_events.parse_ironic(lines('after', 'ironic.log'))
    events += walk_events.parse_nova_compute(
        lines('after', 'nova-compute.log'))
    events += walk_events.parse_libvirt(
        lines('after', 'instance-00000001.log'))
    events += walk_events.parse_http(lines('after', 'http-boot.log'))
    events += walk_events.parse_dnsmasq(lines('after', 'dnsmasq.log'), 2026)
    events += walk_events.parse_console(
        lines('after', 'console-3d20581c.log'), AFTER_SERVER)
    return events


class PhasesWithConsoleTest(unittest.TestCase):
    """An automated cleaning with the consoles recorded, dnsmasq timed."""

    EXPECTED = (
        ('Ironic prepares the boot (PXE files, ramdisk cache)', 3.702),
        ('Nova rescues the server (iPXE image)', 1.111),
        ('firmware and iPXE to its DHCP answer', 7.046),
        ('DHCP answer to boot.ipxe', 0.0),
        ('iPXE reads boot.ipxe, its config, the kernel', 1.0),
        ('iPXE downloads the ramdisk, starts the kernel', 44.405),
        ('kernel: unpack the initramfs', 10.32),
        ('kernel: to userspace (/init)', 1.506),
        ('systemd to the agent service', 64.291),
        ('agent start to its lookup', 31.631),
        ('lookup to the first heartbeat', 4.67),
        ("heartbeat to Ironic's next step", 0.071),
        ('clean steps (agent, to the heartbeat reporting them)', 5.216),
        ('Ironic to its power off', 0.128),
        ('power off (Nova stop, ACPI wait)', 10.905),
        ('Ironic marks the node available', 0.291),
        ("(span) iPXE's boot.ipxe to the agent's lookup", 153.153),
    )

    def setUp(self):
        self.finder = walk_phases.Finder(after_events(), AFTER_NODE)
        self.ops = walk_phases.operations(self.finder)

    def test_every_phase_is_measured(self):
        self.assertEqual(['cleaning'], [op.name for op in self.ops])
        phases = self.ops[0].phases
        self.assertEqual([label for label, _ in self.EXPECTED],
                         [phase.label for phase in phases])
        for (label, seconds), phase in zip(self.EXPECTED, phases):
            with self.subTest(phase=label):
                self.assertAlmostEqual(seconds, walk_phases.duration(phase),
                                       places=3)

    def test_the_phases_add_up_to_the_operation(self):
        op = self.ops[0]
        chained = [p for p in op.phases if not p.label.startswith('(')]
        self.assertAlmostEqual(
            (op.end - op.start).total_seconds(),
            sum(walk_phases.duration(p) for p in chained), places=3)

    def test_the_mac_is_the_one_asked_for_right_before_the_nodes_kernel(self):
        # 192.0.2.178 served another node's MAC hours before (its lease
        # had ended): the node's MAC is the one of its own boot.
        self.assertEqual('52:54:00:1d:a7:a6', self.finder.mac)
        self.assertEqual(AFTER_SERVER, self.finder.server)

    def test_console_phases_carry_the_recorders_accuracy(self):
        by_label = {p.label: p for p in self.ops[0].phases}
        phase = by_label['systemd to the agent service']
        self.assertEqual(('console', 'console'), phase.sources)
        self.assertAlmostEqual(0.6, walk_phases.accuracy(phase))
