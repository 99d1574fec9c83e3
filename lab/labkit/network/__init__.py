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

"""Network backends: what a server's port is plugged into.

* ``nodataplane`` (fake compute): ports are bound and plugged into nothing;
  no packet moves. Nothing to run.
* ``bridge`` (libvirt compute): ports are bound as taps that the lab's
  libvirt hook puts into a bridge inside the lab's network namespace, where
  dnsmasq (DHCP, iPXE chain-loading) and Ironic's HTTP boot server answer.

Each backend is an object (``nodataplane.NoDataplane``,
``bridge.Bridge``), chosen once by the mode (``labkit.mode``), that
contributes ``services(ctx)`` (its long-running processes, started beside
MariaDB and RabbitMQ), ``ml2_conf()`` (Neutron's ML2 settings, made with
this package's ``ml2_conf``), ``write_configs(p)`` (its own files) and
``provision(sess)`` (the Neutron networks it offers).
"""


def ml2_conf(mechanism_driver):
    """Neutron's ML2 settings with ``mechanism_driver`` binding the ports."""
    return {
        'ml2': {'type_drivers': 'flat,vlan,vxlan',
                'tenant_network_types': 'vxlan',
                'mechanism_drivers': mechanism_driver,
                'extension_drivers': 'port_security'},
        'ml2_type_flat': {'flat_networks': '*'},
        'ml2_type_vlan': {'network_vlan_ranges': 'physnet1:100:199'},
        'ml2_type_vxlan': {'vni_ranges': '1:10000'},
    }
