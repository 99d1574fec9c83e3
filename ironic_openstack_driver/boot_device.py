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

"""The node's boot device, kept in Ironic's database like a BMC's setting.

A real BMC remembers a persistent boot device and a one-time override for
the next boot. Nova has no such setting, so the driver keeps both in the
node's driver_internal_info and applies them when it boots the server
(PXE = Nova rescue with the iPXE image, CDROM = Nova rescue with the
node's virtual media ISO, DISK = the server's own disk).
Nothing lives on a conductor's disk: any conductor can take a node over.
"""

from ironic.common import boot_devices

PERSISTENT_KEY = 'openstack_persistent_boot_device'
NEXT_KEY = 'openstack_next_boot_device'
#: Glance image UUID of the node's virtual media ISO, which boot device
#: CDROM rescues the server with (set by the openstack-virtual-media boot
#: interface, removed with the image).
VMEDIA_IMAGE_KEY = 'openstack_vmedia_image'

SUPPORTED = (boot_devices.PXE, boot_devices.CDROM, boot_devices.DISK)


def vmedia_image(node):
    """UUID of the node's uploaded virtual media ISO, or None."""
    return (node.driver_internal_info or {}).get(VMEDIA_IMAGE_KEY)


def get(node):
    """The boot device setting: {'boot_device': ..., 'persistent': ...}."""
    info = node.driver_internal_info or {}
    next_device = info.get(NEXT_KEY)
    if next_device:
        return {'boot_device': next_device, 'persistent': False}
    return {'boot_device': info.get(PERSISTENT_KEY, boot_devices.DISK),
            'persistent': True}


def next_boot(node):
    """The device the next boot of the server uses."""
    return get(node)['boot_device']


def set_device(node, device, persistent):
    """Record a boot device; the caller saves the node."""
    if persistent:
        node.set_driver_internal_info(PERSISTENT_KEY, device)
        node.del_driver_internal_info(NEXT_KEY)
    else:
        node.set_driver_internal_info(NEXT_KEY, device)


def consume_one_time(node):
    """The node booted its boot device: a one-time choice is used up.

    The caller saves the node.
    """
    node.del_driver_internal_info(NEXT_KEY)
