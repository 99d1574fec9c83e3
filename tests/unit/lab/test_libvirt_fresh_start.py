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

"""Nova's fresh start takes the old guests along, libvirtd running or not.

Seen on a kept real lab: its libvirtd had gone without undefining the
guests; ``up`` reset Nova's databases and nova-compute refused to start
("My hypervisor has existing instances, but I appear to be a new
service"). No process starts here.
"""

import os
import sys
from unittest import mock

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(REPO, 'lab'))

from labkit.compute import libvirt  # noqa: E402
from labkit import lab as labmod  # noqa: E402
from tests.unit.lab import lab_home  # noqa: E402


class FreshStartTest(lab_home.LabHomeTestCase):

    def setUp(self):
        super().setUp()
        self.lab = labmod.Lab(verbose=False, virt='qemu')
        self.root = self.lab.ctx.p.libvirt_root

    def _file(self, sub, name):
        where = os.path.join(self.root, sub)
        os.makedirs(where, exist_ok=True)
        path = os.path.join(where, name)
        with open(path, 'w') as f:
            f.write('<domain/>')
        return path

    def test_a_stopped_libvirtd_leaves_no_guest_definition_behind(self):
        xml = self._file('etc/qemu', 'instance-00000003.xml')
        nvram = self._file('lib/qemu/nvram', 'instance-00000003_VARS.fd')
        auto = os.path.join(self.root, 'etc/qemu/autostart')
        os.makedirs(auto)
        os.symlink(xml, os.path.join(auto, 'instance-00000003.xml'))
        network = self._file('etc/qemu/networks', 'default.xml')
        said = []
        with mock.patch.object(self.lab.ctx, 'say', said.append), \
                mock.patch.object(libvirt.Libvirtd, 'record',
                                  return_value=None):
            self.lab.mode.compute.before_fresh_start(self.lab.ctx)
        self.assertEqual([], os.listdir(os.path.join(self.root, 'etc/qemu',
                                                     'autostart')))
        self.assertFalse(os.path.exists(xml))
        self.assertFalse(os.path.exists(nvram))
        self.assertTrue(os.path.exists(network))
        self.assertEqual(['removed 1 libvirt guests of the old Nova'], said)

    def test_a_running_libvirtd_undefines_its_guests_through_virsh(self):
        xml = self._file('etc/qemu', 'instance-00000001.xml')
        with mock.patch.object(libvirt.Libvirtd, 'record',
                               return_value={'pid': 1}), \
                mock.patch.object(libvirt, 'remove_domains',
                                  return_value=['instance-00000001']) as rm:
            self.lab.mode.compute.before_fresh_start(self.lab.ctx)
        rm.assert_called_once_with(self.lab.ctx.p)
        # libvirtd itself deletes the definition when virsh undefines it.
        self.assertTrue(os.path.exists(xml))
