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

"""Which Glance images are a node's ISOs, and a refused delete.

Through Ironic's deploy_utils (prepare and tear down in-band cleaning);
FakeNova's Glance has owners and answers 403 as Glance does.
"""

import os

from ironic.drivers.modules import deploy_utils

from ironic_openstack_driver import boot_device
from ironic_openstack_driver import vmedia_images
from tests.unit import test_virtual_media


class NodeImagesTestCase(test_virtual_media.VirtualMediaTestCase):

    def _iso_image(self, name, **fields):
        with open(os.path.join(self.tmp, 'kernel'), 'rb') as data:
            return self.nova.create_image(name, data=data, disk_format='iso',
                                          **fields)

    def test_tear_down_spares_another_projects_image_tagged_for_the_node(self):
        theirs = self._iso_image(
            'ironic-vmedia-%s-deploy-0123456789abcdef' % self.node.uuid,
            tags=[vmedia_images.tag(self.node.uuid)], visibility='public',
            owner=self.nova.OTHER_PROJECT_ID)
        self._prepare_cleaning()
        with self._task() as task:
            deploy_utils.tear_down_inband_cleaning(task, manage_boot=True)
        self.assertEqual([theirs], self._vmedia_images())
        deleted = [getattr(call.args[0], 'id', call.args[0])
                   for call in self.nova.image.delete_image.call_args_list]
        self.assertNotIn(theirs.id, deleted)
        self.assertEqual(1, len(deleted))

    def test_a_refused_delete_does_not_stop_the_tear_down(self):
        self._prepare_cleaning()
        (image,) = self._vmedia_images()
        image.is_protected = True
        other = self._iso_image(
            'ironic-vmedia-%s-rescue-0123456789abcdef' % self.node.uuid,
            tags=[vmedia_images.tag(self.node.uuid)], visibility='private')
        with self._task() as task:
            deploy_utils.tear_down_inband_cleaning(task, manage_boot=True)
        self.assertEqual([image], self._vmedia_images())
        self.assertNotIn(other.id, self.nova.images)
        self.node.refresh()
        self.assertIsNone(boot_device.vmedia_image(self.node))
        self.assertEqual('stopped', self.server.vm_state)
