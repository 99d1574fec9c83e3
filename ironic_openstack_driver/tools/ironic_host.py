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

"""ironic-host: the server of the host cloud that runs a standalone Ironic.

What it makes, each found by name on a second run (NAME: --name):

- the server NAME (metadata ironic_openstack_nodes=ironic-host), with the
  operator's key pair and the user data of host_userdata.py;
- its port NAME-provisioning on the provisioning network
  (provisioning_ports.py: port security off for PXE, the network's own
  with virtual media), the host's address fixed by --provisioning-address;
- the operator's way in: a port NAME-access on --access-network (Neutron
  addressing) in the security group NAME, which lets in TCP 22 and the
  Ironic API's port from each --allow-from CIDR;
- the application credential NAME of the current user, role --role in the
  node servers' project, whose secret goes into the user data only;
- the operator's clouds file (--clouds-file, mode 0600): the ``baremetal``
  entry with the API password, the only place that password is written.

``--delete`` removes exactly these: the server NAME if it carries the
metadata mark, the ports NAME-provisioning and NAME-access, the security
group NAME if its description is this tool's, the application credential
NAME, and the clouds file.
"""

import base64
import os

from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as sdk_exc
import yaml

from ironic_openstack_driver.tools import common
from ironic_openstack_driver.tools.common import call as _call
from ironic_openstack_driver.tools.common import ToolError
from ironic_openstack_driver.tools import host_access as access
from ironic_openstack_driver.tools import host_secrets
from ironic_openstack_driver.tools import host_userdata
from ironic_openstack_driver.tools import provisioning_ports as ports
from ironic_openstack_driver.tools import server_listing as listing

COLUMNS = ('Resource', 'Name', 'ID', 'Result')
MARK = {'ironic_openstack_nodes': 'ironic-host'}
DEFAULT_TIMEOUT = 600


def _clouds_file(args):
    """The operator's clouds file: --clouds-file, else NAME-clouds.yaml."""
    return args.clouds_file or '%s-clouds.yaml' % args.name


def _find_server(conn, name):
    found = [s for s in listing.list_servers(conn, name).values()
             if s.name == name]
    if len(found) > 1:
        raise ToolError('several servers are named %s (%s): delete the '
                        'extra ones' % (name, ', '.join(s.id for s in found)))
    return found[0] if found else None


def _address(port):
    ips = [ip['ip_address'] for ip in port.fixed_ips or []]
    return ips[0] if ips else None


def _keystone(conn):
    """The host cloud's auth_url and region, for the driver's clouds.yaml.

    :raises: ToolError when the --os-cloud entry has no auth_url.
    """
    auth_url = (conn.config.config.get('auth') or {}).get('auth_url')
    if not auth_url:
        raise ToolError('the --os-cloud entry has no auth_url: the Ironic '
                        'host\'s driver needs one for its application '
                        'credential')
    return {'auth_url': auth_url,
            'region_name': conn.config.get_region_name()}


# HostSettings' fields and the options that give them.
OPTIONS = {'provisioning_cidr': '--provisioning-address',
           'driver_source': '--driver-source', 'boot': '--boot',
           'database': '--database'}


def _settings(args, **secrets):
    """The HostSettings of the options and ``secrets``.

    :raises: ToolError naming the option when HostSettings refuses it.
    """
    kwargs = dict(
        boot=args.boot, provisioning_cidr=args.provisioning_address,
        driver_source=args.driver_source, ironic_source=args.ironic_source,
        database=args.database, api_user=host_secrets.API_USER,
        rescue_image=args.rescue_image,
        uefi_rescue_image=args.uefi_rescue_image)
    kwargs.update(secrets)
    try:
        return host_userdata.HostSettings(**kwargs)
    except ValueError as e:
        field, _sep, why = str(e).partition(': ')
        raise ToolError('%s: %s' % (OPTIONS.get(field, field), why))


