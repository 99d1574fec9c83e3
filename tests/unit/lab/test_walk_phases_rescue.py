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

"""A rescue's and an unrescue's phases from the real lab's logs.

The fixtures ``walk_logs/rescue/`` and ``walk_logs/unrescue/`` are cut from
the logs of two runs of tests/e2e_real/test_rescue.py on this project's
machine.
"""

import datetime
import os
import sys
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(REPO, 'lab'))

from labkit import walk_events  # noqa: E402
from labkit import walk_phases  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        'walk_logs')


def at(text):
    return datetime.datetime.strptime(text, '%Y-%m-%d %H:%M:%S.%f')


def lines(*parts):
    with open(os.path.join(FIXTURES, *parts)) as f:
        return f.readlines()


RESCUE_NODE = '89a36eaa-52a1-4009-8ddc-51d655dbf149'
RESCUE_SERVER = 'a8fec6b3-3f0f-4cf2-99be-a5d595565d1a'


def rescue_events():
    events = walk_events.parse_ironic(lines('rescue', 'ironic.log'))
    events += walk_events.parse_nova_compute(
        lines('rescue', 'nova-compute.log'))
    events += walk_events.parse_libvirt(
        lines('rescue', 'instance-00000001.log'))
    events += walk_events.parse_http(lines('rescue', 'http-boot.log'))
    events += walk_events.parse_dnsmasq(lines('rescue', 'dnsmasq.log'), 2026)
    events += walk_events.parse_console(
        lines('rescue', 'console-a8fec6b3.log'), RESCUE_SERVER)
    return events


class RescuePhasesTest(unittest.TestCase):
    """Ironic's agent rescue of a deployed node (tests/e2e_real)."""

    EXPECTED = (
        ('Ironic to its power off', 0.105),
        ('power off (Nova stop)', 2.368),
        ('Ironic prepares the boot (PXE files, ramdisk cache)', 0.458),
        ('Nova rescues the server (iPXE image)', 0.47),
        ('firmware and iPXE to its DHCP answer', 6.488),
        ('DHCP answer to boot.ipxe', 0.0),
        ('iPXE reads boot.ipxe, its config, the kernel', 0.0),
        # iPXE asks for the node's rescue_ramdisk, not deploy_ramdisk.
        ('iPXE downloads the ramdisk, starts the kernel', 7.976),
        ('kernel: unpack the initramfs', 6.769),
        ('kernel: to userspace (/init)', 1.254),
        ('systemd to the agent service', 16.802),
        ('agent start to its lookup', 12.41),
        ('lookup to the first heartbeat', 1.55),
        # Ironic's finalize_rescue call to the agent is in this one.
        ("heartbeat to Ironic's next step", 0.205),
        ('Ironic cleans up the boot, marks the node rescued', 0.039),
        ("(span) iPXE's boot.ipxe to the agent's lookup", 45.211),
    )

    def setUp(self):
        self.ops = walk_phases.operations(
            walk_phases.Finder(rescue_events(), RESCUE_NODE))

    def test_every_phase_of_the_rescue_is_measured(self):
        self.assertEqual(['rescue'], [op.name for op in self.ops])
        op = self.ops[0]
        self.assertEqual(at('2026-12-07 19:23:53.111'), op.start)
        self.assertEqual(at('2026-12-07 19:24:50.005'), op.end)
        self.assertEqual([label for label, _ in self.EXPECTED],
                         [phase.label for phase in op.phases])
        for (label, seconds), phase in zip(self.EXPECTED, op.phases):
            with self.subTest(phase=label):
                self.assertAlmostEqual(seconds, walk_phases.duration(phase),
                                       places=3)

    def test_the_phases_add_up_to_the_rescue(self):
        op = self.ops[0]
        chained = [p for p in op.phases if not p.label.startswith('(')]
        self.assertAlmostEqual(
            (op.end - op.start).total_seconds(),
            sum(walk_phases.duration(p) for p in chained), places=3)


UNRESCUE_NODE = '492282e7-23e1-471c-89de-c545b7720c7e'
UNRESCUE_SERVER = '15a5c738-c731-4f47-bf3e-544ce9f49c58'


def unrescue_events():
    events = walk_events.parse_ironic(lines('unrescue', 'ironic.log'))
    events += walk_events.parse_nova_compute(
        lines('unrescue', 'nova-compute.log'))
    events += walk_events.parse_libvirt(
        lines('unrescue', 'instance-00000001.log'))
    events += walk_events.parse_dnsmasq(lines('unrescue', 'dnsmasq.log'),
                                        2026)
    events += walk_events.parse_console(
        lines('unrescue', 'console-15a5c738.log'), UNRESCUE_SERVER)
    return events


class UnrescuePhasesTest(unittest.TestCase):
    """Ironic's unrescue of that node (another run of the same test)."""

    EXPECTED = (
        ('Ironic to its power off', 0.146),
        # Nova can only unrescue a rescued server: the disk boots, then
        # the stop waits out the image's ACPI timeout.
        ('power off (Nova unrescue, stop)', 11.58),
        ('Ironic prepares the instance boot', 0.438),
        ('power on (Nova start)', 1.956),
        ('Ironic marks the node active', 0.022),
        ('(after) instance boots to its console marker', 12.34),
    )

    def test_every_phase_of_the_unrescue_is_measured(self):
        ops = walk_phases.operations(walk_phases.Finder(
            unrescue_events(), UNRESCUE_NODE, server=UNRESCUE_SERVER))
        self.assertEqual(['unrescue'], [op.name for op in ops])
        op = ops[0]
        self.assertEqual(at('2026-12-07 19:44:23.874'), op.start)
        self.assertEqual(at('2026-12-07 19:44:38.016'), op.end)
        self.assertEqual([label for label, _ in self.EXPECTED],
                         [phase.label for phase in op.phases])
        for (label, seconds), phase in zip(self.EXPECTED, op.phases):
            with self.subTest(phase=label):
                self.assertAlmostEqual(seconds, walk_phases.duration(phase),
                                       places=3)
