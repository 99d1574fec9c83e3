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

"""create-nodes: the Nova servers that play the bare-metal machines.

Each server gets a port on the provisioning network created beforehand
(provisioning_ports.py), and one on each further network
(nic_networks.py). Servers are named PREFIX-0 ...
PREFIX-(N-1); a second run finds them. New servers are stopped once
ACTIVE; servers found already ACTIVE are left alone (Ironic may be driving
them).
"""

import re

from openstack import exceptions as sdk_exc

from ironic_openstack_driver.tools import common
from ironic_openstack_driver.tools.common import call as _call
from ironic_openstack_driver.tools.common import ToolError
from ironic_openstack_driver.tools import firmware as fw
from ironic_openstack_driver.tools import nic_networks as nic_net
from ironic_openstack_driver.tools import port_policy
from ironic_openstack_driver.tools import provisioning_ports as ports
from ironic_openstack_driver.tools import server_image
from ironic_openstack_driver.tools import server_listing as listing

DEFAULT_TIMEOUT = 600
COLUMNS = ('Server', 'ID', 'Result', 'Status', 'Provisioning MAC', 'Port')


def server_names(prefix, count):
    return ['%s-%d' % (prefix, i) for i in range(count)]


def _fault(server):
    fault = server.fault or {}
    return fault.get('message') or 'no fault recorded'


def existing_servers(conn, report, prefix, count, names, leftovers):
    """{name: server} of the servers among ``names`` that exist.

    :param leftovers: a list, extended with the servers a batch left
        unrenamed (server_listing.batch_leftovers).
    :raises: ToolError when a name is taken by several servers.
    """
    listed = list(listing.list_servers(conn, prefix).values())
    leftovers.extend(listing.batch_leftovers(listed, prefix))
    pattern = re.compile(r'^%s-(\d+)$' % re.escape(prefix))
    existing = {}
    for server in listed:
        if server.name in names:
            if server.name in existing:
                raise ToolError('several servers are named %s (%s, %s): '
                                'delete the extra ones' % (
                                    server.name, existing[server.name].id,
                                    server.id))
            existing[server.name] = server
        elif pattern.match(server.name or ''):
            report.progress('Note: server %s (%s) is beyond --count %d; '
                            'left alone' % (server.name, server.id, count))
    return existing


def create_nodes(conn, report, prefix, count, flavor, image, network,
                 extra_networks=(), create_network=False,
                 timeout=DEFAULT_TIMEOUT,
                 shutdown_timeout=server_image.DEFAULT_SHUTDOWN_TIMEOUT,
                 boot='pxe',
                 power_off=True, nic_networks=(), address_pairs=(),
                 physnets=(), firmware=None):
    """Ensure PREFIX-0..PREFIX-(count-1) exist, powered off if new.

    What ``create-nodes`` does: create_servers, each server a row of the
    report's table.

    :returns: True when every server exists without error.
    """
    ok, rows = create_servers(
        conn, report, prefix, count, flavor, image, network,
        extra_networks=extra_networks, create_network=create_network,
        timeout=timeout, shutdown_timeout=shutdown_timeout, boot=boot,
        power_off=power_off, nic_networks=nic_networks,
        address_pairs=address_pairs, physnets=physnets, firmware=firmware)
    for name, row in rows.items():
        report.add(name, *row)
    return ok


