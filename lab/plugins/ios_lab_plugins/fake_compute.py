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

"""Nova fake compute driver for the lab: like libvirt where the driver looks.

Nova's stock ``fake.FakeDriverWithoutFakeNodes`` differs from libvirt in one
way that the Ironic ``openstack`` driver observes: rescue. Nova's compute
manager powers the guest off, calls ``driver.rescue()`` and then records the
power state the driver reports. The stock fake ``rescue()`` does nothing, so
a rescued fake server reads ``power_state`` 4 (SHUTDOWN), while libvirt boots
the rescue image and reports 1 (RUNNING). The driver maps "RESCUE and
running" to "powered on, booted from the network", so the lab must report
what libvirt reports.

Changes against the base class (nothing else differs):

* ``rescue()`` marks the guest RUNNING (libvirt boots the rescue image).
* ``unrescue()`` marks the guest RUNNING (as the base class already does;
  restated so the pair is explicit).

Base class: ``FakeDriverWithoutFakeNodes`` rather than ``FakeDriver``,
because only it writes the compute node identity file; without that file
nova-compute refuses to restart. Like every fake driver it keeps guests in
memory only: after a nova-compute restart, existing servers read SHUTOFF.
The lab therefore starts Nova's databases fresh whenever it (re)starts
Nova (see lab/README.rst).

Nova loads drivers only from below ``nova.virt``: run nova-compute through
``python -m ios_lab_plugins.compute`` (registers this module as
``nova.virt.lab_fake``) with ``compute_driver = lab_fake.LabFakeDriver``.
"""

from nova.compute import power_state
from nova.virt import fake


class LabFakeDriver(fake.FakeDriverWithoutFakeNodes):
    """Fake driver whose rescued guests run, as libvirt's do."""

    def rescue(self, context, instance, network_info, image_meta,
               rescue_password, block_device_info, share_info):
        super().rescue(context, instance, network_info, image_meta,
                       rescue_password, block_device_info, share_info)
        if instance.uuid in self.instances:
            self.instances[instance.uuid].state = power_state.RUNNING

    def unrescue(self, context, instance):
        super().unrescue(context, instance)
        if instance.uuid in self.instances:
            self.instances[instance.uuid].state = power_state.RUNNING
