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

"""The servers' firmware (--firmware) and the nodes' boot_mode capability.

A Nova server's firmware is fixed by the image it is built from, read as
the driver reads it (server_images.firmware): hw_firmware_type, else UEFI
for aarch64, else BIOS; from the copy of the image's properties Nova keeps
with the server where a server read shows it (compute microversion 2.98),
else from the image in Glance. The tools never change an image's
firmware.

The boot_mode capability is written only where the server's firmware is
not the conductor's [deploy]default_boot_mode (Ironic's default: uefi):
a node without it takes its server's firmware through Ironic's boot mode
sync (the management interface's get_boot_mode) before each agent boot,
but Ironic goes by [deploy]default_boot_mode wherever it reads the node's
mode before that sync (the DHCP boot file of the first agent boot after
an enrollment or a tear down) and Nova's scheduler matches a flavor's
capabilities:boot_mode against the capability.
"""

import os

from openstack import exceptions as sdk_exc

from ironic_openstack_driver import kept_properties
from ironic_openstack_driver.tools import common
from ironic_openstack_driver.tools.common import ToolError

FIRMWARES = ('uefi', 'bios')
#: Ironic's [deploy]default_boot_mode when the conductor's file is not
#: given or does not set it.
IRONIC_DEFAULT_BOOT_MODE = 'uefi'
_FIRMWARE_PROPERTIES = ('hw_firmware_type', 'hw_architecture',
                        'architecture')


def image_firmware(image):
    """The firmware Nova boots a server of this image with, and why.

    :param image: an openstacksdk Image.
    :returns: ('uefi' or 'bios', a phrase naming the property it comes
        from, or its absence).
    """
    return firmware_of({name: common.image_property(image, name)
                        for name in _FIRMWARE_PROPERTIES})


def firmware_of(props):
    """image_firmware() of a dict of image properties."""
    value = props.get('hw_firmware_type')
    if value in FIRMWARES:
        return value, 'hw_firmware_type=%s' % value
    arch = props.get('hw_architecture') or props.get('architecture')
    if arch == 'aarch64':
        return 'uefi', ('no hw_firmware_type and architecture aarch64: '
                        'Nova boots it with UEFI')
    return 'bios', ('no hw_firmware_type: Nova\'s libvirt driver boots it '
                    'with BIOS')


def check_image(report, image, wanted):
    """Refuse an image whose firmware is not ``wanted`` (--firmware).

    Says which firmware the servers of the image get.

    :param wanted: --firmware, or None (any).
    :raises: ToolError naming the image, its property and the fixes.
    """
    firmware, why = image_firmware(image)
    if wanted is None or firmware == wanted:
        report.progress('Image %s (%s): the servers boot with %s firmware '
                        '(%s)' % (image.name, image.id, firmware, why))
        return
    fix = ('use an image with hw_firmware_type=%s%s, or leave out '
           '--firmware to build the servers as the image says' % (
               wanted, ' and hw_machine_type=q35' if wanted == 'uefi'
               else ''))
    if common.image_property(image, 'hw_firmware_type') is None:
        fix += ('; the tool does not change an image\'s firmware: on an '
                'image of your own, openstack image set --property '
                'hw_firmware_type=%s%s %s' % (
                    wanted, ' --property hw_machine_type=q35'
                    if wanted == 'uefi' else '', image.id))
    raise ToolError('image %s (%s) boots with %s firmware (%s), not %s '
                    '(--firmware %s): %s' % (image.name, image.id, firmware,
                                             why, wanted, wanted, fix))


def server_image(conn, server, cache):
    """The server's image in Glance, read once per image, or None.

    None for a volume-backed server and for an image Glance no longer has
    (or does not show the project).

    :param cache: {image ID: image or None}, shared between servers.
    :raises: ToolError naming the server and image when Glance fails.
    """
    image_id = (server.image or {}).get('id')
    if not image_id:
        return None
    if image_id not in cache:
        try:
            cache[image_id] = conn.image.get_image(image_id)
        except sdk_exc.NotFoundException:
            cache[image_id] = None
        except sdk_exc.SDKException as e:
            raise ToolError('server %s: cannot read its image %s: %s' % (
                server.name, image_id, common.describe_error(e)))
    return cache[image_id]


