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
