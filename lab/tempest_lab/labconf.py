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

"""tempest.conf for the real-virtualisation lab (pure; no I/O, no tempest).

``render(conf)`` turns ``sections(status, driver, admin, ...)`` into the
file's text. Its inputs:

* ``status``: ``labctl status --json`` of a real-mode lab (Keystone URL,
  state dir, image URLs and checksum, deploy kernel/ramdisk, provisioning
  network, exec_prefix, the clouds.yaml and the cloud of the user who
  owns the nodes' servers);
* ``driver``: Ironic's ``GET /v1/drivers/openstack?detail=True``, so the
  enabled interfaces tempest is told about are the ones Ironic really
  enables for the hardware type (a test that needs another one is skipped
  by upstream's skip_checks, with the list in its reason);
* ``admin``: the project admin's auth from the lab's clouds.yaml (tempest
  makes its own users and projects with it).
"""

import os

#: Seconds: a deploy or a cleaning boots the agent under QEMU emulation
#: (2-5 min on the project's 2-core machine) and writes the image.
TIMEOUTS = {
    'active_timeout': 2400,
    'deploywait_timeout': 60,
    'unprovision_timeout': 2400,
    'association_timeout': 3600,
    'power_timeout': 300,
    'rescue_timeout': 2400,
    'unrescue_timeout': 1200,
}
#: The lab's dnsmasq: dhcp-range ... 1h (lab/labkit/network/bridge.py).
LEASE_SECONDS = 3600
INTERFACE_TYPES = ('bios', 'boot', 'console', 'deploy', 'inspect',
                   'management', 'power', 'raid', 'rescue', 'vendor')
#: Fields of ``status --json`` without which no deploy can be tested.
REQUIRED_STATUS = ('keystone_url', 'state_dir', 'instance_image_qcow2',
                   'instance_image_qcow2_checksum', 'deploy_kernel_url',
                   'deploy_ramdisk_url', 'provisioning_network',
                   'clouds_yaml', 'cloud')
#: What the lab's instance image prints on ttyS0 once booted from its
#: disk (lab/labkit/images/instance.py, MARKER).
INSTANCE_CONSOLE_LINE = 'IOS-LAB-INSTANCE booted from disk'


class LabConfigError(ValueError):
    """The lab's status or Ironic's answer lacks what tempest.conf needs."""


def _require(mapping, keys, what):
    missing = [k for k in keys if not mapping.get(k)]
    if missing:
        raise LabConfigError('%s lacks %s' % (what, ', '.join(missing)))


def sections(status, driver, admin, hardware_type='openstack',
             region='RegionOne', node_name_prefix=''):
    """tempest.conf as {section: {option: value}}.

    :param status: the lab's ``status --json`` (a real mode).
    :param driver: Ironic's detailed view of the hardware type.
    :param admin: clouds.yaml ``auth`` of the project admin (username,
        password, project_name, user_domain_name, project_domain_name).
    :param hardware_type: the hardware type the tests use.
    :param region: the cloud's region.
    :param node_name_prefix: only nodes named so are used by the tests.
    :raises: LabConfigError naming the missing field.
    """
    _require(status, REQUIRED_STATUS, 'the lab status (labctl status --json)')
    if not status.get('exec_prefix'):
        raise LabConfigError('the lab status has no exec_prefix: the lab '
                             'does not run in a real mode (virt %s)'
                             % status.get('virt'))
    _require(admin, ('username', 'password', 'project_name'),
             'the project admin entry of clouds.yaml')
    if driver.get('name') != hardware_type:
        raise LabConfigError('Ironic answered for driver %r, not %r' % (
            driver.get('name'), hardware_type))
    _require(driver, ('enabled_deploy_interfaces',
                      'enabled_boot_interfaces'),
             'Ironic\'s detail of driver %s' % hardware_type)

    baremetal = {
        'enabled_hardware_types': hardware_type,
        # The qcow2 copy: the tests name no image_disk_format, and Ironic
        # would hand the agent 'gpt' for the raw MBR disk, which the
        # agent's qemu-img cannot read (lab/labkit/images/instance.py).
        'whole_disk_image_ref': status['instance_image_qcow2'],
        'whole_disk_image_url': status['instance_image_qcow2'],
        'whole_disk_image_checksum': status['instance_image_qcow2_checksum'],
        'endpoint_type': 'public',
        'adjusted_root_disk_size_gb': 1,
    }
    baremetal.update({k: str(v) for k, v in TIMEOUTS.items()})
    for kind in INTERFACE_TYPES:
        enabled = driver.get('enabled_%s_interfaces' % kind) or []
        baremetal['enabled_%s_interfaces' % kind] = ','.join(enabled)

    domain = admin.get('user_domain_name') or 'Default'
    return {
        'DEFAULT': {'log_file': 'tempest.log', 'debug': 'true'},
        'auth': {
            'use_dynamic_credentials': 'true',
            'create_isolated_networks': 'false',
            'admin_username': admin['username'],
            'admin_password': admin['password'],
            'admin_project_name': admin['project_name'],
            'admin_domain_name': domain,
            'default_credentials_domain_name': domain,
        },
        'identity': {
            'uri_v3': status['keystone_url'],
            'auth_version': 'v3',
            'region': region,
            'v3_endpoint_type': 'public',
            'disable_ssl_certificate_validation': 'true',
        },
        'identity-feature-enabled': {'api_v2': 'false'},
        # Ironic keeps its scoped RBAC defaults: nodes are a system
        # administrator's (tempest then uses a system-scoped admin).
        'enforce_scope': {'ironic': 'true'},
        'service_available': {
            'ironic': 'true', 'nova': 'false', 'neutron': 'true',
            'glance': 'true', 'cinder': 'false', 'swift': 'false',
            'ironic_inspector': 'false',
        },
        'baremetal': baremetal,
        'baremetal_feature_enabled': {'software_raid': 'false',
                                      'deploy_time_raid': 'false'},
        # The VIFs the standalone tests attach go on the nodes' network,
        # which is shared (its ports are bookkeeping for the noop network
        # interface; the nodes' servers have their own ports there).
        'network': {'shared_physical_network': 'true'},
        'compute': {'fixed_network_name': status['provisioning_network']},
        'validation': {'connect_method': 'fixed', 'ip_version_for_ssh': '4',
                       'ping_timeout': '300', 'ssh_timeout': '300'},
        'openstack_driver': {
            'dhcp_leases_file': os.path.join(status['state_dir'], 'data',
                                             'dnsmasq', 'leases'),
            'dhcp_lease_seconds': str(LEASE_SECONDS),
            'node_name_prefix': node_name_prefix,
            # The nodes' servers: the lab's user owns them.
            'host_clouds_yaml': status['clouds_yaml'],
            'host_cloud': status['cloud'],
            'instance_console_line': INSTANCE_CONSOLE_LINE,
            # HTTP: Ironic 39 answers a ramdisk deploy from file:// URLs
            # with HTTP 500 ('str' object has no attribute 'url').
            'ramdisk_kernel': status['deploy_kernel_url'],
            'ramdisk_ramdisk': status['deploy_ramdisk_url'],
        },
    }


def render(conf):
    """INI text of ``sections()``'s result (sections and keys in order).

    :param conf: {section: {option: value}}.
    """
    out = []
    for section, options in conf.items():
        out.append('[%s]' % section)
        for key, value in options.items():
            text = str(value)
            if '\n' in text:
                raise LabConfigError('option %s.%s holds a newline'
                                     % (section, key))
            out.append('%s = %s' % (key, text))
        out.append('')
    return '\n'.join(out)
