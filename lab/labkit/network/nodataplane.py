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

"""No dataplane (fast mode): ML2 binds every port and plugs nothing.

The mechanism driver is ``lab/plugins/ios_lab_plugins/ml2_nodataplane.py``.
"""

MECHANISM_DRIVER = 'lab_nodataplane'


def ml2_conf():
    return {
        'ml2': {'type_drivers': 'flat,vlan,vxlan',
                'tenant_network_types': 'vxlan',
                'mechanism_drivers': MECHANISM_DRIVER,
                'extension_drivers': 'port_security'},
        'ml2_type_flat': {'flat_networks': '*'},
        'ml2_type_vlan': {'network_vlan_ranges': 'physnet1:100:199'},
        'ml2_type_vxlan': {'vni_ranges': '1:10000'},
    }


def services(lab):
    return []
