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

"""Configuration options of the ``openstack`` hardware type.

They live in the ``[openstack]`` group of ironic.conf. Ironic itself owns the
``[nova]`` group (for its own notifications to Nova), so the host cloud that
plays the bare-metal pool gets a group of its own.
"""

from oslo_config import cfg
from oslo_config import types

from ironic.conf import CONF

GROUP = 'openstack'

#: A physical network name as Ironic's ports take it (up to 64 characters)
#: and as the option's "network:physnet,..." format allows it.
_PHYSNET = types.String(regex=r'^[^\s:,]+$', max_length=64,
                        type_name='physical network name')

PHYSICAL_NETWORKS_OPT = cfg.Opt(
    'physical_networks',
    type=types.Dict(value_type=_PHYSNET),
    default={},
    help='Neutron network of the host cloud (UUID or name) to Ironic '
         'physical_network, as "network:physnet" entries separated by '
         'commas, e.g. "provisioning:physnet1,<uuid>:physnet2". The '
         'inspect interface openstack and ironic-openstack-nodes '
         '(nodes-file, enroll, with --driver-config-file) set it on the '
         'port they create for each NIC of a server on that network; '
         'ports on other networks get no physical_network. An operator '
         'map, because a project member cannot read a network\'s '
         'provider:physical_network. A malformed entry (no ":", an empty '
         'name, a physical network with spaces or over 64 characters) '
         'stops the conductor when it loads the inspect interface '
         'openstack.')

