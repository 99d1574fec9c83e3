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

"""The services' configuration files, rendered from the lab's settings.

Every file is rewritten on each ``up`` (they are derived data); a service
whose files changed since it started is restarted by ``up`` (see
``services``). Layout: ``<state>/etc/<service>/<usual file name>``, so the
WSGI apps find them through ``OS_<SERVICE>_CONFIG_DIR``.
"""

import os
import shutil

from labkit import settings as s
from labkit import tuning
from labkit.writers import authtoken
from labkit.writers import db_url
from labkit.writers import ini
from labkit.writers import merge
from labkit.writers import service_auth
from labkit.writers import transport_url
from labkit.writers import write

#: The second ironic-conductor's own file (its host name).
SECOND_CONDUCTOR_CONF = 'ironic-conductor-2.conf'


def _logging():
    return {'debug': False, 'use_stderr': True}


def keystone(p, sec):
    d = p.data_of('keystone')
    token = {'provider': 'fernet'}
    lifetime = tuning.load(p).get('token_lifetime')
    if lifetime:
        token['expiration'] = lifetime
    return {'keystone.conf': ini({
        'DEFAULT': _logging(),
        'database': {'connection': db_url(sec, 'keystone')},
        'token': token,
        'fernet_tokens': {'key_repository': os.path.join(d, 'fernet-keys')},
        'fernet_receipts': {'key_repository': os.path.join(d, 'fernet-keys')},
        'credential': {'key_repository': os.path.join(d, 'credential-keys')},
        # In-process cache: without it every request (each token check of
        # every service) costs Keystone 0.2-0.4 s of database work here.
        # One gunicorn worker, so the cache is coherent.
        'cache': {'enabled': True, 'backend': 'dogpile.cache.memory'},
        # bcrypt's minimum: the lab's passwords are random and local, and
        # the default (12 rounds) makes every password check cost ~0.3 s.
        'identity': {'password_hash_rounds': 4},
    })}


def glance(p, sec):
    d = p.data_of('glance')
    return {'glance-api.conf': ini({
        'DEFAULT': dict(_logging(), enabled_backends='fs:file',
                        image_cache_dir=os.path.join(d, 'cache')),
        'glance_store': {'default_backend': 'fs'},
        'fs': {'filesystem_store_datadir': os.path.join(d, 'images')},
        'os_glance_staging_store': {
            'filesystem_store_datadir': os.path.join(d, 'staging')},
        'os_glance_tasks_store': {
            'filesystem_store_datadir': os.path.join(d, 'tasks')},
        'database': {'connection': db_url(sec, 'glance')},
        'keystone_authtoken': authtoken(sec, 'glance'),
        'paste_deploy': {'flavor': 'keystone', 'config_file': os.path.join(
            p.etc_of('glance'), 'glance-api-paste.ini')},
        'oslo_concurrency': {'lock_path': os.path.join(d, 'lock')},
    })}


def placement(p, sec):
    return {'placement.conf': ini({
        'DEFAULT': _logging(),
        'api': {'auth_strategy': 'keystone'},
        'placement_database': {'connection': db_url(sec, 'placement')},
        'keystone_authtoken': authtoken(sec, 'placement'),
    })}


def nova(p, sec, backend_conf=None):
    """nova.conf: the shared settings, then the compute backend's.

    :param backend_conf: the compute backend's sections, merged over the
        shared ones option by option.
    """
    d = p.data_of('nova')
    base = {
        'DEFAULT': dict(
            _logging(),
            transport_url=transport_url(sec),
            my_ip=s.HOST,
            state_path=d,
            instances_path=os.path.join(d, 'instances'),
            vif_plugging_timeout=0,
            vif_plugging_is_fatal=False,
            graceful_shutdown_timeout=5,
            osapi_compute_workers=1,
            metadata_workers=1,
            heal_instance_info_cache_interval=-1,
        ),
        'api': {'auth_strategy': 'keystone'},
        'wsgi': {'api_paste_config': os.path.join(p.etc_of('nova'),
                                                  'api-paste.ini')},
        'api_database': {'connection': db_url(sec, 'nova_api')},
        'database': {'connection': db_url(sec, 'nova')},
        'keystone_authtoken': authtoken(sec, 'nova'),
        'service_user': service_auth(sec, 'nova', {
            'send_service_user_token': True}),
        'placement': service_auth(sec, 'nova'),
        'neutron': service_auth(sec, 'nova'),
        'glance': {'region_name': s.REGION},
        'scheduler': {'discover_hosts_in_cells_interval': 10, 'workers': 1},
        'conductor': {'workers': 1},
        'quota': {'instances': -1, 'cores': -1, 'ram': -1},
        'oslo_concurrency': {'lock_path': os.path.join(d, 'lock')},
        'oslo_messaging_notifications': {'driver': 'noop'},
        'vnc': {'enabled': True, 'server_listen': s.HOST,
                'server_proxyclient_address': s.HOST,
                'novncproxy_host': s.HOST,
                'novncproxy_port': s.PORTS['nova-novncproxy'],
                'novncproxy_base_url': s.url('nova-novncproxy',
                                             '/vnc_auto.html')},
        # 'enabled' comes from the compute backend.
        'serial_console': {'proxyclient_address': s.HOST,
                           'serialproxy_host': s.HOST,
                           'serialproxy_port': s.PORTS['nova-serialproxy'],
                           'base_url': 'ws://%s:%d/' % (
                               s.HOST, s.PORTS['nova-serialproxy'])},
        'os_vif_ovs': {'ovsdb_interface': 'vsctl'},
    }
    return {'nova.conf': ini(merge(base, backend_conf or {}))}


