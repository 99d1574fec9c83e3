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

"""A lab's down removes the network namespace only in the real mode.

Seen on a machine with two state dirs: ``down`` of the fast lab deleted
the namespace, killing the real lab of the other state dir inside it
(its libvirtd went without undefining its guests). No process starts here.
"""

import os
import sys
from unittest import mock

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(REPO, 'lab'))

from labkit import bringup  # noqa: E402
from labkit import lab as labmod  # noqa: E402
from labkit import namespace  # noqa: E402
from tests.unit.lab import lab_home  # noqa: E402


class ShutdownNamespaceTest(lab_home.LabHomeTestCase):

    def _shutdown(self, virt):
        lab = labmod.Lab(verbose=False, virt=virt)
        stops = [mock.patch.object(type(svc), 'stop', return_value=False)
                 for svc in {type(svc): svc for svc in
                             lab.stack.services}.values()]
        for patcher in stops:
            patcher.start()
            self.addCleanup(patcher.stop)
        with mock.patch.object(namespace, 'delete',
                               return_value=True) as delete:
            bringup.shutdown(lab.ctx, lab.stack)
        return delete

    def test_the_fast_labs_down_leaves_the_namespace_alone(self):
        self._shutdown('fake').assert_not_called()

    def test_the_real_labs_down_removes_the_namespace(self):
        self._shutdown('qemu').assert_called_once_with()
