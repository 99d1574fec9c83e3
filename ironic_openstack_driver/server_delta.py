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
taken from Nova's own clock at the time the previous listing was *sent*,
minus a margin for clock skew between Nova's services.

Nova's clock at send time is read from the ``Date`` header of the first
answer, which Nova stamps after it has queried its database and built the
page, less the whole round trip measured on the conductor's monotonic
clock (``send_time``): Nova cannot have queried before the request left,
so a server saved after the query carries an ``updated_at`` at or after
that time, however long Nova took to answer. An answer without a valid
``Date`` header leaves only the conductor's wall clock, whose offset from
Nova's is unknown: the margin is then at least UNDATED_MARGIN.
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

#: Seconds a delta reaches back, at least, when the previous listing's
#: answer had no Date header (its time is the conductor's wall clock, not
#: Nova's): room for the skew between the conductor's clock and Nova's.
UNDATED_MARGIN = 120.0


def send_time(date, sent_at, answered_at):
    """Nova's clock when a request was sent, at the latest.

    :param date: Nova's time in the answer's Date header (epoch seconds,
        whole seconds rounded down), stamped at some moment between the
        request leaving and the answer arriving.
    :param sent_at: time.monotonic() when the request was sent.
    :param answered_at: time.monotonic() when the answer arrived.
    :returns: epoch seconds: the Date less the whole round trip.
    """
    return date - max(0.0, answered_at - sent_at)


@dataclasses.dataclass(frozen=True)
class Listing:
    """One listing's answer.

    :ivar servers: {server id: ListedServer} of the servers it showed.
    :ivar deleted: ids of the deleted servers it showed (delta only).
    :ivar clock: Nova's time when the first request was sent (epoch
        seconds, see send_time; the conductor's wall clock then when the
        answer had no Date header).
    :ivar sent_at: time.monotonic() when that request was sent.
    :ivar truncated: a delta whose page was full (Nova links a next page).
    :ivar dated: whether clock comes from Nova's Date header.
    """
    servers: dict
    deleted: frozenset
    clock: float
    sent_at: float
    truncated: bool = False
    dated: bool = True


@dataclasses.dataclass(frozen=True)
class State:
    """What a snapshot remembers of its listings.

    :ivar clock: Listing.clock of the listing merged last; None when the
        last listing failed.
    :ivar sent_at: Listing.sent_at of that listing.
    :ivar full_started_at: time.monotonic() when the last full listing
        began.
    :ivar dated: Listing.dated of that listing.
    """
    clock: float
    sent_at: float
    full_started_at: float
    dated: bool = True

    @classmethod
    def after(cls, listing, full_started_at):
        """The State after merging ``listing``."""
        return cls(listing.clock, listing.sent_at, full_started_at,
                   listing.dated)


def margin_after(state, margin):
    """The margin of a delta after the listing of ``state``.

    :param margin: [openstack]server_list_changes_margin.
    :returns: ``margin``, or at least UNDATED_MARGIN when that listing's
        time was not Nova's.
    """
    return margin if state.dated else max(margin, UNDATED_MARGIN)


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

    :param margin: seconds subtracted from Nova's time when that listing
        was sent ([openstack]server_list_changes_margin; see margin_after).
    :returns: an ISO 8601 UTC time, as Nova's query schema wants it.
    """
    since = datetime.datetime.fromtimestamp(
        state.clock - margin_after(state, margin), tz=datetime.timezone.utc)
    return since.strftime('%Y-%m-%dT%H:%M:%SZ')


def untrusted_delta_reason(state, delta, margin):
    """Why a delta's answer cannot be merged, or None when it can.

    A delta misses nothing when every server saved since the previous
    listing carries an ``updated_at`` at or after changes-since. That fails
    when Nova's clock (or, without a Date header, the conductor's) moved by
    more than the margin against the monotonic clock between the two
    listings, and when the changes did not fit in one page.

    :param state: the snapshot's State (of the previous listing).
    :param delta: the delta's Listing.
    :param margin: the changes-since margin, in seconds.
    """
    if delta.truncated:
        return PAGE_LIMIT
    drift = ((delta.clock - state.clock)
             - (delta.sent_at - state.sent_at))
    if abs(drift) > margin_after(state, margin):
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
