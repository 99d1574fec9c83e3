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

"""Many servers at once: waits that read one listing, batch creation by
Nova's multi-create, deletion.

A wait reads one listing of the servers named PREFIX... per round, however
many servers it waits for (rather than one GET per server). Batch creation
asks Nova for up to BATCH servers per request (min_count = max_count),
waits for them on the listing, then renames them to the names create-nodes
gives (PREFIX-0, PREFIX-1 ...), so that a later run finds them. A batch's
servers still named PREFIX-batch-<6 hex digits>[-<i>] were left by a run
stopped before its renames (interrupted, or its wait timed out): the next
creation for PREFIX deletes them (batch_leftovers).
"""

import re
import uuid

from openstack import exceptions as sdk_exc

from ironic_openstack_driver.tools import common
from ironic_openstack_driver.tools.common import call as _call
from ironic_openstack_driver.tools.common import ToolError
from ironic_openstack_driver.tools import waiting

# Servers per page of a listing: Nova's default [api]max_limit, so that a
# batch is one page. With small pages, a listing made while Nova moves a
# multi-create batch from build requests to instances can be handed the
# same page marker twice (openstacksdk: "Endless pagination loop
# detected"); such a listing counts as "not yet" in a wait.
LIST_PAGE = 1000
POLL_INTERVAL = 1.0
# One listing per round: a round per second for a few servers, less often
# for many (a listing of N servers costs Nova about N times one GET).
SERVERS_PER_POLL_SECOND = 40
# Servers renamed (or deleted) at once after a batch.
WORKERS = 8


def poll_interval(count):
    """Seconds between two listings when waiting for ``count`` servers."""
    return max(POLL_INTERVAL, count / float(SERVERS_PER_POLL_SECOND))


def list_servers(conn, prefix):
    """{server ID: server} of the servers whose name starts with prefix.

    One listing (GET /servers/detail?name=^PREFIX), in pages of LIST_PAGE.

    :raises: ToolError naming the listing.
    """
    return _call('cannot list servers named %s*' % prefix,
                 lambda: {s.id: s for s in conn.compute.servers(
                     details=True, name='^%s' % prefix, limit=LIST_PAGE)})


def wait_listed(conn, report, prefix, server_ids, done, timeout):
    """Wait until done(server) or ERROR for every server of server_ids.

    Reads one listing per round (list_servers); a server the listing
    does not show (deleted meanwhile) is read by ID. A listing that fails
    counts as "not yet".

    :param server_ids: IDs of servers named PREFIX...
    :param done: a callable taking a server: whether it is where wanted.
    :returns: {server ID: the server as last read}, every server of
        server_ids, settled or not when ``timeout`` passed.
    :raises: ToolError when a server the listing misses cannot be read.
    """
    pending = set(server_ids)
    seen = {}
    last = {}

    def settled():
        listed = list_servers(conn, prefix)
        for server_id in list(pending):
            server = listed.get(server_id)
            if server is None:
                server = _call('cannot read server %s' % server_id,
                               conn.compute.get_server, server_id)
            seen[server_id] = server
            state = (server.status, server.task_state)
            if last.get(server_id) != state:
                report.progress('  %s: %s%s' % (
                    server.name, server.status,
                    ' (%s)' % server.task_state if server.task_state
                    else ''))
                last[server_id] = state
            if server.status == 'ERROR' or done(server):
                pending.discard(server_id)
        return not pending

    try:
        waiting.wait_for('%d server(s)' % len(pending), settled, timeout,
                         interval=poll_interval(len(pending)),
                         tolerate=(ToolError,))
    except TimeoutError:
        pass    # the caller reports what did not get there
    missing = set(server_ids) - set(seen)
    if missing:
        raise ToolError('cannot list servers named %s*: no listing '
                        'answered within %d s' % (prefix, timeout))
    return seen


def batch_leftovers(servers, prefix):
    """The servers among ``servers`` that a batch left unrenamed.

    Named PREFIX-batch-<6 hex digits> (a request of one server) or
    PREFIX-batch-<6 hex digits>-<i> (Nova's numbering of a multi-create):
    create_batches gives such names only until it renames the servers,
    so one still listed belongs to no run that can finish.
    """
    pattern = re.compile(r'^%s-batch-[0-9a-f]{6}(-\d+)?$'
                         % re.escape(prefix))
    return [s for s in servers if pattern.match(s.name or '')]


def _in_parallel(func, items):
    return waiting.in_parallel(func, items, WORKERS)


