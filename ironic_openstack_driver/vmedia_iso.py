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

"""Build a node's virtual media ISO, once per content.

Ironic's own virtual media helpers (image_utils.prepare_deploy_iso) refuse
hardware types other than redfish and idrac, so this module uses the
lower-level functions of ironic.common.images: it fetches the kernel and
ramdisk, and builds a bootable ISO (isolinux for BIOS, an EFI system
partition for UEFI) whose kernel command line carries the agent's
parameters and whose file system carries the node's ``network_data`` as
``openstack/latest/network_data.json``: with that file the ISO's label is
``config-2``, a config drive that glean in the agent's ramdisk reads to
configure the network statically.

The ISO is named after a hash of everything that goes into it (kernel,
ramdisk, command line, injected files, boot mode) and kept in
[openstack]vmedia_cache_dir (vmedia_cache: readable by the conductor's user
only, bounded in size): the same inputs find the ISO built before and
nothing is rebuilt. An agent ISO's command line carries the agent token
that the boot interface pre-generates for each boot (as Ironic's redfish
virtual media does), so each agent boot gets an ISO of its own; a ramdisk
deploy's ISO has none and is built once. No random publisher ID goes in,
or no two builds would ever be the same.
"""

import hashlib
import json
import os
import tempfile

from oslo_log import log

from ironic.common import exception
from ironic.common.i18n import _
from ironic.common import images
from ironic.conf import CONF as IRONIC_CONF
from ironic.drivers import utils as driver_utils

from ironic_openstack_driver import vmedia_cache

LOG = log.getLogger(__name__)

#: Part of every content key: change it when the ISO layout changes.
LAYOUT = 'openstack-vmedia-1'
NETWORK_DATA_PATH = 'openstack/latest/network_data.json'
CHUNK = 1024 * 1024