def _check_settings(args):
    """Check the options before anything is made; the host's interface."""
    return _settings(args, provisioning_mac='00:00:00:00:00:00',
                     api_password_hash='-', rpc_password='-',
                     rpc_password_hash='-', cloud={},
                     db_password='-').interface


def ensure_host(conn, report, args):
    """Find or create what ironic-host makes.

    :returns: (the server, the Ironic API's URL, the clouds file's path).
    :raises: ToolError naming what failed; what exists stays, and the
        next run finds it.
    """
    name = args.name
    interface = _check_settings(args)
    flavor = common.find_one(conn.compute.find_flavor, 'flavor',
                             args.flavor, '--flavor')
    image = common.find_one(conn.image.find_image, 'image', args.image,
                            '--image')
    common.find_one(conn.compute.find_keypair, 'key pair', args.key_name,
                    '--key-name')
    keystone = _keystone(conn)
    access_net = common.find_one(conn.network.find_network, 'network',
                                 args.access_network, '--access-network')
    prov = ports.ensure_network(conn, report, args.network,
                                virtual_media=args.boot == 'virtual-media')
    server = _find_server(conn, name)
    clouds_file = _clouds_file(args)
    if server is None and os.path.exists(clouds_file):
        raise ToolError('%s (--clouds-file) exists but server %s does not: '
                        'it holds the password of an earlier Ironic host; '
                        'move it away, or run with --delete' % (
                            clouds_file, name))
    cred = None
    if server is None:
        # First, so that a role Keystone refuses stops the run before
        # anything is made; its secret cannot be read back, so a run that
        # creates the server makes a new one.
        cred = host_secrets.new_app_credential(conn, report, name,
                                               args.role)
        report.add('application credential', name, cred.id, 'created')
        cred_row = report.rows[-1]
    try:
        return _make(conn, report, args, interface, prov, access_net,
                     server, cred, keystone, clouds_file, flavor, image)
    except (ToolError, sdk_exc.SDKException, ks_exc.ClientException):
        if cred is not None and _find_server(conn, name) is None:
            # No server holds the secret: take the credential back.
            host_secrets.delete_app_credential(conn, name)
            cred_row[-1] = 'taken back'
        raise


def _make(conn, report, args, interface, prov, access_net, server, cred,
          keystone, clouds_file, flavor, image):
    """The ports, the access and the server of ensure_host."""
    name = args.name
    prov_port, new = ports.ensure_port(conn, report, prov,
                                       ports.port_name(name),
                                       fixed_ip=str(interface.ip),
                                       agent=False)
    report.add('port', prov_port.name, prov_port.id,
               'created' if new else 'exists')
    if prov.has_subnet and _address(prov_port) != str(interface.ip):
        raise ToolError('port %s (%s) has address %s, not %s '
                        '(--provisioning-address)' % (
                            prov_port.name, prov_port.id,
                            _address(prov_port), interface.ip))
    sg = access.ensure_security_group(conn, report, name, args.allow_from)
    access_port = access.ensure_access_port(
        conn, report, access.port_name(name), access_net, sg)
    endpoint = 'http://%s:%d' % (_address(access_port), host_userdata.API_PORT)
    if server is not None:
        report.add('server', name, server.id, 'exists')
        if not os.path.exists(clouds_file):
            report.progress('Warning: %s (--clouds-file) is missing: the '
                            'Ironic API password is written only when the '
                            'server is created; run with --delete, then '
                            'again, for a new one' % clouds_file)
        return server, endpoint, clouds_file
    if prov_port.device_id or access_port.device_id:
        raise ToolError('port %s or %s is used by another server' % (
            prov_port.name, access_port.name))
    password = host_secrets.new_password()
    rpc_password = host_secrets.new_password()
    settings = _settings(
        args, provisioning_mac=prov_port.mac_address,
        db_password=host_secrets.new_password()
        if args.database == 'mariadb' else None,
        api_password_hash=host_secrets.bcrypt_hash(password),
        rpc_password=rpc_password,
        rpc_password_hash=host_secrets.bcrypt_hash(rpc_password),
        cloud=dict(keystone, application_credential_id=cred.id,
                   application_credential_secret=cred.secret),
        mtu=prov.network.mtu)
    user_data = host_userdata.render(settings)
    host_secrets.write_private(clouds_file, host_secrets.baremetal_entry(
        name, endpoint, password))
    report.progress('Creating server %s (flavor %s, image %s) ...' % (
        name, flavor.name, image.name))
    try:
        server = _call('cannot create server %s' % name,
                       conn.compute.create_server, name=name,
                       flavor_id=flavor.id, image_id=image.id,
                       key_name=args.key_name, metadata=dict(MARK),
                       networks=[{'port': prov_port.id},
                                 {'port': access_port.id}],
                       user_data=base64.b64encode(
                           user_data.encode()).decode())
    except ToolError:
        os.unlink(clouds_file)
        raise
    report.add('server', name, server.id, 'created')
    built = listing.wait_listed(conn, report, name, [server.id],
                                lambda s: s.status == 'ACTIVE',
                                args.timeout)
    server = built[server.id]
    if server.status != 'ACTIVE':
        raise ToolError('server %s (%s) is %s, not ACTIVE, after %d s' % (
            name, server.id, server.status, args.timeout))
    return server, endpoint, clouds_file