def create_batches(conn, report, prefix, names, flavor, image, networks,
                   batch, timeout):
    """Create the servers ``names`` by multi-create, ``batch`` per request.

    Each request is named PREFIX-batch-<random>; once Nova lists all its
    servers built (or in ERROR) they are renamed to ``names``, in Nova's
    order. A run stopped before the renames leaves servers named
    PREFIX-batch-...: the next creation for PREFIX deletes them
    (batch_leftovers, servers.create_servers).

    :param networks: Nova's ``networks`` of every server ('none', or
        networks by UUID: no pre-made port, which one server only uses).
    :returns: {name: server} of the servers made, settled or not.
    :raises: ToolError when a request fails, or when Nova did not list a
        batch's servers within ``timeout``.
    """
    requests = {}
    for start in range(0, len(names), batch):
        chunk = names[start:start + batch]
        label = '%s-batch-%s' % (prefix, uuid.uuid4().hex[:6])
        report.progress('Creating servers %s ... %s in one request '
                        '(flavor %s, image %s) ...' % (
                            chunk[0], chunk[-1], flavor.name, image.name))
        _call('cannot create servers %s ... %s' % (chunk[0], chunk[-1]),
              conn.compute.create_server, name=label, flavor_id=flavor.id,
              image_id=image.id, networks=networks, min_count=len(chunk),
              max_count=len(chunk))
        requests[label] = chunk
    found = {}

    def built():
        listed = list_servers(conn, prefix).values()
        found.clear()
        for label, chunk in requests.items():
            mine = [s for s in listed if s.name == label
                    or (s.name or '').startswith(label + '-')]
            if len(mine) < len(chunk) or any(
                    s.status not in ('ACTIVE', 'SHUTOFF', 'ERROR')
                    or (s.task_state and s.status != 'ERROR')
                    for s in mine):
                return False
            found[label] = sorted(mine, key=_nova_index)
        return True

    report.progress('Waiting for %d server(s) to be built ...' % len(names))
    waiting.wait_for('%d server(s) built' % len(names), built, timeout,
                     interval=poll_interval(len(names)),
                     tolerate=(ToolError,),
                     error=lambda why: ToolError('servers %s ... %s: %s' % (
                         names[0], names[-1], why)))
    pairs = [(name, server) for label, chunk in requests.items()
             for name, server in zip(chunk, found[label])]

    def rename(pair):
        name, server = pair
        return name, _call('cannot rename server %s (%s) to %s' % (
            server.name, server.id, name), conn.compute.update_server,
            server, name=name)
    return dict(_in_parallel(rename, pairs))


def create_missing_batches(conn, report, prefix, names, existing,
                           flavor_obj, image_obj, extras, batch, timeout):
    """Create the servers among ``names`` that do not exist, in batches.

    What create-nodes does with a batch size (servers.create_servers).

    :param existing: {name: server} of the servers that exist.
    :param extras: networks every server is attached to by UUID.
    :returns: (ok, rows, servers to wait for): rows as
        servers.create_servers returns them.
    """
    rows = {}
    created = []
    missing = []
    for name in names:
        server = existing.get(name)
        if server is None:
            missing.append(name)
            continue
        rows[name] = [server.id, 'exists', server.status, '', '']
        if server.status == 'BUILD':
            created.append(server)
    if missing:
        networks = [{'uuid': n.id} for n in extras] or 'none'
        made = create_batches(conn, report, prefix, missing, flavor_obj,
                              image_obj, networks, batch, timeout)
        for name in missing:
            rows[name] = [made[name].id, 'created', made[name].status, '',
                          '']
            created.append(made[name])
    return True, rows, created


def _nova_index(server):
    """Nova's number of a multi-created server ('<name>-<i>'), else 0."""
    tail = (server.name or '').rsplit('-', 1)[-1]
    return (int(tail) if tail.isdigit() else 0), server.id


def delete_servers(conn, report, prefix, server_ids, timeout):
    """Delete servers named PREFIX... and wait until Nova lists none.

    :raises: ToolError naming the servers still listed at ``timeout``.
    """
    server_ids = list(server_ids)

    def delete(server_id):
        try:
            conn.compute.delete_server(server_id, ignore_missing=True)
        except sdk_exc.SDKException as e:
            raise ToolError('cannot delete server %s: %s' % (
                server_id, common.describe_error(e)))
    _in_parallel(delete, server_ids)
    left = set()

    def gone():
        left.clear()
        left.update(set(server_ids) & set(list_servers(conn, prefix)))
        return not left
    if server_ids:
        report.progress('Waiting for %d server(s) to be deleted ...'
                        % len(server_ids))
        waiting.wait_for('%d server(s) deleted' % len(server_ids), gone,
                         timeout, interval=poll_interval(len(server_ids)),
                         tolerate=(ToolError,),
                         error=lambda why: ToolError('%s; still listed: %s'
                                                     % (why, ', '.join(
                                                         sorted(left)))))
