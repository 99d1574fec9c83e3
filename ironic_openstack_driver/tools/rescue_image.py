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

"""rescue-image: the iPXE image that Nova rescue boots as boot device PXE.

Debian's ``ipxe`` package ships /usr/lib/ipxe/ipxe.iso, a hybrid ISO whose
El Torito catalog has both a BIOS and an EFI boot entry: the same file
serves BIOS servers and, uploaded with UEFI properties, UEFI servers. The
package's ipxe.efi is an EFI application, not a disk: Nova cannot boot it
as a rescue device, so it is refused with an explanation.
"""

import hashlib
import os
import struct

from openstack import exceptions as sdk_exc

from ironic_openstack_driver.tools import common
from ironic_openstack_driver.tools.common import ToolError

DEBIAN_IPXE_ISO = '/usr/lib/ipxe/ipxe.iso'
DEFAULT_NAME = 'ipxe-rescue'
DEFAULT_UEFI_NAME = 'ipxe-rescue-uefi'
DEFAULT_SHUTDOWN_TIMEOUT = 5
UPLOAD_TIMEOUT = 600

ISO_SECTOR = 2048
# El Torito platform IDs.
_PLATFORMS = {0x00: 'bios', 0xEF: 'uefi'}
# Glance statuses of an image left behind by an earlier failed upload.
_LEFTOVER_STATUSES = ('queued', 'killed')


def _read_at(f, offset, size):
    f.seek(offset)
    return f.read(size)


def inspect_file(path):
    """What a file is, for Nova: ('iso', {'bios', 'uefi'}), ('efi', ...).

    :returns: a (kind, platforms) tuple: kind is 'iso' (ISO 9660; platforms
        are the firmwares its El Torito catalog boots), 'efi' (a bare EFI
        application) or 'raw' (anything else, taken as a disk image).
    """
    with open(path, 'rb') as f:
        head = f.read(2)
        if _read_at(f, 16 * ISO_SECTOR + 1, 5) != b'CD001':
            if head == b'MZ':
                return 'efi', set()
            return 'raw', set()
        platforms = set()
        # Volume descriptors start at sector 16; the boot record (type 0)
        # holds the catalog's sector.
        for sector in range(16, 32):
            vd = _read_at(f, sector * ISO_SECTOR, ISO_SECTOR)
            if len(vd) < ISO_SECTOR or vd[0] == 255:
                break
            if vd[0] == 0 and vd[7:30] == b'EL TORITO SPECIFICATION':
                catalog = struct.unpack('<I', vd[0x47:0x4B])[0]
                entries = _read_at(f, catalog * ISO_SECTOR, ISO_SECTOR)
                platform = entries[1]        # validation entry
                for i in range(0, len(entries) - 31, 32):
                    entry = entries[i:i + 32]
                    if entry[0] in (0x90, 0x91):     # section header
                        platform = entry[1]
                    elif entry[0] == 0x88 and platform in _PLATFORMS:
                        platforms.add(_PLATFORMS[platform])
                break
        return 'iso', platforms


def file_hashes(path):
    """(md5, sha512) hex digests of a file: Glance's checksum and hash."""
    md5 = hashlib.md5(usedforsecurity=False)
    sha512 = hashlib.sha512()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            md5.update(chunk)
            sha512.update(chunk)
    return md5.hexdigest(), sha512.hexdigest()


def image_properties(kind, uefi, shutdown_timeout):
    """The Glance properties of a rescue image.

    Stable device rescue (hw_rescue_device/hw_rescue_bus) keeps the
    server's own disks in place and boots the rescue device first. SATA
    suits a CD-ROM on both machine types; q35 is what UEFI (OVMF) wants.
    iPXE ignores ACPI, so a short os_shutdown_timeout saves Nova's default
    60 s wait on every power off of a rescued server.
    """
    props = {
        'hw_rescue_device': 'cdrom' if kind == 'iso' else 'disk',
        'hw_rescue_bus': 'sata' if kind == 'iso' else 'virtio',
        'os_shutdown_timeout': str(shutdown_timeout),
        'hw_firmware_type': 'uefi' if uefi else 'bios',
    }
    if uefi:
        props['hw_machine_type'] = 'q35'
    return props


