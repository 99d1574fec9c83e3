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

"""Test base: Ironic's DbTestCase with the openstack driver enabled."""

import contextlib
from unittest import mock

import openstack

from ironic.tests.unit.db import base as db_base
from ironic.tests.unit.objects import utils as obj_utils

from ironic_openstack_driver import caches
from ironic_openstack_driver import cloud as os_cloud
from tests.unit import fake_nova


class DbTestCase(db_base.DbTestCase):
    """Ironic's DbTestCase, runnable under pytest.

    Ironic's cleanup deletes every public attribute of the test case; pytest
    sets the test method as one and deletes it itself afterwards, so keep
    that one.
    """

    def _clear_attrs(self):
        for key in [k for k in self.__dict__
                    if k[0] != '_' and k != self._testMethodName]:
            del self.__dict__[key]


class OpenStackDriverTestCase(DbTestCase):
    """A node with driver 'openstack' whose cloud is a FakeNova."""

    def setUp(self):
        super().setUp()
        self.config(enabled_hardware_types=['openstack'],
                    enabled_power_interfaces=['openstack', 'fake'],
                    enabled_management_interfaces=['openstack', 'fake'],
                    enabled_boot_interfaces=['fake'],
                    enabled_deploy_interfaces=['fake'])
        self.config(cloud='hostcloud', rescue_image='ipxe-bios',
                    state_poll_max_interval=0.05, group='openstack')
        caches.reset()
        self.addCleanup(caches.reset)
        self.nova = fake_nova.FakeNova()
        self.rescue_image = self.nova.add_image(
            'ipxe-bios', hw_rescue_device='cdrom', hw_rescue_bus='sata')
        self.uefi_rescue_image = self.nova.add_image(
            'ipxe-uefi', hw_rescue_device='cdrom', hw_firmware_type='uefi')
        self.disk_image = self.nova.add_image('disk')
        self.server = self.nova.add_server(name='node-0',
                                           image_id=self.disk_image.id)
        connection = mock.patch.object(openstack.connection, 'Connection',
                                       autospec=True)
        self.connection_class = connection.start()
        self.addCleanup(connection.stop)
        self.connection_class.return_value = self.nova.connection
        cloud_region = mock.patch.object(os_cloud, 'cloud_region',
                                         autospec=True)
        cloud_region.start()
        self.addCleanup(cloud_region.stop)
        # No real sleeping in the wait loops.
        sleep = mock.patch('time.sleep', autospec=True)
        self.sleep = sleep.start()
        self.addCleanup(sleep.stop)
        self.node = obj_utils.create_test_node(
            self.context, driver='openstack',
            driver_info={'openstack_server': self.server.id})
        self.mark(self.server, self.node)

    @staticmethod
    def mark(server, node):
        """Mark a FakeServer for a node, as ironic-openstack-nodes does."""
        server.metadata[os_cloud.NODE_MARK] = node.uuid

    @contextlib.contextmanager
    def moved_clocks(self):
        """The conductor's clocks, moved by the test: [monotonic seconds].

        The wall clock (the fake Nova's too) moves with it.
        """
        now = [1000.0]
        with mock.patch('time.monotonic', autospec=True,
                        side_effect=lambda: now[0]), \
                mock.patch('time.time', autospec=True,
                           side_effect=lambda: 1796125400.0 + now[0]):
            yield now

    def use_fake_clock(self):
        """Run Nova's slow tasks and the driver's waits on one fake clock.

        ``time.sleep`` (already mocked) and ``time.monotonic`` advance
        ``self.clock``, which also times the FakeNova's tasks.
        """
        self.clock = fake_nova.FakeClock()
        self.nova.use_clock(self.clock)
        self.sleep.side_effect = self.clock.sleep
        monotonic = mock.patch('time.monotonic', autospec=True,
                               side_effect=self.clock.monotonic)
        monotonic.start()
        self.addCleanup(monotonic.stop)