opts = [
    cfg.StrOpt('clouds_yaml',
               help='Path of the clouds.yaml file that holds the host '
                    'clouds named by [openstack]cloud and by the '
                    'driver_info field openstack_cloud. When unset, '
                    'openstacksdk searches its usual places (the '
                    'OS_CLIENT_CONFIG_FILE environment variable, the '
                    'current directory, ~/.config/openstack, '
                    '/etc/openstack).'),
    cfg.StrOpt('cloud',
               help='Name of the clouds.yaml entry used for nodes whose '
                    'driver_info names neither a cloud (openstack_cloud) '
                    'nor inline credentials (openstack_auth_url ...).'),
    cfg.ListOpt('allowed_clouds',
                help='clouds.yaml entries that a node\'s driver_info field '
                     'openstack_cloud may name. Members of a node\'s owner '
                     'project may edit its driver_info: a clouds.yaml entry '
                     'lends them the operator\'s credentials for that '
                     'cloud. Unset: only [openstack]cloud. "*": every '
                     'entry of [openstack]clouds_yaml. Inline credentials '
                     'are bounded by [openstack]allowed_auth_urls '
                     'instead.'),
    cfg.StrOpt('server_binding',
               default='required',
               choices=[('required', 'refuse every action and read of a '
                                     'server whose metadata '
                                     'ironic_node_uuid is not the node\'s '
                                     'UUID'),
                        ('warn', 'drive such a server anyway and log a '
                                 'warning once per node and server: only '
                                 'while marking the servers of nodes '
                                 'enrolled before the binding existed')],
               help='Whether a node may drive only the Nova server marked '
                    'for it. A node\'s owner may edit its driver_info, '
                    'hence openstack_server; the mark (server metadata '
                    'ironic_node_uuid = the node\'s UUID) is set in the '
                    'host cloud, by ironic-openstack-nodes enroll or bind, '
                    'or by hand with openstack server set --property, '
                    'which Ironic\'s API cannot do.'),
    cfg.ListOpt('allowed_auth_urls',
                default=[],
                help='Keystone URLs that inline credentials in a node\'s '
                     'driver_info (openstack_auth_url ...) may name, '
                     'compared without a trailing slash. Empty (the '
                     'default): inline credentials are refused. The '
                     'conductor sends requests to that URL, so a free URL '
                     'would let node owners make it reach any address it '
                     'can reach.'),
    cfg.ListOpt('allowed_regions',
                default=[],
                help='Regions that driver_info openstack_region_name may '
                     'name with a clouds.yaml entry (the operator\'s '
                     'credentials). Empty: none, the entry\'s own region '
                     'is used. "*": any. Inline credentials are not '
                     'affected.'),
    cfg.ListOpt('allowed_cacerts',
                default=[],
                help='CA bundle paths on the conductor that driver_info '
                     'openstack_cacert may name. Empty: none (the field is '
                     'refused). The conductor reads that file, so a free '
                     'path would let node owners probe its file system.'),
    cfg.ListOpt('allowed_rescue_images',
                default=[],
                help='Glance images (names or UUIDs, as driver_info gives '
                     'them) that driver_info openstack_rescue_image may '
                     'name, besides [openstack]rescue_image and '
                     'uefi_rescue_image. "*": any image the host cloud '
                     'project can see, which lets node owners boot their '
                     'servers from any of them, such as other nodes\' '
                     'virtual media ISOs.'),
    cfg.StrOpt('rescue_image',
               help='Glance image (name or UUID) that Nova rescue boots '
                    'when a node whose server boots in BIOS mode has boot '
                    'device PXE: an iPXE image carrying hw_rescue_device '
                    'and/or hw_rescue_bus, so that stable device rescue '
                    'keeps the root disk in place. The driver_info field '
                    'openstack_rescue_image overrides it per node.'),
    cfg.StrOpt('uefi_rescue_image',
               help='Glance image (name or UUID) that Nova rescue boots '
                    'for boot device PXE on servers that boot in UEFI '
                    'mode (hw_firmware_type=uefi on their image). The '
                    'driver_info field openstack_rescue_image overrides '
                    'it per node.'),
    cfg.StrOpt('default_boot_mode',
               default='bios', choices=[('bios', 'legacy BIOS'),
                                        ('uefi', 'UEFI')],
               help='Boot mode assumed for a server whose image shows no '
                    'hw_firmware_type because it cannot be read: it was '
                    'deleted from Glance (or is not visible to the '
                    'project) and Nova does not embed the image properties '
                    'in the server (compute API microversion 2.98 or '
                    'later does). It chooses the rescue image of boot '
                    'device PXE.'),
    cfg.StrOpt('compute_microversion_cap',
               regex=r'^2\.[1-9][0-9]{0,2}$',
               help='Newest Nova (compute) API microversion the driver '
                    'uses, as "2.N" (e.g. 2.60); unset: the newest both '
                    'the host cloud and openstacksdk offer. Below a '
                    'feature\'s microversion the driver does without it '
                    'or refuses what needs it, naming the node, the '
                    'feature and the microversion (doc/source/admin/'
                    'host-cloud-requirements.rst lists them): e.g. below '
                    '2.98 the boot mode comes from the image in Glance, '
                    'below 2.87 a volume-backed server cannot boot PXE or '
                    'CDROM. For a cloud whose newer microversions '
                    'misbehave, and to test the driver as on an older '
                    'cloud. The driver_info field '
                    'openstack_compute_microversion_cap overrides it per '
                    'node.'),
    cfg.IntOpt('api_timeout',
               default=60, min=1, max=3600,
               help='Timeout, in seconds, of each HTTP request to the '
                    'host cloud (Keystone, Nova, Glance).'),
    cfg.IntOpt('connection_pool_size',
               default=0, min=0, max=10000,
               help='HTTP connections to each host of a host cloud (per '
                    'clouds.yaml entry or inline credential set) that the '
                    'conductor keeps open for re-use. Ironic runs up to '
                    '[conductor]workers_pool_size power actions and '
                    '[conductor]sync_power_state_workers power state reads '
                    'at once; openstacksdk keeps 10 by default, beyond which '
                    'each request opens a connection and drops it (urllib3 '
                    'logs "Connection pool is full"). 0: the larger of '
                    'those two Ironic options. Connections are opened only '
                    'when needed: this is an upper bound.'),
    cfg.FloatOpt('server_list_max_age',
                 default=20.0, min=0.0, max=3600.0,
                 help='How long, in seconds, one listing of all servers of a '
                      'cloud may answer the power state reads of Ironic\'s '
                      'periodic power sync, instead of one GET per node. '
                      'Servers the driver acts on are always read fresh. '
                      '0 reads every server on its own.'),
    cfg.FloatOpt('server_list_full_interval',
                 default=300.0, min=0.0, max=86400.0,
                 help='How often, in seconds, the power sync lists all '
                      'servers of a cloud. Between two full listings it '
                      'asks Nova only for the servers that changed since '
                      'the previous listing (changes-since, deleted servers '
                      'included): one request that answers no servers when '
                      'nothing changed. A full listing is also made after '
                      'a failed listing, when Nova\'s clock or the '
                      'conductor\'s jumped, and when the changes fill a '
                      'page. 0 makes every listing a full one.'),
    cfg.FloatOpt('server_list_changes_margin',
                 default=10.0, min=2.0, max=3600.0,
                 help='How far, in seconds, a changes-since listing reaches '
                      'back before Nova\'s time when the previous listing '
                      'was sent (the Date header of its answer less the '
                      'round trip, so that a slow answer misses no server '
                      'saved while Nova built it): it covers clock skew '
                      'between Nova\'s services. After an answer without a '
                      'Date header (the conductor\'s clock stands in for '
                      'Nova\'s) it is at least 120. A clock seen moving by '
                      'more than this between two listings makes the next '
                      'one a full listing. At least 2: the Date header '
                      'counts whole seconds.'),
    cfg.FloatOpt('state_poll_max_interval',
                 default=1.5, min=0.05, max=60.0,
                 help='Longest pause, in seconds, between two reads of a '
                      'server while waiting for Nova to finish a power or '
                      'boot device change. After each Nova action the server '
                      'is read every tenth of a second for about 1.5 s, '
                      'then less often, up to this value. Keep it clear of '
                      'the keep-alive timeout of the web servers in front '
                      'of Nova (2 s for many WSGI servers, 5 s for Apache '
                      'httpd): a pause close to it reuses a pooled '
                      'connection just as the server closes it, and the '
                      'read fails with a reset (a read is tried once more '
                      'then, but each retry costs time). Below it, the '
                      'connection stays open between reads.'),
]

