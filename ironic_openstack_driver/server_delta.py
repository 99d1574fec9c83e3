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

"""When a delta listing (Nova's changes-since) may refresh a snapshot.

Pure rules, no I/O: server_snapshot.py does the listings and asks these
functions which kind of listing to send and whether its answer can be
merged.

Nova's ``GET /servers/detail?changes-since=T`` (any project member, from
microversion 2.1) answers the servers whose ``updated_at`` is at or after T,
deleted servers included (status ``DELETED``) until an operator archives
them (nova/api/openstack/compute/servers.py, _get_servers: without
changes-since the API adds the filter deleted=False; with it, none;
nova/db/main/api.py: ``updated_at >= changes-since``). ``updated_at`` is
written with the clock of whichever Nova service saved the server, so T is
taken from Nova's own clock (the ``Date`` header of the previous listing's
first answer) minus a margin for clock skew between Nova's services, for
the time Nova spends answering, and for updates in flight while it answers.
"""

import dataclasses
import datetime

# Why a full listing is sent instead of a delta.
FIRST = 'first listing'
FAILED = 'the last listing failed'
INTERVAL = 'full listing interval reached'
PAGE_LIMIT = 'more changes than one page'
CLOCK_JUMP = 'a clock jumped'
NO_DELTAS = 'delta listings disabled'

DELETED_STATUS = 'DELETED'


@dataclasses.dataclass(frozen=True)
class Listing:
    """One listing's answer.

    :ivar servers: {server id: ListedServer} of the servers it showed.
    :ivar deleted: ids of the deleted servers it showed (delta only).
    :ivar clock: Nova's time of the first answer (epoch seconds, from its
        Date header; the conductor's wall clock when there was none).
    :ivar answered_at: time.monotonic() when that answer arrived.
    :ivar truncated: a delta whose page was full (Nova links a next page).
    """
    servers: dict
    deleted: frozenset
    clock: float
    answered_at: float
    truncated: bool = False


@dataclasses.dataclass(frozen=True)
class State:
    """What a snapshot remembers of its listings.

    :ivar clock: Listing.clock of the listing merged last; None when the
        last listing failed.
    :ivar answered_at: Listing.answered_at of that listing.
    :ivar full_started_at: time.monotonic() when the last full listing
        began.
    """
    clock: float
    answered_at: float
    full_started_at: float


def full_listing_reason(state, now, full_interval):
    """Why the next listing must be a full one, or None: a delta will do.

    :param state: the snapshot's State, None before the first listing.
    :param now: time.monotonic() now.
    :param full_interval: seconds between two full listings; 0 disables
        delta listings.
    """
    if full_interval <= 0:
        return NO_DELTAS
    if state is None:
        return FIRST
    if state.clock is None:
        return FAILED
    if now - state.full_started_at >= full_interval:
        return INTERVAL
    return None


def changes_since(state, margin):
    """The changes-since value of a delta after the listing of state.

    :param margin: seconds subtracted from Nova's time of that listing.
    :returns: an ISO 8601 UTC time, as Nova's query schema wants it.
    """
    since = datetime.datetime.fromtimestamp(state.clock - margin,
                                            tz=datetime.timezone.utc)
    return since.strftime('%Y-%m-%dT%H:%M:%SZ')


def untrusted_delta_reason(state, delta, margin):
    """Why a delta's answer cannot be merged, or None when it can.

    A delta misses nothing when every server saved since the previous
    listing carries an ``updated_at`` at or after changes-since. That fails
    when Nova's clock (or, without a Date header, the conductor's) moved by
    more than the margin against the monotonic clock between the two
    answers, and when the changes did not fit in one page.

    :param state: the snapshot's State (of the previous listing).
    :param delta: the delta's Listing.
    :param margin: the changes-since margin, in seconds.
    """
    if delta.truncated:
        return PAGE_LIMIT
    drift = ((delta.clock - state.clock)
             - (delta.answered_at - state.answered_at))
    if abs(drift) > margin:
        return CLOCK_JUMP
    return None


def merge(servers, delta):
    """The snapshot's servers updated by a delta: a new dict.

    Servers the delta shows replace their older entries (or are added);
    deleted ones are removed, so that their nodes read them fresh and
    learn that they are gone.

    :param servers: {server id: ListedServer} of the snapshot.
    :param delta: the delta's Listing.
    """
    merged = dict(servers)
    merged.update(delta.servers)
    for server_id in delta.deleted:
        merged.pop(server_id, None)
    return merged


def is_deleted(body):
    """Whether a server in Nova's JSON is a deleted one.

    A delta shows them, with the status that Nova's view gives every
    deleted server.
    """
    return body.get('status') == DELETED_STATUS