def file_sha256(path):
    """sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(CHUNK), b''):
            digest.update(chunk)
    return digest.hexdigest()


def kernel_command_line(node, params, extra=()):
    """The agent's kernel command line: append params, then ``params``.

    :param params: ramdisk parameters (name -> value; a value of None or
        '' gives the bare name).
    :param extra: more words, after the append params.
    """
    append = driver_utils.get_kernel_append_params(
        node, default=IRONIC_CONF.pxe.kernel_append_params) or ''
    words = [append.strip()] if append.strip() else []
    words += list(extra)
    for key in sorted(params):
        value = params[key]
        words.append(key if value in (None, '') else '%s=%s' % (key, value))
    return ' '.join(words)


#: Name the agent's interface gets from ``ifname=`` (by its MAC).
KERNEL_IFNAME = 'ironic0'


def network_kernel_params(network_data):
    """``ifname=``/``ip=``/``nameserver=`` words for a node's network_data.

    The first IPv4 network with a static address on a physical link with a
    MAC, in the kernel command line format that systemd-network-generator
    (and dracut) turn into a static configuration. An agent ramdisk whose
    glean cannot apply the config drive (Debian ramdisks without
    /etc/network/interfaces.d, the lab's among them) still comes up with
    the node's address this way. Empty when there is no such network.
    """
    if not network_data:
        return []
    macs = {link.get('id'): link.get('ethernet_mac_address')
            for link in network_data.get('links') or ()
            if link.get('ethernet_mac_address')}
    for net in network_data.get('networks') or ():
        mac = macs.get(net.get('link'))
        if net.get('type') != 'ipv4' or not mac or not net.get(
                'ip_address') or not net.get('netmask'):
            continue
        gateway = ''
        for route in net.get('routes') or ():
            if route.get('network') == '0.0.0.0':
                gateway = route.get('gateway') or ''
        words = ['ifname=%s:%s' % (KERNEL_IFNAME, mac.lower()),
                 'ip=%s::%s:%s::%s:none' % (net['ip_address'], gateway,
                                            net['netmask'], KERNEL_IFNAME)]
        words += ['nameserver=%s' % service['address']
                  for service in network_data.get('services') or ()
                  if service.get('type') == 'dns'
                  and ':' not in service.get('address', '')]
        return words
    return []


def network_data_files(network_data):
    """Files to inject for a node's network_data (empty when it has none)."""
    if not network_data:
        return {}
    return {json.dumps(network_data, indent=2, sort_keys=True).encode():
            NETWORK_DATA_PATH}


def content_key(boot_mode, kernel_path, ramdisk_path, cmdline, inject,
                esp_path=None):
    """Hash of everything an ISO is built from (hex sha256)."""
    digest = hashlib.sha256()
    parts = [LAYOUT, boot_mode, file_sha256(kernel_path),
             file_sha256(ramdisk_path), cmdline,
             file_sha256(esp_path) if esp_path else '']
    for source, target in sorted(inject.items(), key=lambda i: i[1]):
        content = (hashlib.sha256(source).hexdigest()
                   if isinstance(source, bytes) else file_sha256(source))
        parts += [target, content]
    for part in parts:
        digest.update(part.encode())
        digest.update(b'\0')
    return digest.hexdigest()


def _forget_older(cache_dir, prefix, keep):
    for name in os.listdir(cache_dir):
        if name.startswith(prefix) and name != keep:
            try:
                os.unlink(os.path.join(cache_dir, name))
            except FileNotFoundError:
                pass


def build(task, label, kernel_href, ramdisk_href, cmdline, inject,
          boot_mode, esp_href=None):
    """The node's ISO for these inputs: found in the cache, or built.

    :param task: the task of the node.
    :param label: 'deploy', 'rescue' or 'instance': part of the file name.
    :param kernel_href: kernel URL or Glance UUID (Ironic's image service).
    :param ramdisk_href: ramdisk URL or Glance UUID.
    :param cmdline: the kernel command line.
    :param inject: files to add (local path or bytes -> path on the ISO).
    :param boot_mode: 'bios' or 'uefi'.
    :param esp_href: EFI system partition image (UEFI only).
    :returns: (path of the ISO, content key).
    :raises: ImageCreationFailed, ImageDownloadFailed,
        MissingParameterValue (UEFI without an ESP image).
    """
    node = task.node
    cache_dir = vmedia_cache.cache_dir()
    prefix = '%s-%s-' % (node.uuid, label)
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        kernel = os.path.join(tmp, 'kernel')
        ramdisk = os.path.join(tmp, 'ramdisk')
        images.fetch(task.context, kernel_href, kernel)
        images.fetch(task.context, ramdisk_href, ramdisk)
        esp = None
        if boot_mode == 'uefi':
            esp = _esp_image(task, tmp, esp_href)
        key = content_key(boot_mode, kernel, ramdisk, cmdline, inject, esp)
        name = '%s%s.iso' % (prefix, key)
        path = os.path.join(cache_dir, name)
        if vmedia_cache.used(path):
            LOG.debug('Node %(node)s: %(label)s ISO %(key)s is cached; not '
                      'rebuilt', {'node': node.uuid, 'label': label,
                                  'key': key})
            return path, key
        partial = os.path.join(tmp, 'boot.iso')
        if boot_mode == 'uefi':
            images.create_esp_image_for_uefi(
                partial, kernel, ramdisk, esp_image=esp,
                kernel_cmd_line=cmdline, inject_files=inject)
        else:
            images.create_isolinux_image_for_bios(
                partial, kernel, ramdisk, kernel_cmd_line=cmdline,
                inject_files=inject)
        # An agent ISO carries the agent's token.
        os.chmod(partial, 0o600)
        os.replace(partial, path)
    _forget_older(cache_dir, prefix, name)
    vmedia_cache.enforce_bound()
    LOG.info('Node %(node)s: built %(label)s ISO %(key)s (%(mode)s, '
             '%(size)d bytes)', {'node': node.uuid, 'label': label,
                                 'key': key, 'mode': boot_mode,
                                 'size': os.path.getsize(path)})
    return path, key


def _esp_image(task, tmp, esp_href):
    href = (esp_href
            or driver_utils.get_field(task.node, 'bootloader', use_conf=True))
    if href:
        path = os.path.join(tmp, 'esp')
        images.fetch(task.context, href, path)
        return path
    if IRONIC_CONF.esp_image:
        return IRONIC_CONF.esp_image
    raise exception.MissingParameterValue(
        _('Node %s: a UEFI virtual media ISO needs an EFI system partition '
          'image: set driver_info bootloader, [conductor]bootloader or '
          '[DEFAULT]esp_image.') % task.node.uuid)


def fetch_iso(task, label, href):
    """A ready-made ISO (a ramdisk deploy's boot_iso), cached by content.

    :returns: (path of the ISO, content key).
    """
    node = task.node
    cache_dir = vmedia_cache.cache_dir()
    prefix = '%s-%s-' % (node.uuid, label)
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        partial = os.path.join(tmp, 'boot.iso')
        images.fetch(task.context, href, partial)
        key = hashlib.sha256(
            ('%s\0iso\0%s' % (LAYOUT, file_sha256(partial))).encode()
        ).hexdigest()
        name = '%s%s.iso' % (prefix, key)
        os.replace(partial, os.path.join(cache_dir, name))
    _forget_older(cache_dir, prefix, name)
    vmedia_cache.enforce_bound()
    return os.path.join(cache_dir, name), key
