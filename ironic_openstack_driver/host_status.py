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

"""The status of a server's compute host, as Nova's host_status says it.

Nova shows a server's ``host_status`` only from microversion 2.16 and, by
default policy, only to admins; and a compute host that goes down changes
no server, so a changes-since listing (server_snapshot) would carry the
news only at the next full listing. The status is read instead from where
Nova derives it: the compute services (``GET /os-services``), one request
per cloud at most every [openstack]server_list_max_age seconds, keyed by
the server's host (``OS-EXT-SRV-ATTR:host``, shown to the same admins).
Credentials that see no host, or that Nova refuses the services list
(members, by default policy), get no status: the health then says nothing
of the host. The list is read at 2.11, where Nova shows ``forced_down``;
where the connection may not use 2.11 (a compute microversion cap below
it, or an older Nova), at 2.1, where a forced-down service shows only as
down: the host then reads UNKNOWN instead of DOWN, never UP.
"""

import collections
import threading
import time

from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as sdk_exc
from openstack import utils as sdk_utils
from oslo_log import log

LOG = log.getLogger(__name__)

# forced_down is shown from 2.11; the services list exists from 2.1.
SERVICES_MICROVERSION = '2.11'
OLDEST_MICROVERSION = '2.1'
SERVICES_URL = '/os-services?binary=nova-compute'

UP, UNKNOWN, MAINTENANCE, DOWN = 'UP', 'UNKNOWN', 'MAINTENANCE', 'DOWN'


def from_service(service):
    """host_status of a compute service, as nova.compute.api computes it.

    :param service: one entry of Nova's os-services answer.
    """
    if service.get('forced_down'):
        return DOWN
    if service.get('status') == 'disabled':
        return MAINTENANCE
    return UP if service.get('state') == 'up' else UNKNOWN


def services_microversion(compute):
    """The microversion to list the compute services at.

    2.11 where the connection may use it (openstacksdk's check: the cloud's
    Nova offers it and no compute microversion cap pinned the proxy below
    it), else 2.1.

    :param compute: the connection's compute proxy.
    """
    if sdk_utils.supports_microversion(compute, SERVICES_MICROVERSION):
        return SERVICES_MICROVERSION
    return OLDEST_MICROVERSION


def list_statuses(compute):
    """host -> host_status of every compute service, or None if refused.

    :param compute: the connection's compute proxy.
    :raises: openstack.exceptions.SDKException for an HTTP error but 403.
    """
    response = compute.get(SERVICES_URL,
                           microversion=services_microversion(compute))
    if response.status_code == 403:
        return None
    sdk_exc.raise_from_response(response,
                                error_message='Listing compute services '
                                              'failed')
    return {service['host']: from_service(service)
            for service in response.json().get('services') or []
            if service.get('binary', 'nova-compute') == 'nova-compute'}


class HostStatuses:
    """Compute host statuses, one read per connection key and max_age.

    One of the stores of caches.CACHES: at most ``max_clouds()`` keys are
    kept (the least recently read go first, with their locks).
    """

    def __init__(self, max_clouds=lambda: 64):
        self.max_clouds = max_clouds
        # key -> (time.monotonic(), statuses or None, the key's read lock)
        self._read = collections.OrderedDict()
        self._lock = threading.Lock()

    def status(self, key, get_compute, host, max_age):
        """The host_status of ``host`` in the cloud of ``key``, or None.

        None when the host is not known (no host shown, no such service),
        when Nova refuses these credentials the services list, or when the
        list cannot be read (logged).

        :param key: the connection key (one cloud and credential set).
        :param get_compute: returns the connection's compute proxy
            (called only when a read is due).
        :param host: the server's OS-EXT-SRV-ATTR:host, or None.
        :param max_age: seconds one read answers.
        """
        if not host:
            return None
        with self._lock:
            entry = self._read.get(key)
            if entry is None:
                entry = (None, None, threading.Lock())
                self._read[key] = entry
                while len(self._read) > self.max_clouds():
                    self._read.popitem(last=False)
            self._read.move_to_end(key)
        when, statuses, read_lock = entry
        if when is None or time.monotonic() - when > max_age:
            # The key's own lock, held across the request: threads that
            # need the same read wait for it (never with self._lock).
            with read_lock:
                with self._lock:
                    entry = self._read.get(key, entry)
                when, statuses = entry[0], entry[1]
                if when is None or time.monotonic() - when > max_age:
                    statuses = self._list(get_compute)
                    with self._lock:
                        if key in self._read:
                            self._read[key] = (time.monotonic(), statuses,
                                               read_lock)
        return statuses.get(host) if statuses is not None else None

    def __len__(self):
        return len(self._read)

    @staticmethod
    def _list(get_compute):
        try:
            return list_statuses(get_compute())
        except (sdk_exc.SDKException, ks_exc.ClientException,
                ValueError) as e:   # ValueError: a body not JSON
            LOG.warning('Reading the compute services of a cloud failed; '
                        'node health says nothing of compute hosts until '
                        'the next read: %s', e)
            return None

    def clear(self):
        with self._lock:
            self._read.clear()