def delete_host(conn, report, args):
    """Delete what ensure_host makes (the module's docstring says what)."""
    name = args.name
    server = _find_server(conn, name)
    if server is not None:
        if (server.metadata or {}).get(
                'ironic_openstack_nodes') != MARK['ironic_openstack_nodes']:
            raise ToolError('server %s (%s) was not made by ironic-host (no '
                            'metadata ironic_openstack_nodes=ironic-host): '
                            'left alone, nothing deleted' % (name, server.id))
        listing.delete_servers(conn, report, name, [server.id], args.timeout)
        report.add('server', name, server.id, 'deleted')
    for port_name in (ports.port_name(name), access.port_name(name)):
        port = access.find_named(conn.network.ports, 'port', port_name)
        if port is not None:
            _call('cannot delete port %s' % port_name,
                  conn.network.delete_port, port, ignore_missing=True)
            report.add('port', port_name, port.id, 'deleted')
    sg = access.find_named(conn.network.security_groups, 'security group',
                           name)
    if sg is not None and sg.description == access.SG_DESCRIPTION:
        _call('cannot delete security group %s' % name,
              conn.network.delete_security_group, sg, ignore_missing=True)
        report.add('security group', name, sg.id, 'deleted')
    elif sg is not None:
        report.progress('Security group %s (%s) is not this tool\'s: left '
                        'alone' % (name, sg.id))
    cred_id = host_secrets.delete_app_credential(conn, name)
    if cred_id:
        report.add('application credential', name, cred_id, 'deleted')
    clouds_file = _clouds_file(args)
    if os.path.exists(clouds_file):
        os.unlink(clouds_file)
        report.add('file', clouds_file, '', 'deleted')


# The options create needs, by their argparse dest (--allow-from first).
NEEDED = ('allow_from', 'image', 'flavor', 'key_name', 'network',
          'access_network', 'provisioning_address', 'driver_source')


def create(conn, args, report):
    """Check the options, ensure_host, print the endpoint and entry.

    :returns: (the Ironic API's URL, the clouds file's path).
    :raises: ToolError naming a missing option, or what failed.
    """
    if not args.allow_from:
        raise ToolError('--allow-from: at least one CIDR that may reach '
                        'the Ironic host (SSH and its API)')
    for option in NEEDED[1:]:
        if not getattr(args, option):
            raise ToolError('--%s is needed to create the Ironic host'
                            % option.replace('_', '-'))
    server, endpoint, clouds_file = ensure_host(conn, report, args)
    report.table()
    entry = host_secrets.baremetal_entry(args.name, endpoint,
                                         '<in %s>' % clouds_file)
    print('Ironic API: %s (user %s; cloud-init installs it: allow some '
          'minutes after ACTIVE)' % (endpoint, host_secrets.API_USER),
          file=report.out)
    print('clouds.yaml entry for baremetal commands, written with its '
          'password to %s (mode 0600):' % clouds_file, file=report.out)
    print(yaml.safe_dump(entry, default_flow_style=False), end='',
          file=report.out)
    print('Then: OS_CLIENT_CONFIG_FILE=%s openstack --os-cloud %s '
          'baremetal node list' % (clouds_file, args.name), file=report.out)
    return endpoint, clouds_file


