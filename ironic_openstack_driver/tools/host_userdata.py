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

"""The Ironic host's cloud-init user data (ironic-host): pure rendering.

render() turns a HostSettings into a ``#cloud-config`` document that
installs a standalone Ironic the way Ironic's standalone guide and bifrost
set it up: ironic-api and ironic-conductor from a virtualenv
(/opt/ironic) talking JSON-RPC on 127.0.0.1, HTTP basic authentication
(an htpasswd file of bcrypt hashes), a SQLite or MariaDB database,
dnsmasq answering DHCP and iPXE on the provisioning address (PXE boot
only), nginx serving Ironic's HTTP root on port HTTP_PORT, this driver
installed from a pip requirement or a wheel URL, and the driver's
clouds.yaml (an application credential) with the ``[openstack]`` options.
Nothing here talks to a cloud; the secrets arrive hashed where Ironic
takes a hash (the API password) and in clear where a service must send
them (the JSON-RPC password, the application credential secret, the
MariaDB password).
"""

import ipaddress

import yaml

API_PORT = 6385
RPC_PORT = 8089
HTTP_PORT = 8080
HTTP_ROOT = '/var/lib/ironic/httpboot'
VENV = '/opt/ironic'
CLOUD = 'host'
RPC_USER = 'ironic-rpc'
DATABASES = ('sqlite', 'mariadb')
BOOTS = ('pxe', 'virtual-media')


class HostSettings:
    """What the Ironic host's user data is rendered from.

    :param boot: 'pxe' (dnsmasq answers DHCP and iPXE on the provisioning
        address, configured statically on the NIC with
        ``provisioning_mac``) or 'virtual-media' (Neutron addresses the
        provisioning port; no dnsmasq).
    :param provisioning_cidr: the host's address on the provisioning
        network with its prefix, e.g. 192.168.24.1/24.
    :param provisioning_mac: the MAC of the provisioning port (PXE).
    :param driver_source: pip requirement or wheel URL of this driver.
    :param ironic_source: pip requirement of Ironic.
    :param api_user: the user of Ironic's API.
    :param api_password_hash: its bcrypt hash.
    :param rpc_password: the JSON-RPC password, and ``rpc_password_hash``
        its bcrypt hash.
    :param cloud: the driver's clouds.yaml entry: auth_url,
        region_name, application_credential_id,
        application_credential_secret (a dict).
    :param database: 'sqlite' or 'mariadb' (then ``db_password``).
    :param dhcp_range: (first, last) addresses dnsmasq leases; default
        the upper half of the provisioning network.
    :param rescue_image: [openstack]rescue_image, and
        ``uefi_rescue_image``.
    :param mtu: the provisioning network's MTU (Neutron's ``mtu``): set on
        the host's NIC and announced by dnsmasq (option 26); None leaves
        both at the defaults.
    :raises: ValueError naming the setting that is wrong.
    """

    def __init__(self, boot, provisioning_cidr, driver_source, api_user,
                 api_password_hash, rpc_password, rpc_password_hash, cloud,
                 provisioning_mac=None, ironic_source='ironic',
                 database='sqlite', db_password=None, dhcp_range=None,
                 rescue_image=None, uefi_rescue_image=None,
                 mtu=None):
        if boot not in BOOTS:
            raise ValueError('boot: %r is not one of %s' % (boot, BOOTS))
        if database not in DATABASES:
            raise ValueError('database: %r is not one of %s'
                             % (database, DATABASES))
        if database == 'mariadb' and not db_password:
            raise ValueError('db_password: needed with database mariadb')
        try:
            self.interface = ipaddress.ip_interface(provisioning_cidr)
        except ValueError as e:
            raise ValueError('provisioning_cidr: %s' % e)
        if self.interface.network.prefixlen == self.interface.max_prefixlen:
            raise ValueError('provisioning_cidr: %s has no prefix length '
                             '(e.g. 192.168.24.1/24)' % provisioning_cidr)
        if boot == 'pxe' and not provisioning_mac:
            raise ValueError('provisioning_mac: needed with boot pxe')
        if not driver_source:
            raise ValueError('driver_source: a pip requirement or a wheel '
                             'URL is needed')
        self.boot = boot
        self.provisioning_mac = provisioning_mac
        self.driver_source = driver_source
        self.ironic_source = ironic_source
        self.api_user = api_user
        self.api_password_hash = api_password_hash
        self.rpc_password = rpc_password
        self.rpc_password_hash = rpc_password_hash
        self.cloud = dict(cloud)
        self.database = database
        self.db_password = db_password
        self.dhcp_range = dhcp_range or default_dhcp_range(self.interface)
        self.rescue_image = rescue_image
        self.uefi_rescue_image = uefi_rescue_image
        self.mtu = mtu

    @property
    def address(self):
        return str(self.interface.ip)


