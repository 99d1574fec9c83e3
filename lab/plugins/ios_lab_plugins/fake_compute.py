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
* Consoles and the console log, as libvirt with ``[serial_console]
  enabled`` (the lab's nova.conf, and the usual set-up of a cloud that
  offers serial consoles):

  - ``get_console_output()`` returns a short boot log of the guest, made
    from its state: BIOS, boot from the disk, a login prompt (the base
    class returns three fixed "FAKE" lines). A rescued guest has no serial
    port under libvirt, so it raises ConsoleNotAvailable (Nova's 404
    "Guest does not have a console available"), as libvirt does.
  - ``get_serial_console()`` points nova-serialproxy at the serial port of
    the lab's fake guest console (ios_lab_plugins.fake_console), which
    prints a banner and a login prompt; for a rescued guest it raises
    ConsoleTypeUnavailable, as libvirt does (no serial device).
  - ``get_vnc_console()`` points nova-novncproxy at the fake guest
    console's VNC port (an RFB 3.8 server with a blank screen).

  The base class returns made-up hosts ("fakevncconsole.com") with an
  ``internal_access_path`` that a proxy cannot reach. Host and ports come
  from the ``[lab_fake_console]`` section of nova.conf.

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

from oslo_config import cfg

from nova.compute import power_state
from nova.compute import vm_states
import nova.conf
from nova.console import type as ctype
from nova import exception
from nova.virt import fake

CONF = nova.conf.CONF
CONF.register_opts([
    cfg.HostAddressOpt('host', default='127.0.0.1',
                       help='Address of the fake guest console server.'),
    cfg.PortOpt('serial_port', help='Its serial port (TCP).'),
    cfg.PortOpt('vnc_port', help='Its VNC port.'),
], group='lab_fake_console')


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

    def get_console_output(self, context, instance):
        if instance.vm_state == vm_states.RESCUED:
            raise exception.ConsoleNotAvailable()
        return '\n'.join([
            'SeaBIOS (version 1.16.2-debian-1.16.2-1)',
            'Booting from Hard Disk...',
            'lab fake guest %s: booted from its disk' % instance.uuid,
            'Debian GNU/Linux 12 lab-guest ttyS0',
            'lab-guest login: ',
        ])

    def get_serial_console(self, context, instance):
        if instance.vm_state == vm_states.RESCUED:
            raise exception.ConsoleTypeUnavailable(console_type='serial')
        return ctype.ConsoleSerial(host=CONF.lab_fake_console.host,
                                   port=CONF.lab_fake_console.serial_port)

    def get_vnc_console(self, context, instance):
        return ctype.ConsoleVNC(host=CONF.lab_fake_console.host,
                                port=CONF.lab_fake_console.vnc_port)
