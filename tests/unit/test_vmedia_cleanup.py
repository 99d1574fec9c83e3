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

"""The virtual media clean-up periodic task, through Ironic's conductor.

Nodes are deleted with Ironic's ConductorManager.destroy_node; the task is
the one Ironic's conductor collects from the boot interface
(_collect_periodic_tasks) and is run as its periodic worker would.
"""

import datetime
import os

import futurist
from oslo_utils import uuidutils

from ironic.common import boot_devices
from ironic.common import states
from ironic.conductor import manager
from ironic.conductor import task_manager
from ironic.conductor import utils as manager_utils
from ironic.drivers.modules import deploy_utils
from ironic.tests.unit.objects import utils as obj_utils

from ironic_openstack_driver import boot_device
from ironic_openstack_driver import vmedia_images
from tests.unit import test_virtual_media

INTERVAL = 120


class CleanupTestCase(test_virtual_media.VirtualMediaTestCase):

    def setUp(self):
        super().setUp()
        self.config(vmedia_cleanup_interval=INTERVAL, group='openstack')
        self.conductor = manager.ConductorManager('test-host', 'test-topic')
        self.conductor._executor = futurist.SynchronousExecutor()

    def _periodic(self):
        """The clean-up task and its arguments, as Ironic collects them."""
        self.conductor._collect_periodic_tasks(self.context)
        (found,) = [(task, args) for task, args, _kw
                    in self.conductor._periodic_task_callables
                    if task.__name__ == '_clean_up_leftovers']
        return found

    def _run_periodic(self):
        task, args = self._periodic()
        task(*args)

    def _vmedia_node(self, server=None, **fields):
        server = server or self.nova.add_server(
            name='node-%s' % len(self.nova.servers),
            image_id=self.disk_image.id)
        fields.setdefault('provision_state', states.CLEANING)
        node = obj_utils.create_test_node(
            self.context, uuid=uuidutils.generate_uuid(), driver='openstack',
            boot_interface='openstack-virtual-media',
            deploy_interface='direct', network_interface='noop',
            network_data=test_virtual_media.NETWORK_DATA,
            driver_info=dict(self.node.driver_info,
                             openstack_server=server.id),
            **fields)
        self.mark(server, node)
        return node, server

    def _boot_agent(self, node):
        """Ironic prepares cleaning: the ISO, and a rescue with it."""
        with task_manager.acquire(self.context, node.uuid) as task:
            self.assertEqual(states.CLEANWAIT,
                             deploy_utils.prepare_inband_cleaning(task))
        node.refresh()
        node.provision_state = states.CLEANWAIT
        node.save()

    def _images(self, node):
        return [image for image in self.nova.images.values()
                if vmedia_images.node_of(image) == node.uuid]

    def _cached(self, node):
        return [path for path in self._cached_isos()
                if os.path.basename(path).startswith(node.uuid)]

    def _delete_in_maintenance(self, node):
        node.refresh()
        node.maintenance = True
        node.save()
        self.conductor.destroy_node(self.context, node.uuid)


