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

"""A node drives only the server marked for it (server metadata).

Node A's owner may edit A's driver_info and point openstack_server at node
B's server; every path of the driver must then refuse before Nova is asked
for anything about B's server, through Ironic's own conductor code.
"""

from unittest import mock

import oslo_messaging as messaging
from oslo_utils import uuidutils

from ironic.common import boot_devices
from ironic.common import exception
from ironic.common import states
from ironic.conductor import manager
from ironic.conductor import task_manager
from ironic.conductor import utils as conductor_utils
from ironic.conductor import verify
from ironic.tests.unit.objects import utils as obj_utils

from ironic_openstack_driver import binding
from ironic_openstack_driver import cloud
from tests.unit import base
from tests.unit import cloud_base
from tests.unit import fake_nova as fn


class _TwoNodes:
    """Node A (self.node, self.server) and node B with its own server."""

    def _add_node_b(self):
        self.server_b = self.nova.add_server(name='node-b',
                                             image_id=self.disk_image.id)
        self.server_b.vm_state, self.server_b.power_state = fn.STOPPED, 4
        self.node_b = obj_utils.create_test_node(
            self.context, driver='openstack', uuid=uuidutils.generate_uuid(),
            name='node-b', driver_info={'openstack_server': self.server_b.id})
        self.mark(self.server_b, self.node_b)

    def _aim_a_at_b(self):
        """What A's owner can do with Ironic's API: edit driver_info."""
        self.node.driver_info = {'openstack_server': self.server_b.id}
        self.node.save()

    def _assert_refused(self, error, server=None):
        server = server or self.server_b
        error = str(error)
        self.assertIn(self.node.uuid, error)
        self.assertIn(server.id, error)
        self.assertIn('not marked for this node', error)
        self.assertIn('openstack server set --property %s=%s %s' % (
            cloud.NODE_MARK, self.node.uuid, server.id), error)
        # B's UUID stays out of what A's owner can read.
        self.assertNotIn(self.node_b.uuid, error)
        self.assertEqual([], self.nova.actions)
        self.assertEqual({cloud.NODE_MARK: self.node_b.uuid},
                         self.server_b.metadata)


class PowerBindingTestCase(_TwoNodes, base.OpenStackDriverTestCase):

    def setUp(self):
        super().setUp()
        self._add_node_b()

    def _power_action(self, state):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            return conductor_utils.node_power_action(task, state)

    def test_power_actions_on_another_nodes_server_are_refused(self):
        self._aim_a_at_b()
        for state in (states.POWER_ON, states.POWER_OFF, states.REBOOT,
                      states.SOFT_REBOOT, states.SOFT_POWER_OFF):
            exc = self.assertRaises(exception.InvalidParameterValue,
                                    self._power_action, state)
            self._assert_refused(exc)
            self.node.refresh()
            self._assert_refused(self.node.last_error)
            self.assertIsNone(self.node.target_power_state)
        self.assertEqual((fn.STOPPED, 4), (self.server_b.vm_state,
                                           self.server_b.power_state))

    def test_boot_device_for_another_nodes_server_is_refused(self):
        self._aim_a_at_b()
        with task_manager.acquire(self.context, self.node.uuid) as task:
            exc = self.assertRaises(
                exception.InvalidParameterValue,
                conductor_utils.node_set_boot_device, task, boot_devices.PXE,
                persistent=True)
        self._assert_refused(exc)
        self.node.refresh()
        self.assertNotIn('openstack_persistent_boot_device',
                         self.node.driver_internal_info)

    def test_verify_of_another_nodes_server_leaves_the_node_in_enroll(self):
        self._aim_a_at_b()
        self.config(server_list_max_age=20, group='openstack')
        self.node.provision_state = states.VERIFYING
        self.node.target_provision_state = states.MANAGEABLE
        self.node.power_state = states.NOSTATE
        self.node.save()
        with task_manager.acquire(self.context, self.node.uuid) as task:
            verify.do_node_verify(task)
        self.node.refresh()
        self.assertEqual(states.ENROLL, self.node.provision_state)
        self.assertEqual(states.NOSTATE, self.node.power_state)
        self._assert_refused(self.node.last_error)

    def test_power_sync_does_not_read_another_nodes_server(self):
        self._aim_a_at_b()
        self.config(server_list_max_age=20, group='openstack')
        self.node.power_state = states.POWER_ON
        self.node.provision_state = states.MANAGEABLE
        self.node.save()
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            self.assertEqual(1, manager.do_sync_power_state(task, 0))
        self.node.refresh()
        # Ironic keeps its record: B's power state does not reach A.
        self.assertEqual(states.POWER_ON, self.node.power_state)
        self.assertEqual([], self.nova.actions)
        # From the listing, read fresh once before being refused.
        self.assertEqual(1, self.nova.listings)
        self.nova.compute.get_server.assert_called_once_with(
            self.server_b.id)

    def test_unmarked_server_is_refused_naming_the_fix(self):
        self.server.metadata.clear()
        exc = self.assertRaises(exception.InvalidParameterValue,
                                self._power_action, states.POWER_OFF)
        self.assertIn('its metadata has no %s' % cloud.NODE_MARK, str(exc))
        self.assertIn(self.node.uuid, str(exc))
        self.assertIn(self.server.id, str(exc))
        self.assertIn('ironic-openstack-nodes bind --node %s'
                      % self.node.uuid, str(exc))
        self.assertEqual([], self.nova.actions)

    def test_server_marked_for_the_node_is_driven(self):
        self._aim_a_at_b()
        # The operator gives B's server to A, in the host cloud.
        self.mark(self.server_b, self.node)
        self._power_action(states.POWER_ON)
        self.assertEqual([(self.server_b.id, 'os-start')], self.nova.actions)
        self.node.refresh()
        self.assertEqual(states.POWER_ON, self.node.power_state)

    def test_mark_set_after_the_listing_is_seen_by_a_fresh_read(self):
        self.config(server_list_max_age=20, group='openstack')
        self.server.metadata.clear()
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            self.assertRaises(exception.InvalidParameterValue,
                              task.driver.power.get_power_state, task)
        self.mark(self.server, self.node)      # the listing is older
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            self.assertEqual(states.POWER_ON,
                             task.driver.power.get_power_state(task))
        self.assertEqual(1, self.nova.listings)

    def test_marked_server_costs_the_sync_no_request_of_its_own(self):
        self.config(server_list_max_age=20, group='openstack')
        for node in (self.node, self.node_b):
            with task_manager.acquire(self.context, node.uuid,
                                      shared=True) as task:
                task.driver.power.get_power_state(task)
        self.assertEqual(1, self.nova.listings)
        self.nova.compute.get_server.assert_not_called()

    def test_warn_mode_drives_an_unmarked_server_and_warns_once(self):
        self.config(server_binding='warn', group='openstack')
        self.server.metadata.clear()
        with mock.patch.object(binding, 'LOG', autospec=True) as log:
            self._power_action(states.POWER_OFF)
            self._power_action(states.POWER_ON)
        self.assertEqual([(self.server.id, 'os-stop'),
                          (self.server.id, 'os-start')], self.nova.actions)
        log.warning.assert_called_once()
        self.assertIn('"warn"', log.warning.call_args[0][0])


