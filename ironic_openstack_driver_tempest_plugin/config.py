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

"""The plugin's own tempest.conf options: group ``[openstack_driver]``."""

from oslo_config import cfg

group = cfg.OptGroup(
    name='openstack_driver',
    title='Ironic openstack hardware type: scenario test settings')

opts = [
    cfg.StrOpt('dhcp_leases_file',
               help='dnsmasq lease file of the network the nodes boot on. '
                    'A node\'s address is the newest lease of one of its '
                    'ports\' MACs granted since the node reached its '
                    'current provision state (the nodes\' Neutron ports have '
                    'no subnet, so Neutron knows no address).'),
    cfg.IntOpt('dhcp_lease_seconds', default=3600, min=60,
               help='Lease time that dnsmasq grants (dhcp-range); a '
                    'lease\'s grant time is its expiry minus this.'),
    cfg.IntOpt('lease_grace_seconds', default=60, min=0, max=600,
               help='A lease granted this long before the node entered its '
                    'current provision state still counts (a booting '
                    'instance may ask for its address before Ironic records '
                    'the state change).'),
    cfg.StrOpt('node_name_prefix', default='',
               help='Only nodes whose name starts with this are picked '
                    '(the lab has other users\' nodes); empty: any.'),
    cfg.IntOpt('server_ip_timeout', default=900, min=10,
               help='Seconds to wait for a deployed node\'s DHCP lease.'),
    cfg.StrOpt('ramdisk_kernel',
               help='Kernel URL (http:// or an allowed file://) for the '
                    'ramdisk deploy test; unset fails that test '
                    '(InvalidConfiguration).'),
    cfg.StrOpt('ramdisk_ramdisk',
               help='Initramfs URL for the ramdisk deploy test; its system '
                    'must bring its NIC up by DHCP and print "Ironic Python '
                    'Agent" on the serial console.'),
    cfg.StrOpt('host_clouds_yaml',
               help='clouds.yaml with an entry for the host cloud whose '
                    'servers are the nodes (the conductor\'s, e.g. '
                    '/etc/ironic/clouds.yaml): the deploy tests read the '
                    'node\'s Nova server with it.'),
    cfg.StrOpt('host_cloud',
               help='The entry of host_clouds_yaml to use (a user who '
                    'may read the nodes\' servers).'),
    cfg.StrOpt('instance_console_line',
               help='Text of a line that the whole-disk instance image '
                    'prints on its serial console once it booted from the '
                    'disk (the lab\'s image: "IOS-LAB-INSTANCE booted '
                    'from disk"). A deploy test waits for a new such line '
                    'in the node\'s console log.'),
    cfg.StrOpt('virtual_media_boot_interface',
               default='openstack-virtual-media',
               help='Name of the driver\'s virtual media boot interface; '
                    'its tests run only when Ironic enables it for the '
                    'openstack hardware type.'),
]