def run(conn, args, report):
    if args.delete:
        delete_host(conn, report, args)
        report.table()
        return 0
    create(conn, args, report)
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser(
        'ironic-host',
        help='create the server of the host cloud that runs Ironic',
        description='Create (or find) the Ironic host: a server of the host '
                    'cloud on the provisioning network, reachable by the '
                    'operator, whose cloud-init installs a standalone '
                    'Ironic with this driver. --delete removes what it '
                    'made.')
    p.add_argument('--name', default='ironic-host',
                   help='name of the server and of everything made with it '
                        '(default: %(default)s)')
    p.add_argument('--delete', action='store_true',
                   help='delete the server NAME (if this tool made it), its '
                        'ports NAME-provisioning and NAME-access, the '
                        'security group NAME, the application credential '
                        'NAME and the clouds file')
    p.add_argument('--image', help='image of the host (a cloud image with '
                   'cloud-init and apt, e.g. Debian 12 or Ubuntu 24.04)')
    p.add_argument('--flavor', help='flavor of the host')
    p.add_argument('--key-name', help='Nova key pair for SSH to the host')
    p.add_argument('--network', help='the provisioning network (name or '
                   'ID), as given to create-nodes')
    p.add_argument('--provisioning-address', metavar='ADDRESS/PREFIX',
                   help='the host\'s address on the provisioning network, '
                        'e.g. 192.168.24.1/24 (with PXE, dnsmasq leases '
                        'the other half of that network)')
    p.add_argument('--boot', choices=host_userdata.BOOTS, default='pxe',
                   help='how the nodes boot the agent, as with create-nodes '
                        '(default: %(default)s)')
    p.add_argument('--access-network', help='network (name or ID) of the '
                   'operator\'s port on the host (Neutron addressing)')
    p.add_argument('--allow-from', action='append', metavar='CIDR',
                   help='who may reach the host\'s SSH and Ironic API on '
                        'its access port; repeatable')
    p.add_argument('--driver-source', metavar='REQUIREMENT',
                   help='what the host pip-installs as this driver: a pip '
                        'requirement or a wheel URL')
    p.add_argument('--ironic-source', default='ironic',
                   metavar='REQUIREMENT',
                   help='what the host pip-installs as Ironic (default: '
                        '%(default)s)')
    p.add_argument('--database', choices=host_userdata.DATABASES,
                   default='sqlite', help='Ironic\'s database (default: '
                   '%(default)s)')
    p.add_argument('--role', default='member',
                   help='the only role of the driver\'s application '
                        'credential (default: %(default)s)')
    p.add_argument('--rescue-image', help='[openstack]rescue_image of the '
                   'host\'s Ironic')
    p.add_argument('--uefi-rescue-image', help='[openstack]'
                   'uefi_rescue_image of the host\'s Ironic')
    p.add_argument('--clouds-file', metavar='PATH',
                   help='where the baremetal clouds.yaml entry with the API '
                        'password is written, mode 0600 (default: '
                        'NAME-clouds.yaml)')
    p.add_argument('--timeout', type=int, default=DEFAULT_TIMEOUT,
                   metavar='SECONDS', help='how long to wait for the '
                   'server to become ACTIVE (default: %(default)s)')
    p.set_defaults(func=run, columns=COLUMNS, needs=('cloud',))
    return p
