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

"""The boot-mode check when a server's firmware cannot be read.

Said once per node and kind of failure (WARNING), then at DEBUG until a
read succeeds, through Ironic's own power sync.
"""

import fixtures
from openstack import exceptions as sdk_exc
from oslo_utils import uuidutils

from ironic.common import exception
from ironic.common import states
from ironic.conductor import manager
from ironic.conductor import task_manager
from ironic.tests.unit.objects import utils as obj_utils

from ironic_openstack_driver import boot_mode_check

from tests.unit import base
from tests.unit import test_boot_mode_check


class UnreadFirmwareInPowerSyncTestCase(test_boot_mode_check.Base):
    """Ironic's power sync, for a node whose server's firmware is unread.

    Ironic's do_sync_power_state validates the power interface of a node
    without a recorded power state at each sweep; for a node left over
    (its server deleted) or whose cloud fails, the check is said once per
    node and kind of failure, then at DEBUG until a read succeeds.
    """

    LOGGER = 'ironic_openstack_driver.boot_mode_check'
    UNREAD = 'cannot be read now'

    def setUp(self):
        super().setUp()
        # A node the sync validates: a boot mode asked, no power state.
        self._set_capability('uefi')
        self.node.provision_state = states.AVAILABLE
        self.node.power_state = None
        self.node.save()
        # Ironic's test base sets logging up after this module's logger
        # was made, which disables it: its records are what is asserted.
        self.useFixture(fixtures.MockPatchObject(
            boot_mode_check.LOG.logger, 'disabled', False))

    def _sync(self):
        """One sweep of the node: the levels of the check's unread lines."""
        with self.assertLogs(self.LOGGER, level='DEBUG') as logs:
            with task_manager.acquire(self.context, self.node.uuid,
                                      shared=True) as task:
                manager.do_sync_power_state(task, 0)
            # assertLogs needs one line at least.
            boot_mode_check.LOG.debug('sweep done')
        return [r.levelname for r in logs.records
                if self.UNREAD in r.getMessage()
                and self.node.uuid in r.getMessage()]

    def _cloud_fails(self):
        down = sdk_exc.HttpException(message='Service Unavailable',
                                     http_status=503)
        self.nova.compute.get.side_effect = down
        self.nova.compute.get_server.side_effect = down

    def _cloud_answers(self):
        self.nova.compute.get.side_effect = self.nova.get
        self.nova.compute.get_server.side_effect = self.nova.get_server

    def _new_server(self):
        """The operator points the node at a server that exists."""
        server = self.nova.add_server(name='node-2',
                                      image_id=self.disk_image.id)
        self.mark(server, self.node)
        self.node.driver_info = dict(self.node.driver_info,
                                     openstack_server=server.id)
        self.node.save()

    def test_a_deleted_server_is_warned_of_once_then_at_debug(self):
        self.nova.delete_server(self.server.id)
        self.assertEqual(['WARNING'], self._sync())
        self.assertEqual(['DEBUG'], self._sync())
        self.assertEqual(['DEBUG'], self._sync())

    def test_a_failing_cloud_is_warned_of_once_then_at_debug(self):
        self._cloud_fails()
        self.assertEqual(['WARNING'], self._sync())
        self.assertEqual(['DEBUG'], self._sync())

    def test_each_kind_of_failure_is_warned_of_once(self):
        self.nova.delete_server(self.server.id)
        self.assertEqual(['WARNING'], self._sync())
        self._cloud_fails()
        self.assertEqual(['WARNING'], self._sync())
        self.assertEqual(['DEBUG'], self._sync())
        self._cloud_answers()
        self.assertEqual(['DEBUG'], self._sync())

    def test_a_read_that_succeeds_again_rearms_the_warning(self):
        self.nova.delete_server(self.server.id)
        self.assertEqual(['WARNING'], self._sync())
        self._new_server()
        # Read: the node's mode is refused, nothing said of an unread one.
        self.assertEqual([], self._sync())
        self.nova.delete_server(self.node.driver_info['openstack_server'])
        self.assertEqual(['WARNING'], self._sync())
        self.assertEqual(['DEBUG'], self._sync())

    def test_each_node_is_warned_of_once(self):
        other = obj_utils.create_test_node(
            self.context, uuid=uuidutils.generate_uuid(), driver='openstack',
            driver_info={'openstack_server': self.server.id},
            properties={'capabilities': 'boot_mode:uefi'},
            provision_state=states.AVAILABLE, power_state=None)
        self.nova.delete_server(self.server.id)
        self.assertEqual(['WARNING'], self._sync())
        self.node = other
        self.assertEqual(['WARNING'], self._sync())
        self.assertEqual(['DEBUG'], self._sync())


class FailureKindTestCase(base.DbTestCase):
    """failure_kind: which failure kept the firmware unread (pure)."""

    @staticmethod
    def _translated(library_error):
        """The DriverOperationError raised while handling the error."""
        try:
            try:
                raise library_error
            except Exception:
                raise exception.DriverOperationError(driver='openstack',
                                                     reason='read failed')
        except exception.DriverOperationError as e:
            return e

    def test_nova_answering_404_is_a_server_gone(self):
        self.assertEqual(boot_mode_check.SERVER_GONE,
                         boot_mode_check.failure_kind(self._translated(
                             sdk_exc.NotFoundException(message='gone'))))

    def test_other_failures_are_the_clouds(self):
        for error in (sdk_exc.HttpException(message='down', http_status=503),
                      ConnectionError('refused')):
            with self.subTest(error=error):
                self.assertEqual(boot_mode_check.CLOUD_FAILS,
                                 boot_mode_check.failure_kind(
                                     self._translated(error)))
        self.assertEqual(boot_mode_check.CLOUD_FAILS,
                         boot_mode_check.failure_kind(
                             exception.DriverOperationError(
                                 driver='openstack', reason='no cause')))
