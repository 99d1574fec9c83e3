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

"""Cleaning of openstack nodes: upstream's manual test, and automated."""

import time

from tempest.common import utils
from tempest import config
from tempest.lib import decorators
from tempest.lib import exceptions as lib_exc

from ironic_tempest_plugin.tests.scenario import baremetal_manager as bm
from ironic_tempest_plugin.tests.scenario import \
    baremetal_standalone_manager as bsm
from ironic_tempest_plugin.tests.scenario.ironic_standalone import \
    test_cleaning as upstream

from ironic_openstack_driver_tempest_plugin.tests.scenario import base

CONF = config.CONF


class OpenStackManualCleaning(base.OpenStackNodeMixin,
                              upstream.BaremetalCleaningIpmiWholedisk):
    """Upstream's manual cleaning (erase_devices_metadata), then provide."""

    # No deploy: no address, server or instance line to check.
    required_settings = ()
    deploy_interface = 'direct'
    boot_interface = 'ipxe'
    image_ref = CONF.baremetal.whole_disk_image_url
    image_checksum = CONF.baremetal.whole_disk_image_checksum


class OpenStackAutomatedCleaning(base.OpenStackNodeMixin,
                                 bsm.BaremetalStandaloneScenarioTest):
    """manage, provide: the agent boots and runs the automated clean steps.

    Uses upstream's reservation and provision-state helpers. While the node
    cleans, its ``clean_step`` field is polled: the step the lab enables
    (``erase_devices_metadata``, run in-band by the agent) must show up
    before the node is ``available`` again.
    """

    api_microversion = '1.31'
    deploy_interface = 'direct'
    boot_interface = 'ipxe'
    image_ref = CONF.baremetal.whole_disk_image_url
    image_checksum = CONF.baremetal.whole_disk_image_checksum
    delete_node = False
    expected_step = 'erase_devices_metadata'
    required_settings = ()

    @decorators.idempotent_id('0b5e7c32-4f1d-4b8e-9a51-3d4c2e6f7a02')
    @utils.services('network')
    def test_automated_cleaning(self):
        uuid = self.node['uuid']
        self.set_node_provision_state(uuid, 'manage')
        self.wait_provisioning_state(
            uuid, bm.BaremetalProvisionStates.MANAGEABLE,
            timeout=CONF.baremetal.unprovision_timeout, interval=2)
        self.set_node_provision_state(uuid, 'provide')
        states, steps = set(), set()
        deadline = time.monotonic() + CONF.baremetal.unprovision_timeout
        while True:
            node = self.get_node(node_id=uuid)
            states.add(node['provision_state'])
            if node.get('clean_step'):
                steps.add(node['clean_step'].get('step'))
            if node['provision_state'] in ('available', 'clean failed'):
                break
            if time.monotonic() > deadline:
                raise lib_exc.TimeoutException(
                    'node %s still %s after %ss of automated cleaning' % (
                        uuid, node['provision_state'],
                        CONF.baremetal.unprovision_timeout))
            time.sleep(1)
        self.assertEqual('available', node['provision_state'],
                         node.get('last_error'))
        self.assertIsNone(node.get('last_error'))
        self.assertIn('clean wait', states)
        self.assertIn(self.expected_step, steps)