def check_existing(conn, report, servers, wanted):
    """Report each server found already whose firmware is not ``wanted``.

    create-nodes leaves existing servers as they are: a server built from
    an image of the other firmware is reported, not rebuilt.

    :param wanted: --firmware, or None (nothing is read).
    :returns: False when one was reported.
    """
    if wanted is None:
        return True
    ok = True
    cache = {}
    for server in servers:
        try:
            check_server(server, server_image(conn, server, cache), wanted)
        except ToolError as e:
            report.fail('%s. It exists and is left as it is: delete it '
                        '(openstack server delete %s) and run again to have '
                        'it built from --image' % (e, server.id))
            ok = False
    return ok


def server_firmware(server, image):
    """The firmware of a server, and why, as the driver takes it.

    From the properties Nova kept with the server where the read shows
    them (kept_properties.embedded_image_properties, as the
    driver reads them), else from its image in Glance.

    :param image: the server's image in Glance, or None (a volume-backed
        server, or an image Glance no longer has): the driver takes
        those as BIOS.
    """
    image_id = (server.image or {}).get('id')
    kept = (kept_properties.embedded_image_properties(server)
            if image_id else None)
    if kept is not None:
        firmware, why = firmware_of(kept)
        return firmware, 'image %s as Nova kept it for the server: %s' % (
            image_id, why)
    if image is not None:
        firmware, why = image_firmware(image)
        return firmware, 'image %s (%s): %s' % (image.name, image.id, why)
    if not image_id:
        return 'bios', ('volume-backed: its firmware is not read, the '
                        'driver takes it as BIOS')
    return 'bios', ('image %s is not in Glance: the driver takes it as '
                    'BIOS ([openstack]default_boot_mode)' % image_id)


def check_server(server, image, wanted):
    """The server's firmware; refuse one that is not ``wanted``.

    :param wanted: --firmware, or None (any).
    :raises: ToolError naming the server, where its firmware comes from
        and the fixes.
    """
    firmware, why = server_firmware(server, image)
    if wanted is not None and firmware != wanted:
        raise ToolError('server %s (%s) boots with %s firmware (%s), not %s '
                        '(--firmware %s): a server\'s firmware is fixed by '
                        'the image it was built from; select servers built '
                        'from an image with hw_firmware_type=%s, or leave '
                        'out --firmware' % (server.name, server.id,
                                            firmware, why, wanted, wanted,
                                            wanted))
    return firmware


def conductor_default_boot_mode(path):
    """[deploy]default_boot_mode of the conductor's configuration file.

    :param path: the conductor's ironic.conf (--driver-config-file), or
        None: Ironic's default.
    :raises: ToolError naming the file when it cannot be read or the
        value is not a boot mode.
    """
    if not path:
        return IRONIC_DEFAULT_BOOT_MODE
    from oslo_config import cfg

    if not os.path.isfile(path):
        raise ToolError('--driver-config-file %s: no such file' % path)
    opts = cfg.ConfigOpts()
    opts.register_opt(cfg.StrOpt('default_boot_mode', choices=FIRMWARES,
                                 default=IRONIC_DEFAULT_BOOT_MODE),
                      group='deploy')
    try:
        opts(args=[], default_config_files=[path], default_config_dirs=[])
        return opts.deploy.default_boot_mode
    except (cfg.Error, ValueError) as e:
        raise ToolError('--driver-config-file %s: [deploy]default_boot_mode: '
                        '%s' % (path, e))


def capabilities(firmware, default_mode):
    """The node's capabilities string for this firmware, or None.

    :param firmware: the server's firmware.
    :param default_mode: the conductor's [deploy]default_boot_mode.
    """
    if firmware == default_mode:
        return None
    return 'boot_mode:%s' % firmware


def add_argument(p, help_text):
    p.add_argument('--firmware', choices=FIRMWARES, help=help_text)
