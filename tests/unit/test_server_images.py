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

"""Boot mode, secure boot and shutdown wait from the server's own copy.

Nova keeps the image properties of each server from when it was built;
the image in Glance may have changed since. Read through Ironic's own
helper that records them in the node (node_cache_boot_mode, which Ironic's
verify and power sync call).
"""

from openstack import exceptions as sdk_exc
from oslo_utils import uuidutils

from ironic.conductor import task_manager
from ironic.conductor import utils as conductor_utils
from ironic.tests.unit.objects import utils as obj_utils

from ironic_openstack_driver import node_access
from tests.unit import base


class KeptPropertiesTestCase(base.OpenStackDriverTestCase):

    def setUp(self):
        super().setUp()
        self.config(server_list_max_age=20, group='openstack')
        # The image says UEFI and secure boot now; servers built before it
        # did keep what it said then.
        self.image = self.nova.add_image('disk-v2', hw_firmware_type='uefi',
                                         os_secure_boot='required')
        self.server.image_id = self.image.id
        self.server.image_properties = {}
        new = self.nova.add_server(name='node-1', image_id=self.image.id)
        new.image_properties = {'hw_firmware_type': 'uefi'}
        self.new_node = obj_utils.create_test_node(
            self.context, driver='openstack', uuid=uuidutils.generate_uuid(),
            driver_info={'openstack_server': new.id})
        self.mark(new, self.new_node)

    def _cache_boot_mode(self, node, shared):
        """Ironic records the boot mode and secure boot state it reads."""
        with task_manager.acquire(self.context, node.uuid,
                                  shared=shared) as task:
            conductor_utils.node_cache_boot_mode(task)
        node.refresh()
        return node.boot_mode, node.secure_boot

    def test_listed_server_keeps_its_own_boot_mode(self):
        # Each server read on its own (an action, a verify) ...
        self.assertEqual('bios',
                         self._cache_boot_mode(self.node, shared=False)[0])
        self.assertEqual('uefi',
                         self._cache_boot_mode(self.new_node, shared=False)[0])
        # ... then a power sync reads both from the listing (no
        # properties): each keeps its own, not the image's or the other's.
        self.assertEqual('bios',
                         self._cache_boot_mode(self.node, shared=True)[0])
        self.assertEqual('uefi',
                         self._cache_boot_mode(self.new_node, shared=True)[0])

    def test_secure_boot_is_the_servers_copy_not_glances_later_value(self):
        self.assertEqual(('bios', False),
                         self._cache_boot_mode(self.node, shared=False))
        self.assertEqual(('bios', False),
                         self._cache_boot_mode(self.node, shared=True))
        self.nova.image.get_image.assert_not_called()

    def test_below_2_98_glance_answers(self):
        self.nova.max_microversion = '2.97'
        self.assertEqual(('uefi', True),
                         self._cache_boot_mode(self.node, shared=False))
        self.assertEqual(('uefi', True),
                         self._cache_boot_mode(self.new_node, shared=True))
        self.assertEqual(1, self.nova.image.get_image.call_count)


class GlanceFailureTestCase(base.OpenStackDriverTestCase):
    """Below 2.98 Glance answers; only its 404 is remembered."""

    def setUp(self):
        super().setUp()
        self.nova.max_microversion = '2.97'
        self.server.image_id = self.nova.add_image(
            'uefi-disk', hw_firmware_type='uefi', os_shutdown_timeout=10).id
        self.failures = []
        glance = self.nova.get_image

        def get_image(image):
            if self.failures:
                raise self.failures.pop(0)
            return glance(image)

        self.nova.image.get_image.side_effect = get_image

    def _unavailable(self):
        self.failures.append(sdk_exc.HttpException(
            message='Service Unavailable', http_status=503))

    def _cache_boot_mode(self):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            conductor_utils.node_cache_boot_mode(task)
        self.node.refresh()
        return self.node.boot_mode

    def test_transient_error_is_not_taken_for_a_deleted_image(self):
        self._unavailable()
        # No guess recorded: Ironic keeps what it had.
        self.assertIsNone(self._cache_boot_mode())
        self.assertEqual('uefi', self._cache_boot_mode())
        self.assertEqual(2, self.nova.image.get_image.call_count)

    def test_transient_error_leaves_the_shutdown_wait_unknown_once(self):
        # What a power off reads to warn of a long graceful stop.
        with task_manager.acquire(self.context, self.node.uuid) as task:
            client = node_access.node_client(task)
            server = client.get_server()
            self._unavailable()
            wait, source = client.shutdown_timeout(server)
            self.assertIsNone(wait)
            self.assertIn('cannot be read now', source)
            self.assertIn('503', source)
            self.assertEqual(10, client.shutdown_timeout(server)[0])
