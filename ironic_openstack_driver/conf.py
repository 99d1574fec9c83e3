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

from ironic.conf import CONF

GROUP = 'openstack'

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
    cfg.IntOpt('api_timeout',
               default=60, min=1, max=3600,
               help='Timeout, in seconds, of each HTTP request to the '
                    'host cloud (Keystone, Nova, Glance).'),
    cfg.FloatOpt('server_list_max_age',
                 default=20.0, min=0.0, max=3600.0,
                 help='How long, in seconds, one listing of all servers of a '
                      'cloud may answer the power state reads of Ironic\'s '
                      'periodic power sync, instead of one GET per node. '
                      'Servers the driver acts on are always read fresh. '
                      '0 reads every server on its own.'),
    cfg.FloatOpt('state_poll_max_interval',
                 default=2.0, min=0.05, max=60.0,
                 help='Longest pause, in seconds, between two reads of a '
                      'server while waiting for Nova to finish a power or '
                      'boot device change. After each Nova action the server '
                      'is read every tenth of a second for about 1.5 s, '
                      'then less often, up to this value.'),
]

CONF.register_opts(opts, group=GROUP)


def list_opts():
    """Options of this package, for oslo-config-generator."""
    return [(GROUP, opts)]