def create_servers(conn, report, prefix, count, flavor, image, network,
                   extra_networks=(), create_network=False,
                   timeout=DEFAULT_TIMEOUT,
                   shutdown_timeout=server_image.DEFAULT_SHUTDOWN_TIMEOUT,
                   boot='pxe',
                   power_off=True, batch=None, nic_networks=(),
                   address_pairs=(), physnets=(), firmware=None):
    """Ensure PREFIX-0..PREFIX-(count-1) exist; new ones are waited for.

    Servers named PREFIX-batch-<6 hex digits>[-<i>], left by a batch
    creation stopped before its renames, are deleted first
    (server_listing.batch_leftovers).

    :param network: the provisioning network (name or ID), where each
        server gets a port made beforehand; None makes servers without
        any network (Nova's ``networks: none``, as a cloud without
        Neutron ports, like the lab's fast mode, serves them).
    :param boot: 'pxe' (a provisioning network without port security or
        Neutron addressing) or 'virtual-media' (an ordinary network).
    :param power_off: stop new servers once ACTIVE (what create-nodes
        does: Ironic then starts them); False leaves them ACTIVE.
    :param batch: create the missing servers by Nova's multi-create, up
        to this many per request (server_listing.create_batches), for
        hundreds or thousands of servers; only for servers without a
        provisioning port (``network`` None). None: one request per
        server.
    :param nic_networks: networks (names or IDs) of the servers' further
        NICs, after the provisioning one: a port made beforehand on each
        (nic_networks.py).
    :param address_pairs: CIDRs: allowed address pairs of the new ports
        on networks with port security.
    :param physnets: the physical network of ``network`` and of each of
        ``nic_networks`` (or None): the [openstack]physical_networks line
        to give the conductor is printed.
    :param firmware: 'uefi' or 'bios' (--firmware): the image must boot
        with it (firmware.check_image), else nothing is made; None: the
        image's firmware, whatever it is.
    :returns: (ok, rows): True when every server exists without error,
        and {name: [server ID, result, status, provisioning MAC, port]}
        in name order.
    :raises: ToolError when ``batch`` is given with a ``network``, when
        the image's firmware is not ``firmware``, when a batch request
        fails, or when leftovers of a batch are still
        listed ``timeout`` after their deletion.
    """
    if batch is not None and (network is not None or batch < 1
                              or nic_networks):
        raise ToolError('creating servers in batches (%s) needs servers '
                        'without a provisioning port (no network) and a '
                        'batch of at least 1' % batch)
    flavor_obj = common.find_one(conn.compute.find_flavor, 'flavor',
                                 flavor, '--flavor')
    image_obj = common.find_one(conn.image.find_image, 'image', image,
                                '--image')
    fw.check_image(report, image_obj, firmware)    # before anything
    extras = [common.find_one(conn.network.find_network, 'network', ref,
                              '--extra-network') for ref in extra_networks]
    prov = None
    if network is not None:
        prov = ports.ensure_network(conn, report, network,
                                    create=create_network,
                                    virtual_media=boot == 'virtual-media')
    nics = nic_net.ensure_networks(conn, report, nic_networks,
                                   create=create_network,
                                   address_pairs=address_pairs,
                                   provisioning=prov)
    nic_net.with_pairs(prov, address_pairs)
    nic_net.report_physical_networks(report, prov, nics, physnets)
    server_image.ensure_shutdown_timeout(conn, report, image_obj,
                                         shutdown_timeout)

    names = server_names(prefix, count)
    leftovers = []
    existing = existing_servers(conn, report, prefix, count, names,
                                leftovers)
    if leftovers:
        # Before creating: they hold quota the new servers may need.
        report.progress('Deleting %d server(s) left by a batch creation '
                        'stopped before its renames: %s' % (
                            len(leftovers), ', '.join(sorted(
                                s.name for s in leftovers))))
        listing.delete_servers(conn, report, prefix,
                               [s.id for s in leftovers], timeout)
    if batch is None:
        ok, rows, created = _create_missing(conn, report, names, existing,
                                            prov, flavor_obj, image_obj,
                                            extras, nics)
    else:
        ok, rows, created = listing.create_missing_batches(
            conn, report, prefix, names, existing, flavor_obj, image_obj,
            extras, batch, timeout)
    ok = fw.check_existing(conn, report, existing.values(), firmware) and ok
    if created and not _settle(conn, report, prefix, created, rows,
                               power_off, timeout):
        ok = False

    wanted = 'SHUTOFF' if power_off else 'ACTIVE'
    for name in names:
        server_id, result, status = rows[name][:3]
        if status == 'ERROR':
            server = conn.compute.get_server(server_id)
            report.fail('server %s (%s) is in ERROR: %s; delete it '
                        '(openstack server delete %s) and run again%s' % (
                            name, server_id, _fault(server), server_id,
                            '; its port %s is kept and reused'
                            % ports.port_name(name) if prov else ''))
            ok = False
        elif result == 'created' and status not in (wanted, 'SHUTOFF'):
            report.fail('server %s (%s) did not reach %s within %d s '
                        '(status %s)' % (name, server_id, wanted, timeout,
                                         status))
            ok = False
    return ok, rows