# Console, console log and inspection.
opts += [
    cfg.ListOpt('console_types',
                default=['serial', 'novnc', 'spice-html5'],
                item_type=cfg.types.String(
                    choices=['serial', 'novnc', 'spice-html5', 'rdp-html5',
                             'webmks']),
                help='Nova remote console types that the console interface '
                     'asks for, in order of preference; the first one the '
                     'cloud offers for the server wins. A libvirt cloud '
                     'gives a rescued server (boot device PXE) no serial '
                     'port when its serial console is enabled, so keep a '
                     'graphical type after "serial".'),
    cfg.IntOpt('console_output_lines',
               default=100, min=1, max=10000,
               help='Lines of the Nova console log that the vendor passthru '
                    'method console_output returns when the caller gives '
                    'no "lines".'),
    PHYSICAL_NETWORKS_OPT,
    cfg.StrOpt('default_cpu_arch',
               default='x86_64',
               help='cpu_arch that inspection records when the server\'s '
                    'image has no hw_architecture property (Nova then uses '
                    'the compute host\'s architecture).'),
]

# Boot interface openstack-virtual-media.
opts += [
    cfg.StrOpt('vmedia_rescue_bus',
               default='sata',
               choices=[('sata', 'SATA CD-ROM: boots on machine types pc '
                                 'and q35 (libvirt)'),
                        ('usb', 'USB CD-ROM: boots on pc'),
                        ('ide', 'IDE CD-ROM: pc only; q35 refuses it and '
                                'Nova leaves the server in ERROR'),
                        ('scsi', 'SCSI CD-ROM'),
                        ('virtio', 'virtio (where the firmware boots it)')],
               help='hw_rescue_bus given to the virtual media ISOs that the '
                    'boot interface openstack-virtual-media uploads to '
                    'Glance (with hw_rescue_device=cdrom): the bus of the '
                    'CD-ROM that Nova\'s stable device rescue attaches, '
                    'which the server\'s firmware must boot from.'),
    cfg.StrOpt('vmedia_cache_dir',
               default='$state_path/openstack_vmedia',
               help='Directory where the conductor keeps the virtual media '
                    'ISOs it built, named after the hash of their content '
                    '(kernel, ramdisk, kernel parameters, network_data): '
                    'an ISO whose inputs did not change is neither rebuilt '
                    'nor, while its Glance image exists, uploaded again. '
                    'One ISO per node and mode is kept; losing the '
                    'directory only costs a rebuild. Agent ISOs carry '
                    'the agent\'s token: the directory and its files are '
                    'readable by the conductor\'s user only.'),
    cfg.IntOpt('vmedia_cache_max_size',
               default=10240, min=0, max=1048576,
               help='Size bound, in MiB, of [openstack]vmedia_cache_dir. '
                    'Beyond it the least recently used ISOs are removed '
                    '(after each build and by the clean-up periodic task), '
                    'except those used in the last 10 minutes, which an '
                    'upload may still read. 0 keeps an ISO only for those '
                    '10 minutes.'),
    cfg.IntOpt('vmedia_cleanup_interval',
               default=600, min=0, max=86400,
               help='Interval, in seconds, of the periodic task of the '
                    'boot interface openstack-virtual-media that removes '
                    'what deleted nodes left behind (their ISOs in Glance '
                    'and in [openstack]vmedia_cache_dir; their servers '
                    'left rescued with the agent are unrescued and '
                    'stopped) and the ISOs in Glance of nodes that no '
                    'longer boot them. 0 disables the task.'),
]

