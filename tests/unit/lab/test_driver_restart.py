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

"""A running lab Ironic restarts when the driver's code changed.

In the real mode ``up`` installs in the root namespace and starts the
services from a child ``up --inside`` with a Lab of its own, which installs
nothing: Ironic's fingerprint there must still carry the driver's digest.
No process starts here.
"""

import os
import sys
from unittest import mock

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(REPO, 'lab'))

from labkit import install  # noqa: E402
from labkit import lab as labmod  # noqa: E402
from tests.unit.lab import lab_home  # noqa: E402


class DriverDigestTest(lab_home.LabHomeTestCase):

    def _ironic_fingerprint(self):
        ironic = labmod.Lab(verbose=False, virt='qemu').stack.get('ironic')
        os.makedirs(os.path.dirname(ironic.conf), exist_ok=True)
        with open(ironic.conf, 'w') as f:
            f.write('[DEFAULT]\n')
        return ironic.fingerprint()

    def test_a_lab_that_installs_nothing_knows_the_driver_digest(self):
        for virt in ('fake', 'qemu'):
            lab = labmod.Lab(verbose=False, virt=virt)
            self.assertEqual(install.tree_digest(os.path.join(
                REPO, 'ironic_openstack_driver')), lab.ctx.driver_digest)

    def test_changed_driver_code_changes_ironics_fingerprint(self):
        before = self._ironic_fingerprint()
        with mock.patch.object(install, 'tree_digest', autospec=True,
                               return_value='changed'):
            after = self._ironic_fingerprint()
        self.assertNotEqual(before, after)
