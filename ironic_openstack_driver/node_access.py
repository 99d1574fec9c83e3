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

"""A task's way to its node's server, for every interface of the driver.

Each interface (power, management, console, inspect, vendor, boot) gets
the task's client with node_client() and reads the server with
read_server(). What they keep for a task (its client, the power state read
under its exclusive lock, when a verifying task first read) lives in
caches.CACHES.tasks and goes with the task.
"""

import copy
import time

from ironic.common import states

from ironic_openstack_driver.caches import CACHES
from ironic_openstack_driver import client as os_client
from ironic_openstack_driver import driver_info as os_info

# Ironic reads the power state under the exclusive lock just before it sets
# it, in the same task; that read chooses the first action instead of a
# second GET (converge.run says why that is safe). Keyed by task, so a read
# never outlives its lock; older than this many seconds, it is not used.
LAST_READ_MAX_AGE = 1.0

# Names of what is kept per task (caches.TaskState).
_CLIENT = 'client'          # (driver_info when parsed, NodeClient)
_LAST_READ = 'last read'    # (time.monotonic(), server)
_VERIFY_ASKED = 'verify asked'  # time.monotonic() of the first read


def node_client(task):
    """A client for the task's node, from its parsed driver_info.

    One per task: Ironic's power sync asks each node's power state, boot
    mode, secure boot state and health in one task; parsing driver_info
    and finding the cached connection for each call was about half of the
    driver's conductor CPU in a sweep (profiled with Ironic's own
    do_sync_power_state). A task whose node (or its driver_info) changed
    gets a new client.

    :param task: a TaskManager instance.
    :raises: InvalidParameterValue, MissingParameterValue for a bad
        driver_info.
    """
    node = task.node
    cached = CACHES.tasks.get(task, _CLIENT)
    if cached is not None and cached[1].node is node \
            and cached[0] == node.driver_info:
        return cached[1]
    client = os_client.NodeClient(node, os_info.parse_driver_info(node))
    CACHES.tasks.set(task, _CLIENT, (copy.deepcopy(node.driver_info), client))
    return client


def verifying(task):
    """Whether the task is Ironic's verify (``manage``) of its node."""
    return not task.shared and task.node.provision_state == states.VERIFYING


def read_server(task, client):
    """The task's server, from the shared listing where that is as good.

    Under a shared lock (Ironic's periodic power sync) a listing at most
    [openstack]server_list_max_age seconds old answers. While the node is
    verifying (Ironic's ``manage`` records the power state, boot mode and
    secure boot state it reads), a listing begun after the task's first
    read was asked answers all its reads: as fresh as a GET, but the
    verifies that wait together share one listing, so enrolling N nodes
    does not queue 3N reads under N exclusive locks. Under any other
    exclusive lock Ironic is about to act on the node, and the server is
    read on its own.

    :param task: a TaskManager instance.
    :param client: the task's NodeClient (node_client).
    :raises: DriverOperationError when the server cannot be read.
    """
    if task.shared:
        return client.get_server(cached=True)
    if verifying(task):
        asked = CACHES.tasks.setdefault(task, _VERIFY_ASKED, time.monotonic())
        return client.get_server(cached=True, listed_after=asked)
    return client.get_server()


def verify_read_asked(task):
    """Whether a verifying task has asked for its first read."""
    return CACHES.tasks.has(task, _VERIFY_ASKED)


def remember_read(task, server):
    """Keep the server as read under the task's exclusive lock, just now."""
    CACHES.tasks.set(task, _LAST_READ, (time.monotonic(), server))


def recent_read(task):
    """The server remember_read() kept, used up; None when it is too old.

    :returns: the server as read at most LAST_READ_MAX_AGE seconds ago
        under the task's lock, or None.
    """
    read_at, server = CACHES.tasks.pop(task, _LAST_READ, (None, None))
    if read_at is not None and time.monotonic() - read_at <= LAST_READ_MAX_AGE:
        return server
    return None
