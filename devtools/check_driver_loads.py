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

"""Check that Ironic's driver factory loads the installed openstack driver.

Run with the Python of an environment that has ironic and an installed
ironic-openstack-driver (a wheel, not the source tree):

    python devtools/check_driver_loads.py

It enables the ``openstack`` hardware type and its interfaces the way
ironic.conf would, asks ironic.common.driver_factory for them, and prints
where they were loaded from. Exit status 1 when anything is missing.
"""

import os
import sys


def main():
    # Import from the installed package, never from a source tree nearby.
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path[:] = [p for p in sys.path
                   if os.path.abspath(p or os.curdir) != here]

    from ironic.common import driver_factory
    from ironic.conf import CONF

    CONF([], project='ironic')
    CONF.set_override('enabled_hardware_types', ['openstack'])
    CONF.set_override('enabled_power_interfaces', ['openstack'])
    CONF.set_override('enabled_management_interfaces', ['openstack'])

    loaded = driver_factory.hardware_types()
    if 'openstack' not in loaded:
        print('Ironic did not load the openstack hardware type; it loaded '
              '%s' % sorted(loaded))
        return 1
    hw = driver_factory.get_hardware_type('openstack')
    print('hardware type openstack: %s.%s' % (type(hw).__module__,
                                              type(hw).__name__))
    for kind in ('power', 'management'):
        iface = driver_factory.get_interface(hw, kind, 'openstack')
        print('%s interface openstack: %s.%s' % (
            kind, type(iface).__module__, type(iface).__name__))
        print('    default for the hardware type: %s' % (
            driver_factory.default_interface(hw, kind)))
    import ironic_openstack_driver
    print('loaded from %s' % os.path.dirname(ironic_openstack_driver.__file__))
    return 0


if __name__ == '__main__':
    sys.exit(main())