def neutron(p, sec, ml2_conf):
    """neutron.conf and the ML2 file the network backend's settings fill.

    :param ml2_conf: the network backend's ML2 sections.
    """
    d = p.data_of('neutron')
    return {
        'neutron.conf': ini({
            'DEFAULT': dict(
                _logging(),
                core_plugin='ml2',
                service_plugins='segments',
                auth_strategy='keystone',
                transport_url=transport_url(sec),
                state_path=d,
                api_workers=1,
                rpc_workers=0,
                dhcp_agent_notification=False,
                notify_nova_on_port_status_changes=True,
                notify_nova_on_port_data_changes=True,
                api_paste_config=os.path.join(p.etc_of('neutron'),
                                              'api-paste.ini'),
            ),
            'database': {'connection': db_url(sec, 'neutron')},
            'keystone_authtoken': authtoken(sec, 'neutron'),
            'nova': service_auth(sec, 'neutron'),
            'oslo_concurrency': {'lock_path': os.path.join(d, 'lock')},
            'oslo_messaging_notifications': {'driver': 'noop'},
        }),
        'plugins/ml2/ml2_conf.ini': ini(ml2_conf),
    }


#: [openstack]vmedia_cleanup_interval of the lab: the clean-up of deleted
#: virtual media nodes is seen within a test's patience.
VMEDIA_CLEANUP_INTERVAL = 30
#: Under Ironic's data directory: agent files of fast-mode virtual media
#: nodes (file:// URLs; [conductor]file_url_allowed_paths).
VMEDIA_AGENT_DIR = 'vmedia-agent'
#: Debian's isolinux package (virtual media ISOs).
ISOLINUX_BIN = '/usr/lib/ISOLINUX/isolinux.bin'


def ironic(p, sec, rescue_image='', driver=True, mode_conf=None,
           uefi_rescue_image=''):
    """ironic.conf and the second conductor's file.

    :param rescue_image: [openstack]rescue_image (BIOS servers).
    :param uefi_rescue_image: [openstack]uefi_rescue_image (UEFI servers).

    :param mode_conf: sections the mode adds (the real mode's deploying
        Ironic), merged over the shared ones option by option.
    """
    d = p.data_of('ironic')
    if driver:
        hw, power, mgmt = ('openstack,fake-hardware', 'openstack,fake',
                           'openstack,fake')
        inspect, console, vendor = ('openstack,no-inspect',
                                    'openstack,no-console,fake',
                                    'openstack,no-vendor,fake')
    else:
        # The driver is not in the tree yet: Ironic would fail to load it.
        hw, power, mgmt = 'fake-hardware', 'fake', 'fake'
        inspect, console, vendor = ('no-inspect', 'no-console,fake',
                                    'no-vendor,fake')
    conf = {
        'DEFAULT': dict(
            _logging(),
            auth_strategy='keystone',
            # Over RabbitMQ, on MariaDB: a second conductor (another host
            # name, labkit.conductors) can join the same hash ring.
            rpc_transport='oslo',
            transport_url=transport_url(sec),
            host=s.IRONIC_HOST,
            # Conductors join and leave the hash ring within seconds, so
            # that the two-conductor take-over is tested in ~30 s.
            hash_ring_reset_interval=5,
            state_path=d,
            enabled_hardware_types=hw,
            enabled_power_interfaces=power,
            enabled_management_interfaces=mgmt,
            enabled_boot_interfaces='ipxe,pxe,fake',
            enabled_deploy_interfaces='direct,ramdisk,fake',
            enabled_network_interfaces='noop',
            default_network_interface='noop',
            enabled_inspect_interfaces=inspect,
            enabled_console_interfaces=console,
            enabled_vendor_interfaces=vendor,
        ),
        'api': {'host_ip': s.HOST, 'port': s.PORTS['ironic'],
                'api_workers': 1},
        'database': {'connection': db_url(sec, 'ironic')},
        'keystone_authtoken': authtoken(sec, 'ironic'),
        'service_catalog': service_auth(sec, 'ironic'),
        'conductor': {'automated_clean': False,
                      'sync_power_state_interval': 60,
                      'heartbeat_interval': 5, 'heartbeat_timeout': 20},
        'dhcp': {'dhcp_provider': 'none'},
        'deploy': {'http_url': 'http://%s:8088' % s.HOST,
                   'http_root': os.path.join(d, 'httpboot')},
        'pxe': {'tftp_root': os.path.join(d, 'tftpboot'),
                'tftp_master_path': os.path.join(d, 'tftpboot', 'master')},
        'oslo_concurrency': {'lock_path': os.path.join(d, 'lock')},
        'oslo_messaging_notifications': {'driver': 'noop'},
    }
    if driver:
        # The fault suite's nodes use inline credentials of users of the
        # lab's own Keystone.
        conf['openstack'] = {'clouds_yaml': p.clouds_yaml, 'cloud': s.CLOUD,
                             'rescue_image': rescue_image,
                             'uefi_rescue_image': uefi_rescue_image,
                             'allowed_auth_urls': s.url('keystone', '/v3'),
                             'vmedia_cache_dir': os.path.join(d, 'vmedia'),
                             'vmedia_cleanup_interval':
                                 VMEDIA_CLEANUP_INTERVAL,
                             'physical_networks': ','.join(
                                 '%s:%s' % item for item in
                                 s.PHYSICAL_NETWORKS.items())}
        # Virtual media nodes in the fast mode too (tests/faults): their
        # ISOs are built and uploaded for real, the fake compute "boots"
        # them; their agent files are small files in VMEDIA_AGENT_DIR.
        conf['DEFAULT']['enabled_boot_interfaces'] = (
            'ipxe,pxe,openstack-virtual-media,fake')
        conf['DEFAULT']['isolinux_bin'] = ISOLINUX_BIN
        conf['conductor']['file_url_allowed_paths'] = os.path.join(
            d, VMEDIA_AGENT_DIR)
    if mode_conf:
        conf = merge(conf, mode_conf)
    return {'ironic.conf': ini(conf),
            # Read after ironic.conf by the second conductor only.
            SECOND_CONDUCTOR_CONF: ini({'DEFAULT': {
                'host': s.SECOND_IRONIC_HOST}})}


