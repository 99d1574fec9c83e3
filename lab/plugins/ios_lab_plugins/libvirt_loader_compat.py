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

"""Nova's libvirt driver, less the ``<loader secure>`` libvirt 9.0 refuses.

Lab only: the real mode's nova-compute runs this driver so that servers of
``hw_firmware_type=uefi`` images spawn on Debian bookworm's libvirt 9.0
(see ``ios_lab_plugins.firmware_autoselect`` for the rule and why, and
lab/README.rst). Everything else is Nova's ``LibvirtDriver``.

After Nova has configured a guest's firmware, the attribute goes when
``firmware_autoselect.drops_loader_secure`` says so; each time it does,
nova-compute's log says so at INFO with the instance.

On hard reboot, rescue and unrescue, Nova compares the new guest's loader
``secure`` with the running domain's (which libvirt 9.0 writes without
it), finds them different and lets libvirt select the firmware again
("Secure boot support was changed ... Re-selecting the firmware files"):
the same firmware, and the NVRAM file libvirt keeps under the domain's
name.

Nova loads drivers only from below ``nova.virt``: run nova-compute through
``python -m ios_lab_plugins.libvirt_compute`` (registers this module as
``nova.virt.lab_libvirt``) with ``compute_driver =
lab_libvirt.LoaderSecureCompatLibvirtDriver``.
"""

from oslo_log import log as logging

from nova.virt.libvirt import driver

from ios_lab_plugins import firmware_autoselect

LOG = logging.getLogger(__name__)


class LoaderSecureCompatLibvirtDriver(driver.LibvirtDriver):
    """``LibvirtDriver`` whose UEFI guests libvirt 9.0 accepts."""

    def _configure_guest_by_virt_type(self, guest, instance, image_meta,
                                      flavor, old_guest=None):
        super()._configure_guest_by_virt_type(guest, instance, image_meta,
                                              flavor, old_guest)
        supported = self._host.has_min_version(
            lv_ver=firmware_autoselect.FEATURE_AUTOSELECT_LIBVIRT)
        if firmware_autoselect.drops_loader_secure(guest, supported):
            LOG.info("Lab shim %s: <loader secure='%s'/> left out beside "
                     "<os firmware='%s'>, whose secure-boot firmware "
                     "feature says the same (libvirt 9.0 refuses that "
                     "attribute with firmware autoselection)",
                     __name__, 'yes' if guest.os_loader_secure else 'no',
                     guest.os_firmware, instance=instance)
            guest.os_loader_secure = None
