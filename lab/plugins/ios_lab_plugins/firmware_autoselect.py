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

"""When the lab's libvirt driver drops ``secure`` from a guest's ``<loader>``.

A lab-only compatibility rule between Nova 34 and Debian bookworm's
libvirt 9.0 (no Nova import here: the decision alone, tested on its own).

For an image with ``hw_firmware_type=uefi``, Nova 34's
``LibvirtDriver._configure_guest_by_virt_type``
(nova/virt/libvirt/driver.py) sets ``guest.os_firmware = 'efi'`` (firmware
autoselection), ``guest.os_loader_secure`` to True or False from
``os_secure_boot`` and mirrors it onto ``guest.os_firmware_secure``;
``LibvirtConfigGuest._format_os`` (nova/virt/libvirt/config.py) then writes
both ``<firmware><feature name='secure-boot' enabled='no'/></firmware>``
and ``<loader secure='no'/>``. libvirt 9.0.0 refuses the second when
``<os firmware='efi'>`` asks for autoselection ("loader attribute 'secure'
cannot be specified when firmware autoselection is enabled"); later
libvirt accepts it (11.3.0 of bookworm-backports no longer has the
check). No image property or nova.conf option keeps Nova from writing it.

Since libvirt 8.6.0 the ``secure-boot`` firmware feature selects the
firmware on its own (Nova's comment there: "loader.secure is still
required on libvirt < 8.6.0"), so dropping the attribute loses nothing
when the feature says the same thing.
"""

#: The first libvirt whose firmware autoselection reads ``<firmware>``
#: features (``secure-boot``, ``enrolled-keys``).
FEATURE_AUTOSELECT_LIBVIRT = (8, 6, 0)


def drops_loader_secure(guest, feature_autoselect):
    """Whether the lab drops ``secure`` from ``guest``'s ``<loader>``.

    Only when all hold: the guest asks libvirt to select its firmware
    (``os_firmware`` set) and names no loader file, its loader carries
    ``secure``, the ``secure-boot`` firmware feature says the same thing,
    and libvirt reads that feature.

    :param guest: Nova's ``LibvirtConfigGuest`` (or anything with its
        ``os_firmware``, ``os_loader``, ``os_loader_secure`` and
        ``os_firmware_secure`` attributes).
    :param feature_autoselect: whether the connected libvirt is at least
        ``FEATURE_AUTOSELECT_LIBVIRT``.
    :returns: True if ``guest.os_loader_secure`` is to be set to None.
    """
    return bool(feature_autoselect
                and guest.os_firmware is not None
                and guest.os_loader is None
                and guest.os_loader_secure is not None
                and guest.os_firmware_secure == guest.os_loader_secure)
