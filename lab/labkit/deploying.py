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

"""The real mode's deploying Ironic: its settings and its base objects.

In the real-virtualisation mode Ironic boots its agent through iPXE, cleans
(metadata erase), deploys (``direct``, and ``ramdisk``) and boots nodes
from disk; with ``up --fast-track`` (or ``$IOS_LAB_FAST_TRACK=1``) through
Ironic's fast track, one agent boot for a cleaning and the deploy after
it. This module holds what that mode adds to the shared lab:

* ``ironic_conf`` - ironic.conf settings of a deploying Ironic (merged over
  the shared ones by ``configs.ironic``);
* ``provision`` - the node flavor (the networks are the network
  backend's, ``network.bridge``);
* ``status_fields`` - what a client needs to deploy (``status --json``).
"""

import os

from labkit import settings as s

#: RAM of a node server: the agent's ramdisk is unpacked into it.
DEPLOY_FLAVOR_RAM_MB = 2048
#: IPA ignores disks under 4 GiB when it picks the root device.
DEPLOY_FLAVOR_DISK_GB = 5
#: Kernel command line of the agent: its console on the serial port, so
#: Nova's console log shows the agent's boot.
KERNEL_APPEND = ('nofb nomodeset console=tty0 console=ttyS0,115200n8 '
                 'ipa-debug=1')
ISOLINUX_BIN = '/usr/lib/ISOLINUX/isolinux.bin'
#: [deploy]fast_track_timeout with fast track on: Ironic's maximum (and
#: default). The agent heartbeats every 0.3 to 0.6 of Ironic's
#: [api]ramdisk_heartbeat_timeout (300 s, unset here: 90 to 180 s), so an
#: idle agent of an available node stays "alive" between two heartbeats;
#: Ironic asks for no more than ramdisk_heartbeat_timeout.
FAST_TRACK_TIMEOUT = 300


def ironic_conf(p, images, fast_track=False):
    """ironic.conf sections of a deploying Ironic.

    :param p: the lab's paths.
    :param images: ``labkit.images.ensure_all``'s result.
    :param fast_track: Ironic's [deploy]fast_track (``up --fast-track``):
        the agent a cleaning booted runs on in Nova's rescue and serves
        the deploy right after it (one agent boot for both).
    """
    d = p.data_of('ironic')
    conf = {
        'DEFAULT': {
            'enabled_boot_interfaces': 'ipxe,pxe,openstack-virtual-media,'
                                       'fake',
            'default_boot_interface': 'ipxe',
            # Debian's isolinux package (virtual media ISOs).
            'isolinux_bin': ISOLINUX_BIN,
            'enabled_deploy_interfaces': 'direct,ramdisk,fake',
            'default_deploy_interface': 'direct',
            # Ironic's agent rescue (the ramdisk starts sshd for the rescue
            # user); no-rescue stays every node's default, as in Ironic.
            'enabled_rescue_interfaces': 'no-rescue,agent',
        },
        # The agent calls Ironic's API from the provisioning bridge; the
        # namespace has no other non-loopback address.
        'api': {'host_ip': '0.0.0.0'},
        'service_catalog': {
            'endpoint_override': 'http://%s:%d' % (s.BRIDGE_IP,
                                                   s.PORTS['ironic'])},
        'conductor': {
            'automated_clean': True,
            'deploy_kernel': 'file://' + images['deploy_kernel'],
            'deploy_ramdisk': 'file://' + images['deploy_ramdisk'],
            # The rescue boots the same agent ramdisk.
            'rescue_kernel': 'file://' + images['deploy_kernel'],
            'rescue_ramdisk': 'file://' + images['deploy_ramdisk'],
            'deploy_callback_timeout': 1800,
            'clean_callback_timeout': 1800,
            # Ironic refuses file:// images outside these directories.
            'file_url_allowed_paths': ','.join(sorted({
                os.path.dirname(images['deploy_kernel']),
                os.path.dirname(images['deploy_ramdisk'])})),
        },
        'deploy': {
            'http_url': s.boot_url(),
            'http_root': os.path.join(d, 'httpboot'),
            'erase_devices_priority': 0,
            'erase_devices_metadata_priority': 10,
            'fast_track': bool(fast_track),
        },
        'pxe': {'kernel_append_params': KERNEL_APPEND},
        'openstack': {'vmedia_cache_dir': os.path.join(d, 'vmedia')},
        'agent': {
            'deploy_logs_collect': 'never',
            # The agent powers the guest off in-band; libvirt tells Nova
            # ~15 s later. Ironic polls this many times, 5 s apart.
            'post_deploy_get_power_state_retries': 12,
        },
    }
    if fast_track:
        conf['deploy']['fast_track_timeout'] = FAST_TRACK_TIMEOUT
    return conf