def clouds_yaml(sec):
    """clouds.yaml: the normal user, the system admin, the project admin."""
    def entry(name, user, password, project=None, system=False):
        lines = ['  %s:' % name, '    auth:',
                 '      auth_url: %s' % s.url('keystone', '/v3'),
                 '      username: %s' % user,
                 '      password: %s' % password,
                 '      user_domain_name: Default']
        if system:
            lines.append('      system_scope: all')
        else:
            lines += ['      project_name: %s' % project,
                      '      project_domain_name: Default']
        lines += ['    region_name: %s' % s.REGION,
                  '    interface: public',
                  '    identity_api_version: 3']
        return '\n'.join(lines)

    return '\n'.join([
        '# Written by lab/labctl.py up; regenerated on every up.',
        'clouds:',
        entry(s.CLOUD, s.DEMO_USER, sec['demo'], project=s.DEMO_PROJECT),
        entry(s.ADMIN_CLOUD, s.ADMIN_USER, sec['admin'], system=True),
        entry(s.PROJECT_ADMIN_CLOUD, s.ADMIN_USER, sec['admin'],
              project=s.ADMIN_PROJECT),
        '']) + '\n'


def paste_files(p):
    """The api-paste files the wheels install under <venv>/etc."""
    venv_etc = os.path.join(p.cloud_venv, 'etc')
    return {
        'nova': [os.path.join(venv_etc, 'nova', 'api-paste.ini')],
        'glance': [os.path.join(venv_etc, 'glance', 'glance-api-paste.ini')],
        'neutron': [os.path.join(venv_etc, 'neutron', 'api-paste.ini')],
    }


def write_all(p, sec, rescue_image='', driver=True, nova_conf=None,
              ml2_conf=None, ironic_conf=None, uefi_rescue_image=''):
    """Write every shared service's files; return {service: [paths]}.

    :param nova_conf: the compute backend's nova.conf sections.
    :param ml2_conf: the network backend's ML2 sections.
    :param ironic_conf: the mode's ironic.conf sections.
    """
    written = {}
    renderers = {'keystone': keystone, 'glance': glance,
                 'placement': placement,
                 'nova': lambda p, sec: nova(p, sec, nova_conf),
                 'neutron': lambda p, sec: neutron(p, sec, ml2_conf)}
    for service, render in renderers.items():
        for name, text in render(p, sec).items():
            path = os.path.join(p.etc_of(service), name)
            write(path, text)
            written.setdefault(service, []).append(path)
    for name, text in ironic(p, sec, rescue_image, driver, ironic_conf,
                             uefi_rescue_image).items():
        path = os.path.join(p.etc_of('ironic'), name)
        write(path, text)
        written.setdefault('ironic', []).append(path)
    for service, sources in paste_files(p).items():
        for source in sources:
            target = os.path.join(p.etc_of(service), os.path.basename(source))
            shutil.copyfile(source, target)
            written[service].append(target)
    write(p.clouds_yaml, clouds_yaml(sec), mode=0o600)
    return written