# What the conductor keeps in memory (caches.py).
opts += [
    cfg.IntOpt('cache_max_clouds',
               default=64, min=1, max=100000,
               help='How many host clouds (clouds.yaml entries or inline '
                    'credential sets) the conductor keeps state for in '
                    'memory: open connections (each with its Keystone '
                    'token), listings of all servers (see '
                    '[openstack]server_list_max_age), and the clouds it '
                    'uploaded virtual media ISOs to (the clean-up periodic '
                    'task looks there for ISOs of deleted nodes). Beyond '
                    'it, the least recently used cloud is forgotten by '
                    'each of them, and opened or listed again when a node '
                    'needs it.'),
    cfg.IntOpt('cache_max_entries',
               default=20000, min=1, max=10000000,
               help='How many entries each per-server memory of the '
                    'conductor keeps: the server UUIDs that server names '
                    'stood for and the image properties of servers (which '
                    'save Nova and Glance requests), the servers acted on '
                    'since a listing began (read fresh instead of from '
                    'it), and the warnings already logged once. Beyond '
                    'it, the least recently used entry is forgotten and '
                    'looked up again when needed. Above the number of '
                    'nodes the conductor drives, no look-up is repeated.'),
]

CONF.register_opts(opts, group=GROUP)


def physical_networks(conf=None):
    """[openstack]physical_networks, checked.

    :param conf: the oslo.config object to read (default: Ironic's CONF).
        ironic-openstack-nodes reads the option from a file of its own.
    :returns: {network UUID or name: physical network}.
    :raises: ValueError naming the option and what is wrong with it.
    """
    conf = CONF if conf is None else conf
    try:
        return dict(conf[GROUP].physical_networks)
    except (cfg.ConfigFileValueError, ValueError) as e:
        raise ValueError('[%s]physical_networks: expected '
                         '"network:physnet" entries separated by commas: '
                         '%s' % (GROUP, e))


def list_opts():
    """Options of this package, for oslo-config-generator."""
    return [(GROUP, opts)]
