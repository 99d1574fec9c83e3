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

"""Nova's graceful stops against Ironic's power timeout.

os-stop, and rescue of a running guest, wait for the guest up to the
os_shutdown_timeout of the image the server was built from (else the
compute's shutdown_timeout, 60 s): a guest that ignores ACPI (iPXE, a blank
disk) takes all of it. Time runs on a FakeClock here.
"""

from unittest import mock

from ironic.common import exception
from ironic.common import states
from ironic.conductor import task_manager
from ironic.conductor import utils as manager_utils
from ironic.drivers.modules import deploy_utils

from ironic_openstack_driver import converge
from ironic_openstack_driver import power
from tests.unit import base
from tests.unit import fake_nova as fn


class SlowStopTestCase(base.OpenStackDriverTestCase):

    def setUp(self):
        super().setUp()
        self.use_fake_clock()
        log = mock.patch.object(converge, 'LOG', autospec=True)
        self.log = log.start()
        self.addCleanup(log.stop)
        self.server.ignores_acpi = True
        # Minutes of fake time: poll as the default does, not every 0.05 s.
        self.config(state_poll_max_interval=2.0, group='openstack')

    def _built_from(self, **properties):
        image = self.nova.add_image('node-image', **properties)
        self.server.image_id = image.id
        return image

    def _power_off(self):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            manager_utils.node_power_action(task, states.POWER_OFF)

    def _warnings(self):
        return [c.args[1] for c in self.log.warning.call_args_list]

    def test_short_os_shutdown_timeout_fits_ironics_timeout(self):
        self._built_from(os_shutdown_timeout=10)
        start = self.clock.now
        self._power_off()
        self.assertEqual(['os-stop'], [a for _, a in self.nova.actions])
        self.assertEqual(fn.STOPPED, self.server.vm_state)
        self.assertGreaterEqual(self.clock.now - start, 10)
        self.assertEqual([], self._warnings())

    def test_default_wait_outlasts_ironic_and_says_so_once(self):
        # No os_shutdown_timeout: Nova waits the compute's 60 s, as long
        # as Ironic's [conductor]power_state_change_timeout.
        self._built_from()
        self.assertRaises(exception.PowerStateFailure, self._power_off)
        self.assertEqual(1, len(self._warnings()))
        warning = self._warnings()[0]
        self.assertEqual(self.node.uuid, warning['node'])
        self.assertEqual(60, warning['wait'])
        self.assertIn('sets no os_shutdown_timeout', warning['source'])
        self.assertEqual(60, warning['timeout'])
        # Nova's stop ends a moment later; the server is started again.
        self.clock.sleep(5)
        self.nova.compute.get_server(self.server.id)
        self.assertEqual(fn.STOPPED, self.server.vm_state)
        self.server.vm_state, self.server.power_state = fn.ACTIVE, fn.RUNNING
        # The next attempt does not repeat the warning.
        self.assertRaises(exception.PowerStateFailure, self._power_off)
        self.assertEqual(1, len(self._warnings()))

    def test_long_os_shutdown_timeout_is_named(self):
        image = self._built_from(os_shutdown_timeout=120)
        self.assertRaises(exception.PowerStateFailure, self._power_off)
        warning = self._warnings()[0]
        self.assertEqual(120, warning['wait'])
        self.assertIn(image.id, warning['source'])

    def test_longer_ironic_timeout_is_not_warned_about(self):
        self._built_from(os_shutdown_timeout=30)
        self._power_off()
        self.assertEqual([], self._warnings())
        self.assertEqual(fn.STOPPED, self.server.vm_state)

    def test_deleted_image_warns_with_the_compute_default(self):
        image = self._built_from(os_shutdown_timeout=5)
        self.nova.delete_image(image)
        # Nova kept the image's 5 s: the stop fits; the driver cannot know.
        self._power_off()
        warning = self._warnings()[-1]
        self.assertEqual(60, warning['wait'])
        self.assertIn('cannot be read', warning['source'])

    def test_guest_that_honours_acpi_stops_in_time(self):
        self._built_from()
        self.server.ignores_acpi = False
        self._power_off()
        self.assertEqual(fn.STOPPED, self.server.vm_state)

    def test_end_of_cleaning_fits_with_a_short_timeout(self):
        # IPA runs in RESCUE; Nova can only unrescue (booting the blank
        # disk, which ignores ACPI) and stop it.
        self._built_from(os_shutdown_timeout=10)
        self.server.vm_state = fn.RESCUED
        self.node.provision_state = states.CLEANING
        self.node.network_interface = 'noop'
        self.node.save()
        with task_manager.acquire(self.context, self.node.uuid) as task:
            deploy_utils.tear_down_inband_cleaning(task, manage_boot=True)
        self.assertEqual(['unrescue', 'os-stop'],
                         [a for _, a in self.nova.actions])
        self.assertEqual(fn.STOPPED, self.server.vm_state)

    def test_end_of_cleaning_with_the_default_wait_fails_and_says_why(self):
        self._built_from()
        self.server.vm_state = fn.RESCUED
        self.node.provision_state = states.CLEANING
        self.node.network_interface = 'noop'
        self.node.save()
        with task_manager.acquire(self.context, self.node.uuid) as task:
            self.assertRaises(exception.PowerStateFailure,
                              deploy_utils.tear_down_inband_cleaning, task,
                              manage_boot=True)
        self.assertEqual(1, len(self._warnings()))
        self.node.refresh()
        self.assertIn('task_state powering-off', self.node.last_error)
        self.assertIn('shut down cleanly', self.node.last_error)

    def test_timeout_puts_novas_state_in_last_error(self):
        self._built_from()
        self.assertRaises(exception.PowerStateFailure, self._power_off)
        self.node.refresh()
        self.assertIn(self.node.uuid, self.node.last_error)
        self.assertIn(self.server.id, self.node.last_error)
        self.assertIn('vm_state active, task_state powering-off',
                      self.node.last_error)

    def test_failed_power_action_is_logged_once_with_node_and_server(self):
        self._built_from()
        with mock.patch.object(power, 'LOG', autospec=True) as log:
            self.assertRaises(exception.PowerStateFailure, self._power_off)
        self.assertEqual(1, log.error.call_count + log.warning.call_count)
        self.assertEqual(0, self.log.error.call_count)
        fields = log.error.call_args.args[1]
        self.assertEqual(self.node.uuid, fields['node'])
        self.assertEqual(self.server.id, fields['server'])
        self.assertIn('task_state powering-off', str(fields['error']))