def _check_file(path, uefi):
    if not os.path.isfile(path):
        hint = (' (install Debian\'s ipxe package: apt-get install ipxe)'
                if path == DEBIAN_IPXE_ISO else '')
        raise ToolError('--file %s: no such file%s' % (path, hint))
    try:
        kind, platforms = inspect_file(path)
    except OSError as e:
        raise ToolError('--file %s: cannot read it: %s' % (path, e))
    if kind == 'efi':
        raise ToolError(
            '--file %s is an EFI application, not a bootable disk: Nova '
            'rescue boots disks and ISOs. Use %s, whose El Torito catalog '
            'has an EFI entry, with --uefi' % (path, DEBIAN_IPXE_ISO))
    wanted = 'uefi' if uefi else 'bios'
    if kind == 'iso' and wanted not in platforms:
        raise ToolError('--file %s: the ISO has no %s boot entry (it boots: '
                        '%s)%s' % (path, wanted.upper(),
                                   ', '.join(sorted(platforms)) or 'nothing',
                                   '' if uefi else '; add --uefi?'))
    return kind


def _hash_matches(image, md5, sha512):
    if image.hash_algo == 'sha512' and image.hash_value:
        return image.hash_value == sha512
    return image.checksum == md5


def ensure_rescue_image(conn, report, path=DEBIAN_IPXE_ISO, name=None,
                        uefi=False, shutdown_timeout=DEFAULT_SHUTDOWN_TIMEOUT,
                        visibility=None):
    """Find or upload the rescue image; fix its properties.

    :returns: the Glance image.
    :raises: ToolError, after reporting what exists.
    """
    name = name or (DEFAULT_UEFI_NAME if uefi else DEFAULT_NAME)
    kind = _check_file(path, uefi)
    props = image_properties(kind, uefi, shutdown_timeout)
    report.progress('Hashing %s ...' % path)
    md5, sha512 = file_hashes(path)

    try:
        existing = list(conn.image.images(name=name))
    except sdk_exc.SDKException as e:
        raise ToolError('cannot list Glance images named "%s": %s'
                        % (name, common.describe_error(e)))
    found = None
    for image in existing:
        if image.status == 'active' and _hash_matches(image, md5, sha512):
            found = found or image
        elif image.status in _LEFTOVER_STATUSES:
            report.progress('Deleting image %s (%s, status %s): left by an '
                            'earlier upload that failed'
                            % (name, image.id, image.status))
            try:
                conn.image.delete_image(image, ignore_missing=True)
            except sdk_exc.SDKException as e:
                raise ToolError('cannot delete the leftover image %s (%s): '
                                '%s' % (name, image.id,
                                        common.describe_error(e)))
        elif image.status != 'active':
            raise ToolError('image %s (%s) is in status %s (another upload '
                            'running?): wait for it, or delete it'
                            % (name, image.id, image.status))
    if found is None:
        others = [i for i in existing if i.status == 'active']
        if others:
            raise ToolError(
                'image "%s" exists (%s) with other content than %s: delete '
                'it, or choose another --name'
                % (name, ', '.join(i.id for i in others), path))

    if found is not None:
        changes = {key: value for key, value in props.items()
                   if common.image_property(found, key) != value}
        if visibility and found.visibility != visibility:
            changes['visibility'] = visibility
        if changes:
            report.progress('Setting %s on image %s (%s)' % (
                ', '.join('%s=%s' % kv for kv in sorted(changes.items())),
                name, found.id))
            try:
                # By ID: a patch computed against the fetched image would
                # carry read-only fields that Glance refuses (409).
                conn.image.update_image(found.id, **changes)
            except sdk_exc.SDKException as e:
                raise ToolError('image %s (%s) exists, but setting %s '
                                'failed: %s%s' % (
                                    name, found.id,
                                    ', '.join(sorted(changes)),
                                    common.describe_error(e),
                                    _refusal_hint(e, changes.get(
                                        'visibility'), found.id)))
            report.add(name, found.id, 'updated', props['hw_firmware_type'],
                       path)
        else:
            report.add(name, found.id, 'exists', props['hw_firmware_type'],
                       path)
        return found

    report.progress('Uploading %s to Glance as image "%s" (%s) ...'
                    % (path, name, ', '.join(
                        '%s=%s' % kv for kv in sorted(props.items()))))
    extra = {'visibility': visibility} if visibility else {}
    try:
        image = conn.image.create_image(
            name, filename=path, disk_format=kind, container_format='bare',
            disable_vendor_agent=False, allow_duplicates=True,
            wait=True, timeout=UPLOAD_TIMEOUT, validate_checksum=True,
            **dict(props, **extra))
    except sdk_exc.SDKException as e:
        left = _leftovers(conn, name)
        raise ToolError('upload of %s as image "%s" failed: %s%s. %s'
                        % (path, name, common.describe_error(e),
                           _refusal_hint(e, visibility), left))
    report.add(name, image.id, 'created', props['hw_firmware_type'], path)
    return image


