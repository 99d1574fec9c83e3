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

"""Upstream's standalone deploy scenarios on openstack nodes.

Each class subclasses an ironic-tempest-plugin class (imported as a module,
so that the loader does not collect the upstream classes a second time
here) with the openstack driver; the test bodies are upstream's: deploy,
ping the node, undeploy (automated cleaning) in the class's cleanup. After
each deploy (and unrescue) the mixin (base.py) waits for a new line of the
instance image on the node's console and checks Nova's view of its server.
"""

from tempest.common import utils
from tempest import config
from tempest.lib import decorators

from ironic_tempest_plugin.tests.scenario import baremetal_manager as bm
from ironic_tempest_plugin.tests.scenario import \
    baremetal_standalone_manager as bsm
from ironic_tempest_plugin.tests.scenario.ironic_standalone import \
    test_basic_ops as upstream

from ironic_openstack_driver_tempest_plugin.tests.scenario import base

CONF = config.CONF
#: The agent's systemd unit line on the console: the ramdisk really booted.
AGENT_BOOT_LINE = 'Ironic Python Agent'


class OpenStackDirectWholedisk(base.OpenStackNodeMixin,
                               upstream.BaremetalDriverDirectWholedisk):
    """Whole-disk image by HTTP URL, ``direct`` deploy, ``ipxe`` boot."""

    api_microversion = '1.31'
    boot_interface = 'ipxe'
    image_ref = CONF.baremetal.whole_disk_image_url
    image_checksum = CONF.baremetal.whole_disk_image_checksum


class OpenStackIPXEBoot(base.OpenStackNodeMixin,
                        upstream.BaremetalIPXEBootTestClass):
    """Upstream's boot-interface test with ``ipxe`` (the node's driver)."""

    use_available_driver = False


class OpenStackVirtualMediaBoot(base.OpenStackNodeMixin,
                                upstream.BaremetalIPXEBootTestClass):
    """The same deploy with the driver's virtual media boot interface.

    The interface is ``[openstack_driver] virtual_media_boot_interface``
    (default ``openstack-virtual-media``). When Ironic does not enable it
    for the hardware type, upstream's skip_checks skips this class, naming
    the interfaces that are enabled.
    """

    use_available_driver = False
    boot_interface = CONF.openstack_driver.virtual_media_boot_interface


class OpenStackRescueWholedisk(base.OpenStackNodeMixin,
                               upstream.BaremetalIpmiRescueWholedisk):
    """Deploy, rescue (the agent's rescue mode, SSH as ``rescue``), unrescue.

    Runs when Ironic enables the ``agent`` rescue interface for the
    hardware type (upstream's skip_checks says otherwise).
    """

    deploy_interface = 'direct'
    boot_interface = 'ipxe'
    image_ref = CONF.baremetal.whole_disk_image_url
    image_checksum = CONF.baremetal.whole_disk_image_checksum


class OpenStackPowerCycleWholedisk(base.OpenStackNodeMixin,
                                   bsm.BaremetalStandaloneScenarioTest):
    """Deploy a whole disk, then power off and on through Ironic.

    A deployed node's boot device is its disk (kept in Ironic's database):
    while it is off Nova shows the server SHUTOFF; powered on again, the
    instance image prints a new line on the console, Nova shows the server
    ACTIVE (not in rescue) and it answers pings.
    """

    api_microversion = '1.31'
    deploy_interface = 'direct'
    boot_interface = 'ipxe'
    wholedisk_image = True
    image_ref = CONF.baremetal.whole_disk_image_url
    image_checksum = CONF.baremetal.whole_disk_image_checksum

    @decorators.idempotent_id('d7b4b09d-588a-4d2d-a8fc-2a7816ebb52f')
    @utils.services('image', 'network')
    def test_power_cycle_boots_the_disk(self):
        self.boot_and_verify_node()
        uuid = self.node['uuid']
        self.baremetal_client.set_node_power_state(
            uuid, bm.BaremetalPowerStates.POWER_OFF)
        self.wait_power_state(uuid, bm.BaremetalPowerStates.POWER_OFF)
        view = self.host_server(uuid)
        self.assertEqual('SHUTOFF', (view or {}).get('status'),
                         'node %s: Nova shows %s' % (uuid, view))
        # Counted while the guest is off: its next start prints a new one.
        before = self.console_lines_with(
            uuid, CONF.openstack_driver.instance_console_line)
        self.baremetal_client.set_node_power_state(
            uuid, bm.BaremetalPowerStates.POWER_ON)
        self.wait_power_state(uuid, bm.BaremetalPowerStates.POWER_ON)
        self.verify_disk_boot(before)
        self.assertTrue(self.ping_ip_address(self.node_ip,
                                             should_succeed=True))


class OpenStackRamdiskDeploy(base.OpenStackNodeMixin,
                             bsm.BaremetalStandaloneScenarioTest):
    """``ramdisk`` deploy of a kernel and initramfs by URL, then ping.

    Upstream's ramdisk tests boot an ISO (``boot_iso``); this one gives
    the ramdisk deploy interface a kernel and an initramfs in instance_info
    and reuses upstream's boot_and_verify_ramdisk_node for the rest.
    """

    api_microversion = '1.31'
    boot_interface = 'ipxe'
    deploy_interface = 'ramdisk'
    image_ref = CONF.openstack_driver.ramdisk_ramdisk
    # The test's own cleanup undeploys (automated cleaning runs then).
    delete_node = False
    # The instance is the ramdisk: its line is the agent's.
    required_settings = ('dhcp_leases_file', 'host_clouds_yaml',
                         'host_cloud', 'ramdisk_kernel', 'ramdisk_ramdisk')
    # Booted from the network each time: iPXE in Nova's rescue.
    deployed_status = 'RESCUE'

    @decorators.idempotent_id('5c0a3b56-7d3e-4f55-9d6b-0f8f2f1f3a01')
    @utils.services('network')
    def test_ramdisk_boot(self):
        uuid = self.node['uuid']
        self.update_node(uuid, patch=[
            {'path': '/instance_info/kernel', 'op': 'add',
             'value': CONF.openstack_driver.ramdisk_kernel},
            {'path': '/instance_info/ramdisk', 'op': 'add',
             'value': CONF.openstack_driver.ramdisk_ramdisk}])
        # The agent ran on this node before (its cleaning): only a new
        # line of it shows that this deploy booted the ramdisk.
        before = self.console_lines_with(uuid, AGENT_BOOT_LINE)
        self.boot_and_verify_ramdisk_node(self.image_ref)
        # The ping can be answered by iPXE while it downloads the ramdisk:
        # the agent's own line on the console shows the ramdisk booted.
        self.wait_for_console_line(uuid, AGENT_BOOT_LINE,
                                   CONF.openstack_driver.server_ip_timeout,
                                   before)
        self.assert_server(self.deployed_status)