class OtherInterfacesBindingTestCase(_TwoNodes, cloud_base.CloudTestCase):
    """Console, vendor passthru, inspection, NMI, MACs: refused too."""

    def setUp(self):
        super().setUp()
        self._add_node_b()
        self.server_b.vm_state, self.server_b.power_state = fn.ACTIVE, 1
        net = self.nova.add_network('net')
        self.nova.add_port(self.server_b, 'fa:16:3e:00:00:0b', net)
        self._aim_a_at_b()

    def _in_task(self, call, shared=False):
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=shared) as task:
            return self.assertRaises(exception.InvalidParameterValue, call,
                                     task)

    def test_console_is_refused(self):
        self._assert_refused(self._in_task(
            lambda task: task.driver.console.get_console(task), shared=True))
        self._assert_refused(self._in_task(
            lambda task: task.driver.console.start_console(task)))
        self.assertEqual([], self.nova.consoles)

    def test_console_log_passthru_is_refused(self):
        exc = self.assertRaises(
            messaging.ExpectedException, self.conductor.vendor_passthru,
            self.context, self.node.uuid, 'console_output', 'GET', {})
        self._assert_refused(exc.exc_info[1])
        self.nova.compute.get_server_console_output.assert_not_called()

    def test_inject_nmi_is_refused(self):
        self._assert_refused(self._in_task(
            lambda task: task.driver.management.inject_nmi(task)))

    def test_mac_addresses_are_not_read(self):
        self._assert_refused(self._in_task(
            lambda task: task.driver.management.get_mac_addresses(task),
            shared=True))

    def test_inspection_is_refused(self):
        self._assert_refused(self._in_task(
            lambda task: task.driver.inspect.inspect_hardware(task)))
        self.nova.compute.get_flavor.assert_not_called()


class BoundedFieldsThroughTheConductorTestCase(base.OpenStackDriverTestCase):
    """Fields the operator bounds, refused before the cloud is asked."""

    def _refused_power_action(self, field, **info):
        self.node.driver_info = dict(self.node.driver_info, **info)
        self.node.save()
        self.connection_class.reset_mock()
        with task_manager.acquire(self.context, self.node.uuid) as task:
            self.assertRaises(exception.InvalidParameterValue,
                              conductor_utils.node_power_action, task,
                              states.REBOOT)
        self.node.refresh()
        self.assertIn(self.node.uuid, self.node.last_error)
        self.assertIn('driver_info field %s' % field, self.node.last_error)
        self.assertEqual([], self.nova.actions)
        self.connection_class.assert_not_called()
        self.node.driver_info = {'openstack_server': self.server.id}
        self.node.save()

    def test_each_bounded_field_is_refused_naming_field_and_node(self):
        self._refused_power_action('openstack_rescue_image',
                                   openstack_rescue_image='someone-elses')
        self._refused_power_action('openstack_region_name',
                                   openstack_region_name='RegionTwo')
        self._refused_power_action('openstack_cacert',
                                   openstack_cacert='/etc/hostname')
        self._refused_power_action(
            'openstack_auth_url', openstack_cloud=None,
            openstack_auth_url='http://10.0.0.1:35357/v3',
            openstack_application_credential_id='ac',
            openstack_application_credential_secret='s')

    def test_pxe_boots_a_listed_rescue_image(self):
        custom = self.nova.add_image('custom-ipxe', hw_rescue_device='cdrom')
        self.config(allowed_rescue_images=['custom-ipxe'], group='openstack')
        self.node.driver_info = dict(self.node.driver_info,
                                     openstack_rescue_image='custom-ipxe')
        self.node.save()
        with task_manager.acquire(self.context, self.node.uuid) as task:
            conductor_utils.node_set_boot_device(task, boot_devices.PXE)
            conductor_utils.node_power_action(task, states.REBOOT)
        self.assertEqual(custom.id, self.server.rescue_image)
