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

"""A provide or an undeploy with automated cleaning disabled.

Ironic still moves the node through ``cleaning`` (manageable -> cleaning
-> available, or active -> deleting -> cleaning -> available), but boots
no agent: cleaning.do_node_clean moves it on at once and says so ("Automated
cleaning is disabled via configuration|API, node ... has been successfully
moved to AVAILABLE state"). Such an operation has no cleaning phases, so
none may read "missing". The Ironic lines below are those messages of
Ironic 39 (task_manager.process_event, cleaning.do_node_clean) in the
lab's oslo.log format; a real cleaning comes from the ``after/`` fixture
(test_walk_phases.py).
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

from tests.unit.lab import test_walk_phases as real  # noqa: E402

NODE = real.AFTER_NODE
SKIPPED = 'Ironic skips cleaning (disabled), marks the node available'


def at(text):
    return datetime.datetime.strptime(text, '%Y-%m-%d %H:%M:%S.%f')


def state(time, to, frm, target):
    return ('%s 15791 INFO ironic.conductor.task_manager [None req-1 - - all '
            'default -] Node %s moved to provision state "%s" from state '
            '"%s"; target provision state is "%s"\n'
            % (time, NODE, to, frm, target))


def skipped(time, how='configuration'):
    return ('%s 15791 INFO ironic.conductor.cleaning [None req-1 - - all '
            'default -] Automated cleaning is disabled via %s, node %s has '
            'been successfully moved to AVAILABLE state\n' % (time, how, NODE))


def power(start, done, to, frm):
    return [
        "%s 15791 INFO ironic.conductor.utils [None req-2 - - all default -] "
        "Node %s current power state is '%s', requested state is '%s'.\n"
        % (start, NODE, frm, to),
        '%s 15791 INFO ironic.conductor.utils [None req-2 - - all default -] '
        'Successfully set node %s power state to %s by power off.\n'
        % (done, NODE, to)]


# After the ``after/`` fixture's cleaning (available at 12:10:48.434): the
# node is made manageable, then provided with cleaning disabled.
PROVIDE = [
    state('2026-12-07 12:20:00.000', 'manageable', 'available', 'None'),
    state('2026-12-07 12:21:00.100', 'cleaning', 'manageable', 'available'),
    state('2026-12-07 12:21:00.180', 'available', 'cleaning', 'None'),
    skipped('2026-12-07 12:21:00.181'),
]


class ParseTest(unittest.TestCase):

    def test_ironics_line_of_a_skipped_cleaning(self):
        self.assertEqual(
            [walk_events.Event(at('2026-12-07 12:21:00.181'), 'ironic',
                               'clean_skipped',
                               {'how': 'API', 'node': NODE})],
            walk_events.parse_ironic([skipped('2026-12-07 12:21:00.181',
                                              how='API')]))


class ProvideWithoutCleaningTest(unittest.TestCase):

    def setUp(self):
        self.ops = walk_phases.operations(walk_phases.Finder(
            walk_events.parse_ironic(PROVIDE), NODE))

    def test_it_is_a_provide_with_one_measured_phase(self):
        self.assertEqual(['provide without cleaning'],
                         [op.name for op in self.ops])
        op = self.ops[0]
        self.assertEqual(at('2026-12-07 12:21:00.100'), op.start)
        self.assertEqual(at('2026-12-07 12:21:00.180'), op.end)
        self.assertEqual([SKIPPED], [p.label for p in op.phases])
        self.assertAlmostEqual(0.08, walk_phases.duration(op.phases[0]),
                               places=3)

    def test_nothing_reads_missing(self):
        rows = walk_phases.table_rows(self.ops)
        self.assertEqual(['provide without cleaning', '  ' + SKIPPED],
                         [row[0] for row in rows])
        self.assertNotIn('missing', [row[2] for row in rows])


class RealCleaningThenProvideTest(unittest.TestCase):
    """A real cleaning keeps its phases beside a provide without one."""

    def setUp(self):
        events = real.after_events() + walk_events.parse_ironic(PROVIDE)
        self.ops = walk_phases.operations(walk_phases.Finder(events, NODE))

    def test_the_cleaning_keeps_every_phase(self):
        self.assertEqual(['cleaning', 'provide without cleaning'],
                         [op.name for op in self.ops])
        cleaning = self.ops[0]
        expected = real.PhasesWithConsoleTest.EXPECTED
        self.assertEqual([label for label, _ in expected],
                         [p.label for p in cleaning.phases])
        for (label, seconds), phase in zip(expected, cleaning.phases):
            with self.subTest(phase=label):
                self.assertAlmostEqual(seconds, walk_phases.duration(phase),
                                       places=3)

    def test_the_provide_takes_none_of_the_cleanings_markers(self):
        self.assertEqual([SKIPPED], [p.label for p in self.ops[1].phases])


class UndeployWithoutCleaningTest(unittest.TestCase):

    LINES = [
        state('2026-12-07 12:30:00.000', 'deleting', 'active', 'available'),
        *power('2026-12-07 12:30:00.200', '2026-12-07 12:30:11.900',
               'power off', 'power on'),
        state('2026-12-07 12:30:12.300', 'cleaning', 'deleting',
              'available'),
        state('2026-12-07 12:30:12.350', 'available', 'cleaning', 'None'),
        skipped('2026-12-07 12:30:12.351'),
    ]

    def test_its_power_off_and_no_cleaning_phase(self):
        ops = walk_phases.operations(walk_phases.Finder(
            walk_events.parse_ironic(self.LINES), NODE))
        self.assertEqual(['undeploy without cleaning'],
                         [op.name for op in ops])
        self.assertEqual(
            [('Ironic to its power off', 0.2), ('power off (Nova)', 11.7),
             ('Ironic tears down, starts cleaning', 0.4), (SKIPPED, 0.05)],
            [(p.label, round(walk_phases.duration(p), 3))
             for p in ops[0].phases])


class PrintProvideTest(unittest.TestCase):
    """``labctl phases`` of a node provided without cleaning."""

    def setUp(self):
        self.home = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.home)
        os.makedirs(os.path.join(self.home, 'logs'))
        with open(os.path.join(self.home, 'logs', 'ironic.log'), 'w') as f:
            f.writelines(PROVIDE)
        self.p = settings.Paths(self.home)

    def test_the_table_shows_a_provide_without_missing_phases(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            found = walk_logs.print_phases(self.p, [NODE])
        table = out.getvalue().partition('Times from the lab logs')[0]
        self.assertTrue(found)
        self.assertIn('provide without cleaning', table)
        self.assertIn(SKIPPED, table)
        self.assertNotIn('missing', table)
        self.assertNotIn('Nova rescues the server', table)