def default_dhcp_range(interface):
    """The half of the network's hosts that has not the host's address.

    :raises: ValueError when the network is too small for a range.
    """
    net = interface.network
    if net.num_addresses < 8:
        raise ValueError('provisioning_cidr: %s is too small for a DHCP '
                         'range' % net)
    half = net.network_address + net.num_addresses // 2
    if interface.ip < half:
        first, last = half, net.broadcast_address - 1
    else:
        first, last = net.network_address + 1, half - 1
    return str(first), str(last)


def _ini(sections):
    lines = []
    for section, options in sections:
        lines.append('[%s]' % section)
        lines.extend('%s = %s' % (k, v) for k, v in options
                     if v is not None)
        lines.append('')
    return '\n'.join(lines)


def ironic_conf(s):
    """/etc/ironic/ironic.conf of a standalone Ironic."""
    if s.database == 'sqlite':
        db = 'sqlite:////var/lib/ironic/ironic.sqlite'
    else:
        db = 'mysql+pymysql://ironic:%s@127.0.0.1/ironic?charset=utf8' % (
            s.db_password)
    boot = 'ipxe' if s.boot == 'pxe' else 'openstack-virtual-media'
    return _ini([
        ('DEFAULT', [
            # The API's JSON-RPC client connects to the conductor's host
            # name, and the conductor listens on 127.0.0.1 only: the
            # server's own name may resolve elsewhere (127.0.1.1, its
            # access address).
            ('host', '127.0.0.1'),
            ('auth_strategy', 'http_basic'),
            ('http_basic_auth_user_file', '/etc/ironic/htpasswd'),
            ('rpc_transport', 'json-rpc'),
            ('enabled_hardware_types', 'openstack'),
            ('enabled_boot_interfaces', boot),
            ('default_boot_interface', boot),
            ('enabled_deploy_interfaces', 'direct'),
            ('enabled_power_interfaces', 'openstack'),
            ('enabled_management_interfaces', 'openstack'),
            ('enabled_console_interfaces', 'openstack,no-console'),
            ('enabled_inspect_interfaces', 'openstack,no-inspect'),
            ('enabled_vendor_interfaces', 'openstack,no-vendor'),
            ('enabled_network_interfaces', 'noop'),
            ('log_dir', '/var/log/ironic')]),
        ('api', [('host_ip', '0.0.0.0'), ('port', API_PORT)]),
        ('json_rpc', [
            ('auth_strategy', 'http_basic'),
            ('http_basic_auth_user_file', '/etc/ironic/htpasswd'),
            ('host_ip', '127.0.0.1'), ('port', RPC_PORT),
            ('auth_type', 'http_basic'), ('username', RPC_USER),
            ('password', s.rpc_password)]),
        ('database', [('connection', db)]),
        ('dhcp', [('dhcp_provider', 'none')]),
        ('deploy', [
            ('http_root', HTTP_ROOT),
            ('http_url', 'http://%s:%d' % (s.address, HTTP_PORT))]),
        ('service_catalog', [
            ('auth_type', 'none'),
            ('endpoint_override',
             'http://%s:%d' % (s.address, API_PORT))]),
        ('openstack', [
            ('clouds_yaml', '/etc/ironic/clouds.yaml'),
            ('cloud', CLOUD),
            ('rescue_image', s.rescue_image),
            ('uefi_rescue_image', s.uefi_rescue_image)]),
    ])


def clouds_yaml(s):
    """The driver's clouds.yaml: one entry, an application credential."""
    auth = {'auth_url': s.cloud['auth_url'],
            'application_credential_id':
                s.cloud['application_credential_id'],
            'application_credential_secret':
                s.cloud['application_credential_secret']}
    entry = {'auth_type': 'v3applicationcredential', 'auth': auth}
    if s.cloud.get('region_name'):
        entry['region_name'] = s.cloud['region_name']
    return yaml.safe_dump({'clouds': {CLOUD: entry}},
                          default_flow_style=False)


def dnsmasq_conf(s):
    """dnsmasq: DHCP on the provisioning address, iPXE to Ironic's script.

    The nodes' rescue image is iPXE already (DHCP option 175): it is sent
    to boot.ipxe, which Ironic's ipxe boot interface writes into its HTTP
    root. No DNS (port=0).
    """
    first, last = s.dhcp_range
    lines = [
        'port=0',
        'bind-interfaces',
        'listen-address=%s' % s.address,
        'dhcp-range=%s,%s,%s,10m' % (first, last, s.interface.netmask),
        'dhcp-match=set:ipxe,175',
        'dhcp-boot=tag:ipxe,http://%s:%d/boot.ipxe' % (s.address,
                                                       HTTP_PORT)]
    if s.mtu:
        lines.append('dhcp-option=26,%d' % s.mtu)
    return '\n'.join(lines + ['log-dhcp', ''])


