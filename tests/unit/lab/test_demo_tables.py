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

"""The demos' verdict tables: Ironic's view beside Nova's, per node.

The demos import openstacksdk only when they connect, so that labctl
imports them with the standard library alone; their tables need nothing.
"""

import contextlib
import io
import os
import sys
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(REPO, 'lab'))

from labkit import demo  # noqa: E402
from labkit import deploy_demo  # noqa: E402


def printed(func, *args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = func(*args)
    return result, out.getvalue()


class FastDemoTableTest(unittest.TestCase):

    EXPECT = ('power on', 'pxe', 'RESCUE', 1)

    def view(self, **changes):
        view = {'node': 'lab-demo-0', 'power': 'power on', 'target': None,
                'last_error': None, 'boot': 'pxe', 'status': 'RESCUE',
                'vm_state': 'rescued', 'task_state': None, 'power_state': 1}
        view.update(changes)
        return view

    def test_all_agree(self):
        ok, text = printed(demo.table, 'pxe', [self.view()], self.EXPECT, 1)
        self.assertTrue(ok)
        self.assertIn('agree', text)
        self.assertIn('lab-ipxe-rescue', text)
        self.assertNotIn('DISAGREE', text)

    def test_a_node_that_disagrees_fails_the_step_with_its_error(self):
        ok, text = printed(demo.table, 'pxe', [
            self.view(), self.view(node='lab-demo-1', status='ACTIVE',
                                   last_error='rescue failed')],
            self.EXPECT, 1)
        self.assertFalse(ok)
        self.assertIn('DISAGREE', text)
        self.assertIn('last_error: rescue failed', text)


class DeployDemoTableTest(unittest.TestCase):

    def view(self, **changes):
        view = {'node': 'lab-deploy-0', 'provision': 'active',
                'power': 'power on', 'boot': 'disk', 'last_error': None,
                'status': 'ACTIVE', 'vm_state': 'active',
                'task_state': None, 'power_state': 1, 'server': 'uuid'}
        view.update(changes)
        return view

    def test_all_agree(self):
        ok, text = printed(deploy_demo.table, 'deploy', [self.view()],
                           'active', ('ACTIVE',), 1)
        self.assertTrue(ok)
        self.assertNotIn('DISAGREE', text)

    def test_power_that_disagrees_with_nova_fails_the_step(self):
        ok, text = printed(deploy_demo.table, 'deploy', [
            self.view(power_state=4)], 'active', ('ACTIVE',), 1)
        self.assertFalse(ok)
        self.assertIn('DISAGREE', text)