def _refusal_hint(exc, visibility, image_id=None):
    """What to do when Glance refused a public image, or ''.

    By Glance's default policy only an admin may make an image public
    (rule publicize_image); a member may make it private, shared or
    community (communitize_image).
    """
    if visibility != 'public' or not (
            isinstance(exc, sdk_exc.HttpException)
            and exc.status_code == 403):
        return ''
    return ('. By Glance\'s default policy only an admin may make an image '
            'public (rule publicize_image): leave --visibility out (a '
            'private image serves the nodes whose cloud credentials are of '
            'your project), use --visibility community (any project may '
            'boot it), or ask the cloud\'s admin to run '
            'openstack image set --public %s' % (image_id or 'IMAGE'))


def _leftovers(conn, name):
    try:
        images = [i for i in conn.image.images(name=name)
                  if i.status != 'active']
    except sdk_exc.SDKException:
        return 'Could not check for a leftover image named "%s".' % name
    if not images:
        return 'No image named "%s" was left behind.' % name
    return ('Left behind: %s; the next run deletes them.'
            % ', '.join('%s (status %s)' % (i.id, i.status) for i in images))


def run(conn, args, report):
    image = ensure_rescue_image(
        conn, report, path=args.file, name=args.name, uefi=args.uefi,
        shutdown_timeout=args.shutdown_timeout, visibility=args.visibility)
    report.table(stream=report.err)
    report.progress('Rescue image ID (for [openstack]%s or driver_info '
                    'openstack_rescue_image):' % (
                        'uefi_rescue_image' if args.uefi
                        else 'rescue_image'))
    print(image.id, file=report.out)
    return 0


COLUMNS = ('Image', 'ID', 'Result', 'Firmware', 'File')


def add_parser(subparsers):
    p = subparsers.add_parser(
        'rescue-image',
        help='put the iPXE rescue image into Glance; print its ID',
        description='Upload an iPXE boot image to Glance as the image Nova '
                    'rescue boots for boot device PXE, with the properties '
                    'stable device rescue needs (hw_rescue_device, '
                    'hw_rescue_bus), a short os_shutdown_timeout, and '
                    'hw_firmware_type/hw_machine_type for UEFI. A second '
                    'run finds the image (same name and content) and only '
                    'fixes its properties. Prints the image ID on stdout.')
    p.add_argument('--file', default=DEBIAN_IPXE_ISO,
                   help='the boot image: an ISO or a raw disk image '
                        '(default: %(default)s from Debian\'s ipxe package, '
                        'a hybrid ISO that boots BIOS and UEFI)')
    p.add_argument('--uefi', action='store_true',
                   help='the UEFI variant: hw_firmware_type=uefi, '
                        'hw_machine_type=q35 (default name %s)'
                        % DEFAULT_UEFI_NAME)
    p.add_argument('--name',
                   help='Glance image name (default: %s, or %s with --uefi)'
                        % (DEFAULT_NAME, DEFAULT_UEFI_NAME))
    p.add_argument('--shutdown-timeout', type=int,
                   default=DEFAULT_SHUTDOWN_TIMEOUT, metavar='SECONDS',
                   help='os_shutdown_timeout: how long Nova waits for the '
                        'guest to power off before forcing it (iPXE ignores '
                        'ACPI; default %(default)s)')
    p.add_argument('--visibility',
                   choices=('private', 'shared', 'community', 'public'),
                   help='Glance visibility (default: Glance\'s; public '
                        'usually needs an admin)')
    p.set_defaults(func=run, columns=COLUMNS, needs=('cloud',))
    return p