def nginx_site():
    return '\n'.join([
        'server {',
        '    listen %d;' % HTTP_PORT,
        '    root %s;' % HTTP_ROOT,
        '    autoindex off;',
        '}', ''])


def _unit(description, command):
    return '\n'.join([
        '[Unit]', 'Description=%s' % description,
        'After=network-online.target', '',
        '[Service]', 'User=ironic', 'Group=ironic',
        'ExecStart=%s/bin/%s --config-file /etc/ironic/ironic.conf'
        % (VENV, command),
        'Restart=on-failure', '',
        '[Install]', 'WantedBy=multi-user.target', ''])


def _provisioning_address_cmd(s):
    """bootcmd: the static address on the NIC of the provisioning port."""
    script = ('dev=$(ip -o link | awk -v mac=%s \'tolower($0) ~ mac '
              '{sub(":", "", $2); print $2; exit}\'); '
              '[ -n "$dev" ] && ip link set dev "$dev" up%s && '
              'ip addr replace %s dev "$dev"' % (
                  s.provisioning_mac.lower(),
                  ' mtu %d' % s.mtu if s.mtu else '', s.interface))
    return ['sh', '-c', script]


def _file(path, content, permissions='0644', owner=None):
    entry = {'path': path, 'content': content, 'permissions': permissions}
    if owner:
        # The ironic user exists once cloud-init's users module ran.
        entry['owner'] = owner
        entry['defer'] = True
    return entry


def render(s):
    """The #cloud-config document of the Ironic host.

    :param s: a HostSettings.
    :returns: the user data, a string.
    """
    packages = ['python3-venv', 'python3-dev', 'build-essential',
                'qemu-utils', 'nginx']
    if s.boot == 'pxe':
        packages.append('dnsmasq')
    if s.database == 'mariadb':
        packages.append('mariadb-server')
    htpasswd = '%s:%s\n%s:%s\n' % (s.api_user, s.api_password_hash,
                                   RPC_USER, s.rpc_password_hash)
    files = [
        _file('/etc/ironic/ironic.conf', ironic_conf(s), '0640',
              'root:ironic'),
        _file('/etc/ironic/htpasswd', htpasswd, '0640', 'root:ironic'),
        _file('/etc/ironic/clouds.yaml', clouds_yaml(s), '0640',
              'root:ironic'),
        _file('/etc/nginx/sites-enabled/ironic-http', nginx_site()),
        _file('/etc/systemd/system/ironic-api.service',
              _unit('Ironic API', 'ironic-api')),
        _file('/etc/systemd/system/ironic-conductor.service',
              _unit('Ironic conductor', 'ironic-conductor')),
    ]
    if s.boot == 'pxe':
        files.append(_file('/etc/dnsmasq.d/ironic.conf', dnsmasq_conf(s)))
    pip = [VENV + '/bin/pip', 'install', s.ironic_source, s.driver_source]
    if s.database == 'mariadb':
        pip.append('pymysql')
    runcmd = [
        ['install', '-d', '-o', 'ironic', '-g', 'ironic',
         '/var/lib/ironic', HTTP_ROOT, '/var/lib/ironic/master_images',
         '/var/lib/ironic/images', '/var/log/ironic'],
        ['python3', '-m', 'venv', VENV],
        pip,
    ]
    if s.database == 'mariadb':
        runcmd.append(['mysql', '-e',
                       "CREATE DATABASE IF NOT EXISTS ironic; "
                       "CREATE USER IF NOT EXISTS 'ironic'@'127.0.0.1' "
                       "IDENTIFIED BY '%s'; GRANT ALL ON ironic.* TO "
                       "'ironic'@'127.0.0.1';" % s.db_password])
    runcmd += [
        ['runuser', '-u', 'ironic', '--', VENV + '/bin/ironic-dbsync',
         '--config-file', '/etc/ironic/ironic.conf', 'create_schema'],
        ['systemctl', 'daemon-reload'],
        ['systemctl', 'enable', '--now', 'ironic-conductor.service',
         'ironic-api.service'],
        ['systemctl', 'restart', 'nginx.service'],
    ]
    if s.boot == 'pxe':
        runcmd.append(['systemctl', 'restart', 'dnsmasq.service'])
    doc = {
        'users': ['default', {'name': 'ironic', 'system': True,
                              'homedir': '/var/lib/ironic',
                              'shell': '/usr/sbin/nologin'}],
        'package_update': True,
        'packages': packages,
        'write_files': files,
        'runcmd': runcmd,
    }
    if s.boot == 'pxe':
        doc['bootcmd'] = [_provisioning_address_cmd(s)]
    return '#cloud-config\n' + yaml.safe_dump(doc, default_flow_style=False,
                                              sort_keys=False)