def _create_missing(conn, report, names, existing, prov, flavor_obj,
                    image_obj, extras, nics=()):
    """Create the servers among ``names`` that do not exist.

    :param prov: the provisioning network (ports.ensure_network), or None
        for servers without a network.
    :param nics: the further networks (nic_networks.ensure_networks).
    :returns: (ok, rows, servers to wait for): rows as create_servers
        returns them.
    """
    rows = {}       # name -> [id, result, status, mac, port]
    created = []
    ok = True
    for name in names:
        server = existing.get(name)
        if server is not None:
            rows[name] = [server.id, 'exists', server.status, '', '']
            if prov is not None:
                port = ports.server_port(conn, server, prov.network.id)
                rows[name][3:] = [port.mac_address if port else '',
                                  port.id if port else '(none on %s)'
                                  % prov.network.name]
            if server.status == 'BUILD':
                created.append(server)
            continue
        new_ports = []
        try:
            port = None
            if prov is not None:
                port, made = ports.ensure_port(conn, report, prov,
                                               ports.port_name(name))
                if made:
                    new_ports.append(port)
                if port.device_id:
                    raise ToolError('port %s (%s) is already used by '
                                    'device %s' % (port.name, port.id,
                                                   port.device_id))
            others = nic_net.ensure_server_ports(conn, report, nics, name,
                                                 new=new_ports)
            report.progress('Creating server %s (flavor %s, image %s) ...'
                            % (name, flavor_obj.name, image_obj.name))
            networks = ([{'port': port.id}] if port else []) + [
                {'port': p.id} for p in others] + [
                {'uuid': n.id} for n in extras]
            server = _call('cannot create server %s' % name,
                           conn.compute.create_server, name=name,
                           flavor_id=flavor_obj.id, image_id=image_obj.id,
                           networks=networks or 'none')
        except port_policy.PortRefused:
            # Neutron refuses every server's port alike: stop before
            # anything more is made, and take back this server's new ports.
            ports.delete_ports(conn, report, new_ports)
            raise
        except ToolError as e:
            report.fail(str(e))
            ok = False
            rows[name] = ['', 'failed', '', '', '']
            continue
        created.append(server)
        rows[name] = [server.id, 'created', 'BUILD',
                      port.mac_address if port else '',
                      port.id if port else '']
    return ok, rows, created


def _settle(conn, report, prefix, created, rows, power_off, timeout):
    """Wait for new servers to be ACTIVE, then stop them if asked.

    One listing per round (server_listing.wait_listed). Updates the status
    in ``rows``; returns False when a stop failed.
    """
    ok = True
    report.progress('Waiting for %d server(s) to become ACTIVE ...'
                    % len(created))
    built = listing.wait_listed(conn, report, prefix,
                                [s.id for s in created],
                                lambda s: s.status in ('ACTIVE', 'SHUTOFF')
                                and not s.task_state, timeout)
    to_stop = []
    for server in built.values():
        rows[server.name][2] = server.status
        if (power_off and server.status == 'ACTIVE'
                and not server.task_state):
            to_stop.append(server)
    for server in to_stop:
        report.progress('Stopping %s ...' % server.name)
        try:
            conn.compute.stop_server(server)
        except sdk_exc.ConflictException:
            pass    # already stopping: the wait below sees it
        except sdk_exc.SDKException as e:
            report.fail('cannot stop server %s (%s): %s' % (
                server.name, server.id, common.describe_error(e)))
            ok = False
    if to_stop:
        stopped = listing.wait_listed(conn, report, prefix,
                                      [s.id for s in to_stop],
                                      lambda s: s.status == 'SHUTOFF'
                                      and not s.task_state, timeout)
        for server in stopped.values():
            rows[server.name][2] = server.status
    return ok


