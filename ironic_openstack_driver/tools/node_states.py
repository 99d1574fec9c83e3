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

"""Moving enrolled nodes on: manage in batches, then inspect and provide.

manage_nodes asks Ironic to manage up to MANAGE_BATCH nodes, then reads
one node listing per round until none of them is verifying, and so on
batch by batch: hundreds of nodes verify in the time of a few. inspect,
provide and adopt move one node at a time (set_state).
"""

import time

from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as sdk_exc

from ironic_openstack_driver.tools import common
from ironic_openstack_driver.tools.common import ToolError
from ironic_openstack_driver.tools import waiting

# Ironic 39's conductor refuses all work for good once its worker pool has
# grown to its maximum ([conductor]workers_pool_size less the reserved
# share): its rejection counts idle threads too, and futurist's
# DynamicThreadPoolExecutor shrinks only in maintain(), which Ironic never
# calls. 1000 manage requests at once grew it there, so at most this many
# nodes verify at once.
MANAGE_BATCH = 100
# Requests refused for a passing reason (409 NodeLocked, a 5xx, no
# answer) are asked again this many times; "no free conductor workers"
# (503) until the deadline.
ATTEMPTS = 10
RETRY_PAUSE = 2.0
POLL_INTERVAL = 1.0
# Ironic adopts from these provision states.
ADOPTABLE = ('manageable', 'adopt failed')
# The node fields a wait reads (Ironic's names).
LISTED_FIELDS = ('uuid', 'name', 'provision_state', 'target_provision_state',
                 'power_state', 'last_error', 'properties')


def _move(bm, report, node, target, expected, timeout):
    report.progress('%s: %s ...' % (node.name, target))
    try:
        return bm.set_node_provision_state(node, target, wait=True,
                                           timeout=timeout)
    except sdk_exc.SDKException as e:
        try:
            node = bm.get_node(node.id)
            why = node.last_error or common.describe_error(e)
            state = node.provision_state
        except sdk_exc.SDKException:
            why, state = common.describe_error(e), '?'
        raise ToolError('node %s (%s): "%s" did not reach %s (now %s): %s'
                        % (node.name, node.id, target, expected, state, why))


def adopt(bm, report, node, timeout):
    """Adopt a manageable node: boot device DISK, then Ironic's adopt.

    Ironic sets no boot device while it adopts, and the driver boots the
    recorded one at the next power on: DISK (persistent) is recorded
    first, so that the server keeps booting its disk. Neither step sends
    Nova an action. A node that is active already is left alone.

    :raises: ToolError when the node is neither active nor adoptable, or
        the adoption fails (with Ironic's last_error).
    """
    if node.provision_state == 'active':
        return node
    if node.provision_state not in ADOPTABLE:
        raise ToolError(
            'node %s (%s) is %s: Ironic adopts from %s only (a node that '
            'went on to available would be cleaned and deployed instead)'
            % (node.name, node.id, node.provision_state,
               ' or '.join(ADOPTABLE)))
    report.progress('%s: boot device disk (persistent) ...' % node.name)
    common.call('cannot set boot device disk of node %s' % node.name,
                bm.set_node_boot_device, node, 'disk', persistent=True)
    return _move(bm, report, node, 'adopt', 'active', timeout)


def set_state(bm, report, node, manage, provide, timeout, inspect=False,
              adopt_it=False):
    """Move an enrolled node to manageable/available/active if asked.

    With ``inspect``, a manageable node that was never inspected (no
    memory_mb) is inspected before it is provided or adopted; with
    ``adopt_it``, a manageable node is adopted (adopt).
    """
    if not (manage or provide or inspect or adopt_it):
        return node
    if node.provision_state == 'enroll':
        node = _move(bm, report, node, 'manage', 'manageable', timeout)
    if (inspect and node.provision_state == 'manageable'
            and not (node.properties or {}).get('memory_mb')):
        node = _move(bm, report, node, 'inspect', 'manageable', timeout)
    if adopt_it:
        return adopt(bm, report, node, timeout)
    if provide and node.provision_state == 'manageable':
        node = _move(bm, report, node, 'provide', 'available', timeout)
    return node


def _ask_manage(bm, node, deadline):
    """Ask Ironic to manage ``node``; None when asked, else why not.

    Asked again after a passing refusal; before each new attempt the node
    is read, in case an earlier attempt went through.
    """
    failures = 0
    while True:
        try:
            bm.set_node_provision_state(node, 'manage', wait=False)
            return None
        except (sdk_exc.HttpException, ks_exc.ConnectionError) as e:
            why = common.describe_error(e)
            code = getattr(e, 'status_code', None)
            if code == 503:
                if time.monotonic() > deadline:
                    return why
            elif code is not None and code < 500 and code != 409:
                return why
            else:
                failures += 1
                if failures >= ATTEMPTS:
                    return why
        except sdk_exc.SDKException as e:
            return common.describe_error(e)
        waiting.pause(RETRY_PAUSE)
        try:
            if bm.get_node(node.id).provision_state != 'enroll':
                return None
        except (sdk_exc.SDKException, ks_exc.ConnectionError):
            pass


def _verified(node):
    """Whether a listed node is done verifying (manageable or failed)."""
    if node is None or node.provision_state == 'verifying':
        return False
    return node.provision_state != 'enroll' or bool(node.last_error)


def manage_nodes(bm, report, nodes, timeout, workers=1, batch=None):
    """Move nodes in enroll to manageable, ``batch`` verifying at once.

    Each batch is asked (``workers`` requests at once), then waited for
    on one node listing per round until none of it is verifying. A node
    that fails (back in enroll: Ironic's last_error) is reported and the
    others go on.

    :param nodes: the nodes (in enroll).
    :param timeout: seconds for each batch.
    :param batch: nodes verifying at once (default MANAGE_BATCH).
    :returns: (ok, {node ID: the node as last listed}).
    """
    batch = batch or MANAGE_BATCH
    ok = True
    result = {}

    def fail(node, state, why):
        report.fail('node %s (%s): "manage" did not reach manageable '
                    '(now %s): %s' % (node.name, node.id, state, why))

    for start in range(0, len(nodes), batch):
        chunk = nodes[start:start + batch]
        deadline = time.monotonic() + timeout
        report.progress('Managing nodes %s ... %s ...' % (
            chunk[0].name, chunk[-1].name))
        refused = waiting.in_parallel(
            lambda node: _ask_manage(bm, node, deadline), chunk, workers)
        asked = []
        for node, why in zip(chunk, refused):
            if why:
                fail(node, node.provision_state, why)
                ok = False
            else:
                asked.append(node)
        listed = {}

        def verified():
            listed.clear()
            listed.update((n.id, n) for n in common.call(
                'cannot list Ironic\'s nodes',
                lambda: list(bm.nodes(fields=LISTED_FIELDS))))
            return all(_verified(listed.get(node.id)) for node in asked)
        try:
            waiting.wait_for('nodes %s ... %s verified' % (
                chunk[0].name, chunk[-1].name), verified,
                max(0.0, deadline - time.monotonic()),
                interval=POLL_INTERVAL, tolerate=(ToolError,))
        except TimeoutError:
            pass    # each node still verifying is reported below
        for node in asked:
            seen = listed.get(node.id)
            if seen is not None and seen.provision_state == 'manageable':
                result[node.id] = seen
                continue
            ok = False
            state = seen.provision_state if seen is not None else '?'
            fail(node, state, seen.last_error if seen is not None
                 and seen.last_error else 'still %s after %d s' % (
                     state, timeout))
    return ok, result