#: The images the HTTP boot server serves under /lab-images/.
PUBLISHED = ('instance_image', 'instance_image_qcow2',
             'instance_image_uefi', 'deploy_kernel', 'deploy_ramdisk')


def published_url(images, key):
    """The HTTP URL of one of :data:`PUBLISHED`."""
    return s.boot_url('/lab-images/' + os.path.basename(images[key]))


def publish_images(p, images):
    """Let the HTTP boot server serve the lab's images (symlinks)."""
    root = os.path.join(p.data_of('ironic'), 'httpboot', 'lab-images')
    os.makedirs(root, exist_ok=True)
    for key in PUBLISHED:
        link = os.path.join(root, os.path.basename(images[key]))
        if os.path.realpath(link) != images[key]:
            if os.path.lexists(link):
                os.unlink(link)
            os.symlink(images[key], link)


def provision(sess):
    """The node flavor; returns its ID."""
    nova = s.url('nova-api', '/v2.1')
    flavor = None
    for item in sess.get(nova + '/flavors?is_public=None')['flavors']:
        if item['name'] == s.DEPLOY_FLAVOR_NAME:
            flavor = item['id']
    if flavor is None:
        flavor = sess.post(nova + '/flavors', {'flavor': {
            'name': s.DEPLOY_FLAVOR_NAME, 'ram': DEPLOY_FLAVOR_RAM_MB,
            'vcpus': 1, 'disk': DEPLOY_FLAVOR_DISK_GB,
            'os-flavor-access:is_public': True}})['flavor']['id']
    return flavor


def status_fields(images, namespace_prefix):
    """What a client needs to deploy a node of the real-mode lab."""
    return {
        'deploy_kernel': 'file://' + images['deploy_kernel'],
        'deploy_ramdisk': 'file://' + images['deploy_ramdisk'],
        # The same over HTTP: Ironic 39 cannot take a file:// image_source
        # for a ramdisk deploy (is_source_a_path expects an HTTP answer).
        'deploy_kernel_url': published_url(images, 'deploy_kernel'),
        'deploy_ramdisk_url': published_url(images, 'deploy_ramdisk'),
        'instance_image': published_url(images, 'instance_image'),
        'instance_image_checksum': images['instance_image_checksum'],
        'instance_image_qcow2': published_url(images,
                                              'instance_image_qcow2'),
        'instance_image_qcow2_checksum': images[
            'instance_image_qcow2_checksum'],
        'instance_image_uefi': published_url(images, 'instance_image_uefi'),
        'instance_image_uefi_checksum': images[
            'instance_image_uefi_checksum'],
        'instance_marker': images['instance_marker'],
        'provisioning_network': s.PROVISIONING_NETWORK,
        'vmedia_network': s.VMEDIA_NETWORK,
        'vmedia_mac_prefix': s.VMEDIA_MAC_PREFIX,
        'flavor': s.DEPLOY_FLAVOR_NAME,
        'exec_prefix': namespace_prefix,
    }