def run(conn, args, report):
    refs = [nic_net.parse_network(value) for value in args.network]
    ok = create_nodes(conn, report, args.prefix, args.count, args.flavor,
                      args.image, refs[0][0],
                      nic_networks=[ref for ref, _p in refs[1:]],
                      physnets=[physnet for _r, physnet in refs],
                      address_pairs=args.allowed_address_pair or (),
                      extra_networks=args.extra_network or (),
                      create_network=args.create_network,
                      timeout=args.timeout,
                      shutdown_timeout=args.shutdown_timeout,
                      boot=args.boot, firmware=args.firmware)
    report.table()
    if not ok:
        report.progress('Some servers failed (see above): the table shows '
                        'what exists. Fix the cause and run again: '
                        'existing servers and ports are reused.')
        return 1
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser(
        'create-nodes',
        help='create the Nova servers that play bare-metal machines',
        description='Create COUNT servers named PREFIX-0 ... PREFIX-(COUNT-1) '
                    'with a pre-created port on the provisioning network '
                    '(port security disabled; no fixed IP where Neutron '
                    'allows it), optional extra networks, booted from '
                    'IMAGE (the rescue image or a blank disk image) and '
                    'powered off once ACTIVE. Servers that already exist '
                    'are found and left as they are.')
    p.add_argument('--count', type=int, required=True,
                   help='how many servers')
    p.add_argument('--prefix', default='baremetal',
                   help='server name prefix (default: %(default)s)')
    p.add_argument('--flavor', required=True,
                   help='flavor name or ID: the machines\' CPUs, RAM, disk')
    p.add_argument('--image', required=True,
                   help='image name or ID the servers boot from: the iPXE '
                        'rescue image, or a blank disk image')
    p.add_argument('--network', required=True, action='append',
                   metavar='NETWORK[:PHYSNET]',
                   help='a network (name or ID) of the servers, one NIC '
                        'each, in order; repeatable. The first is the '
                        'provisioning network, where Ironic\'s DHCP/PXE '
                        'traffic flows; each further one gets a port made '
                        'beforehand (SERVER-NETWORK, a MAC the agent does '
                        'not ignore, the network\'s port security and '
                        'addressing). PHYSNET: the physical_network of '
                        'Ironic\'s ports on it, printed as the '
                        '[openstack]physical_networks line to configure')
    p.add_argument('--allowed-address-pair', action='append',
                   metavar='CIDR',
                   help='an allowed address pair of every new port on a '
                        'network with port security (e.g. the virtual IPs '
                        'a deployed node carries); repeatable. Ports '
                        'without port security pass every address')
    p.add_argument('--boot', choices=('pxe', 'virtual-media'),
                   default='pxe',
                   help='how Ironic will boot the agent: "pxe" (its DHCP '
                        'and PXE on the network: port security off, no '
                        'Neutron addressing) or "virtual-media" (boot '
                        'interface openstack-virtual-media: an ordinary '
                        'network with a subnet, port security as the '
                        'network has it, the fixed IP from Neutron) '
                        '(default: %(default)s)')
    fw.add_argument(p, 'the servers\' firmware: IMAGE must say so '
                       '(hw_firmware_type; without it Nova boots BIOS, '
                       'UEFI for aarch64), else nothing is created; the '
                       'tool never changes an image\'s firmware (default: '
                       'what IMAGE says)')
    p.add_argument('--create-network', action='store_true',
                   help='create the provisioning network when missing (no '
                        'subnet, port security disabled)')
    p.add_argument('--extra-network', action='append', metavar='NETWORK',
                   help='another network to attach (Nova creates the port); '
                        'repeatable')
    p.add_argument('--timeout', type=int, default=DEFAULT_TIMEOUT,
                   metavar='SECONDS',
                   help='how long to wait for servers to become ACTIVE, '
                        'then SHUTOFF (default: %(default)s)')
    p.add_argument('--shutdown-timeout', type=int,
                   default=server_image.DEFAULT_SHUTDOWN_TIMEOUT,
                   metavar='SECONDS',
                   help='os_shutdown_timeout set on IMAGE when it has none '
                        'or a longer one: how long Nova waits for a guest to '
                        'shut down before forcing it off; it must stay well '
                        'below Ironic\'s power timeout (default: '
                        '%(default)s)')
    p.set_defaults(func=run, columns=COLUMNS, needs=('cloud',))
    return p
