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

"""The image properties Nova kept with a server, as a server read shows them.

Nova copies the standard properties of a server's image into the server
when it builds it and keeps them, whatever later happens to the image in
Glance. A server read (or detailed listing) shows them from compute
microversion 2.98. Shared by the driver (server_images.py) and the tools
(tools/firmware.py), which run without Ironic: this module imports none
of it.
"""

from keystoneauth1 import discover

# From 2.98 a server read embeds the standard image properties Nova kept
# from the server's image (hw_firmware_type ...), even once that image is
# deleted. os_shutdown_timeout is not among them (it is no ImageMetaProps
# field).
IMAGE_PROPERTIES_MICROVERSION = (2, 98)


def embedded_image_properties(server):
    """The image properties embedded in a server read, or None.

    Only a read at compute microversion 2.98 or later carries them (a
    listing at 2.1 does not).
    """
    version = getattr(server, 'microversion', None)
    if not version or not discover.version_between(
            IMAGE_PROPERTIES_MICROVERSION, None, version):
        return None
    image = server.image or {}
    props = dict(image.get('properties') or {})
    # openstacksdk parses server.image as a Glance Image: properties it
    # knows become attributes.
    for name in ('os_shutdown_timeout', 'hw_firmware_type', 'architecture'):
        value = getattr(image, name, None)
        if value is not None:
            props[name] = value
    return props