class DeletedNodeTestCase(CleanupTestCase):

    def test_nothing_of_a_node_deleted_mid_boot_is_left(self):
        self._boot_agent(self.node)
        live, live_server = self._vmedia_node()
        self._boot_agent(live)
        (live_image,) = self._images(live)
        self.assertEqual(1, len(self._images(self.node)))
        self.assertEqual(1, len(self._cached(self.node)))
        self.assertEqual('rescued', self.server.vm_state)
        self._delete_in_maintenance(self.node)
        self.nova.actions.clear()

        self._run_periodic()

        self.assertEqual([], self._images(self.node))
        self.assertEqual([], self._cached(self.node))
        self.assertEqual('stopped', self.server.vm_state)
        self.assertEqual([(self.server.id, 'unrescue'),
                          (self.server.id, 'os-stop')], self.nova.actions)
        # The live node, booting its agent, keeps its ISO.
        self.assertEqual([live_image], self._images(live))
        self.assertEqual(1, len(self._cached(live)))
        self.assertEqual('rescued', live_server.vm_state)

    def test_the_task_runs_every_vmedia_cleanup_interval(self):
        task, _args = self._periodic()
        self.assertEqual(INTERVAL, task._periodic_spacing)
        self.assertTrue(task._is_periodic)
        self.config(vmedia_cleanup_interval=0, group='openstack')
        task, _args = self._periodic()
        self.assertFalse(task._is_periodic)

    def test_a_server_another_node_drives_now_is_left_alone(self):
        self._boot_agent(self.node)
        self._delete_in_maintenance(self.node)
        self._vmedia_node(server=self.server, provision_state=states.ENROLL)
        self.nova.actions.clear()
        self._run_periodic()
        self.assertEqual([], self._images(self.node))
        self.assertEqual([], self.nova.actions)
        self.assertEqual('rescued', self.server.vm_state)

    def test_isos_stay_until_the_server_can_be_released(self):
        self._boot_agent(self.node)
        self._delete_in_maintenance(self.node)
        self.server.locked = True
        self._run_periodic()
        self.assertEqual(1, len(self._images(self.node)))
        self.assertEqual('rescued', self.server.vm_state)
        self.server.locked = False
        self._run_periodic()
        self.assertEqual([], self._images(self.node))
        self.assertEqual('stopped', self.server.vm_state)

    def test_a_deleted_server_leaves_nothing_to_release(self):
        self._boot_agent(self.node)
        self._delete_in_maintenance(self.node)
        self.nova.delete_server(self.server.id)
        self._run_periodic()
        self.assertEqual([], self._images(self.node))

    def test_an_image_of_another_project_named_for_the_node_stays(self):
        self._boot_agent(self.node)
        name = vmedia_images.image_name(self.node.uuid, 'deploy', 'f' * 16)
        with open(os.path.join(self.tmp, 'kernel'), 'rb') as data:
            theirs = self.nova.create_image(
                name, data=data, disk_format='iso',
                tags=[vmedia_images.tag(self.node.uuid)],
                visibility='public', owner=self.nova.OTHER_PROJECT_ID,
                ironic_node_uuid=self.node.uuid)
        self._delete_in_maintenance(self.node)
        self._run_periodic()
        self.assertEqual([theirs], self._images(self.node))
        self.assertNotIn(theirs.id, [
            getattr(call.args[0], 'id', call.args[0])
            for call in self.nova.image.delete_image.call_args_list])

    def test_a_protected_iso_does_not_stop_the_others_going(self):
        self._boot_agent(self.node)
        (protected,) = self._images(self.node)
        protected.is_protected = True
        name = vmedia_images.image_name(self.node.uuid, 'rescue', 'e' * 16)
        with open(os.path.join(self.tmp, 'kernel'), 'rb') as data:
            other = self.nova.create_image(
                name, data=data, disk_format='iso', visibility='private',
                ironic_node_uuid=self.node.uuid)
        self._delete_in_maintenance(self.node)
        self._run_periodic()
        self.assertEqual([protected], self._images(self.node))
        self.assertNotIn(other.id, self.nova.images)
        self.assertEqual('stopped', self.server.vm_state)
        protected.is_protected = False
        self._run_periodic()
        self.assertEqual([], self._images(self.node))


class LiveNodeTestCase(CleanupTestCase):

    def _fast_track_available(self):
        """Cleaning ends on fast track: Ironic skips clean_up_ramdisk."""
        self.config(fast_track=True, group='deploy')
        self._boot_agent(self.node)
        self.node.refresh()
        # What the agent's heartbeat records.
        self.node.set_driver_internal_info('agent_url',
                                           'http://10.0.5.10:9999')
        self.node.set_driver_internal_info(
            'agent_last_heartbeat',
            datetime.datetime.now(datetime.timezone.utc).replace(
                tzinfo=None).strftime('%Y-%m-%dT%H:%M:%S.%f'))
        self.node.provision_state = states.CLEANING
        self.node.save()
        with task_manager.acquire(self.context, self.node.uuid) as task:
            self.assertTrue(manager_utils.is_fast_track(task))
            deploy_utils.tear_down_inband_cleaning(task, manage_boot=True)
        self.node.refresh()
        self.node.provision_state = states.AVAILABLE
        self.node.save()

    def test_an_iso_a_node_no_longer_boots_goes(self):
        self._fast_track_available()
        self.assertEqual(1, len(self._images(self.node)))
        self.nova.actions.clear()
        self._run_periodic()
        self.assertEqual([], self._images(self.node))
        self.node.refresh()
        self.assertIsNone(boot_device.vmedia_image(self.node))
        # The agent runs on for fast track; its server is not touched.
        self.assertEqual([], self.nova.actions)
        self.assertEqual('rescued', self.server.vm_state)

    def test_a_busy_node_keeps_its_iso(self):
        self._fast_track_available()
        self.node.reservation = 'another-conductor'
        self.node.save()
        self._run_periodic()
        self.assertEqual(1, len(self._images(self.node)))

    def test_a_ramdisk_instance_keeps_its_iso(self):
        self.node.deploy_interface = 'ramdisk'
        self.node.provision_state = states.DEPLOYING
        self.node.instance_info = {
            'kernel': 'file://%s/kernel' % self.tmp,
            'ramdisk': 'file://%s/ramdisk' % self.tmp}
        self.node.save()
        with task_manager.acquire(self.context, self.node.uuid) as task:
            task.driver.boot.prepare_instance(task)
        self.node.refresh()
        self.node.provision_state = states.ACTIVE
        self.node.save()
        self.assertEqual(boot_devices.CDROM,
                         boot_device.next_boot(self.node))
        self._run_periodic()
        self.assertEqual(1, len(self._images(self.node)))
        self.assertEqual(1, len(self._cached(self.node)))

    def test_an_iso_whose_tag_was_lost_is_found_by_owner(self):
        self._fast_track_available()
        (image,) = self._images(self.node)
        image.tags = []
        self._run_periodic()
        self.assertEqual([], self._images(self.node))
