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

"""The ``openstack`` hardware type: Nova instances as bare-metal nodes."""

from ironic.drivers import generic
from ironic.drivers.modules import fake
from ironic.drivers.modules import noop_mgmt

from ironic_openstack_driver import console
from ironic_openstack_driver import inspect
from ironic_openstack_driver import management
from ironic_openstack_driver import power
from ironic_openstack_driver import vendor
from ironic_openstack_driver import virtual_media


class OpenStackHardware(generic.GenericHardware):
    """Nova servers of a host cloud, booted over PXE by Ironic.

    Boot (iPXE/PXE), deploy, network and the rest stay Ironic's generic
    interfaces; power and management talk to Nova. Ironic's fake boot and
    deploy interfaces are allowed too, for labs without a PXE network.
    """

    @property
    def supported_boot_interfaces(self):
        """iPXE/PXE first (the default), then virtual media through Glance."""
        return super().supported_boot_interfaces + [
            virtual_media.OpenStackVirtualMediaBoot, fake.FakeBoot]

    @property
    def supported_deploy_interfaces(self):
        return super().supported_deploy_interfaces + [fake.FakeDeploy]

    @property
    def supported_power_interfaces(self):
        return [power.OpenStackPower, fake.FakePower]

    @property
    def supported_management_interfaces(self):
        return [management.OpenStackManagement, noop_mgmt.NoopManagement,
                fake.FakeManagement]

    @property
    def supported_console_interfaces(self):
        """Nova's remote console first; no-console stays possible."""
        return ([console.OpenStackConsole]
                + super().supported_console_interfaces + [fake.FakeConsole])

    @property
    def supported_inspect_interfaces(self):
        """Inspection from the cloud's APIs first, then the generic ones.

        The generic ones are agent inspection and no-inspect.
        """
        return [inspect.OpenStackInspect] + super(
        ).supported_inspect_interfaces

    @property
    def supported_vendor_interfaces(self):
        """The console log passthru first; no-vendor stays possible."""
        return ([vendor.OpenStackVendor]
                + super().supported_vendor_interfaces + [fake.FakeVendorB])
