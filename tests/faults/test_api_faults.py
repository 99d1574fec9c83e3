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

"""Nova's API and Keystone hanging, refusing, expiring tokens."""

import time

import pytest

from ironic_openstack_driver.tools import waiting
from tests.faults import checks
from tests.faults import ironic as ironic_api
from tests.faults import tools
from tests.faults.tools import labctl

HANG_SECONDS = 8
#: gunicorn's worker --timeout in the lab: a nova-api paused longer has
#: its worker killed once resumed. A long hang ends before.
GUNICORN_TIMEOUT = 300


def test_nova_api_hanging_then_back(ironic, nova, nodes, row):
    r = row('nova-api hanging (SIGSTOP %ds)' % HANG_SECONDS,
            'power off done once it answers')
    node, server = nodes.node()
    since = checks.before(nova, server)
    labctl('fault', 'pause', 'nova-api')
    try:
        ironic.power(node, 'power off')
        time.sleep(HANG_SECONDS)
    finally:
        labctl('fault', 'resume', 'nova-api')
    checks.settled_as_asked(ironic, nova, node, server, 'power off',
                            since=since)
    checks.next_action_works(ironic, nova, node, server, 'power on')
    r['observed'] = checks.seen(ironic, nova, node, server)[1]


@pytest.mark.slow
def test_nova_api_hang_longer_than_the_power_timeout(ironic, nova, nodes,
                                                     lab, nova_admin, row):
    """nova-api hung past the time Ironic gives a power action.

    The action ends with a last_error saying Nova did not answer in
    time; the power sync that reads the node during the hang fails
    without changing Ironic's power state; once Nova answers again, the
    next action works.
    """
    power_timeout = tools.ironic_option(
        lab, 'conductor', 'power_state_change_timeout', 60)
    api_timeout = tools.ironic_option(lab, 'openstack', 'api_timeout', 60)
    sync_interval = tools.ironic_option(
        lab, 'conductor', 'sync_power_state_interval', 60)
    r = row('nova-api hung > %ds power timeout' % power_timeout,
            'error says Nova no answer; sync keeps state')
    node, server = nodes.node(manage=True)
    assert ironic.node(node)['power_state'] == 'power on'
    # While Nova hangs, every other node the power sync reads costs the
    # sync a failed read (one at a time after the listing failed), which
    # pushes this node's failed read past gunicorn's timeout: the row
    # needs a lab whose only synced node is its own.
    others = ironic_api.remove_orphans(
        ironic, nova_admin,
        [n for n in ironic_api.synced_nodes(ironic) if n['uuid'] != node])
    assert not others, (
        'this row needs a lab where Ironic power-syncs no node but its own; '
        'these nodes (servers still in Nova) are synced too: %s. Put them '
        'in maintenance or delete them, then run it again.' % others)
    log = tools.ConductorLog(lab)
    # The sync that reads the node once the action let go of it: one
    # interval, one failed listing, one failed read of the server.
    hang_limit = min(api_timeout + 2 * sync_interval + 2 * api_timeout,
                     GUNICORN_TIMEOUT - 20)
    sync_failed = 'could not get power state for node %s' % node
    since = checks.before(nova, server)
    labctl('fault', 'pause', 'nova-api')
    paused = time.monotonic()
    try:
        ironic.power(node, 'power off')
        shown = ironic.settled(node, 'power off')
        assert shown['last_error'], shown
        failed_after = time.monotonic() - paused
        assert shown['power_state'] == 'power on', shown
        # Nova stays hung past Ironic's power timeout and until Ironic's
        # power sync has tried to read the node; meanwhile Ironic's
        # power state stays what Nova last showed.
        while (time.monotonic() - paused < power_timeout + 5
               or not log.lines(sync_failed)):
            now = ironic.node(node)
            assert (now['power_state'], now['maintenance']) == (
                'power on', False), now
            assert time.monotonic() - paused < hang_limit, (
                'no power sync of node %s failed within %ds of the hang'
                % (node, hang_limit))
            time.sleep(2)
        hung = time.monotonic() - paused
    finally:
        labctl('fault', 'resume', 'nova-api')
    # Nova never got the stop: its first read did not answer.
    shown = checks.clear_error(ironic, node, 'power off',
                               'Nova did not answer', 'api_timeout',
                               nova=nova, server=server,
                               nova_status='ACTIVE', since=since,
                               nova_actions=[])
    assert ironic.node(node)['power_state'] == 'power on'
    checks.next_action_works(ironic, nova, node, server, 'power off')
    r['observed'] = ('failed after %.0fs: %s | Nova hung %.0fs, %d failed '
                     'sync reads, power state kept; next: %s' % (
                         failed_after, shown['last_error'], hung,
                         len(log.lines(sync_failed)),
                         checks.seen(ironic, nova, node, server)[1]))


#: Nodes of the nova-api-stopped row: each one's failed read would cost a
#: token if a failure to reach Nova dropped the cloud's connection.
REFUSING_NODES = 5


@pytest.mark.slow
def test_nova_api_refusing_connections(ironic, nova, nodes, lab, row):
    """nova-api stopped: clear errors, no login storm, then it works.

    REFUSING_NODES manageable nodes of one cloud (the suite's inline
    credentials) are power-synced by Ironic while nova-api refuses
    connections; Keystone answers. Every node's read fails, and the
    driver keeps its session and token: Keystone issues at most one token
    (goal: at most one per cloud per sweep) while every node's sync
    fails. A power off then fails with a clear error, and once nova-api
    is back the next action works.
    """
    sync_interval = tools.ironic_option(
        lab, 'conductor', 'sync_power_state_interval', 60)
    r = row('nova-api refusing connections',
            'clear error naming node; <=1 token per sweep; then works')
    setup_tokens = tools.KeystoneTokens(lab)
    made = [nodes.node(manage=True) for _ in range(REFUSING_NODES)]
    node, server = made[0]
    since = checks.before(nova, server)
    # The driver's login for these nodes, if its connection is new: shows
    # that the count sees the driver's tokens.
    setup_tokens = setup_tokens.count()
    log = tools.ConductorLog(lab)
    tokens = tools.KeystoneTokens(lab)
    labctl('fault', 'stop', 'nova-api')
    stopped = time.monotonic()
    try:
        # Ironic's power sync of every node fails once (a sweep; it may
        # straddle two of Ironic's sync runs).
        waiting.wait_for(
            'a failed power sync of each of %d nodes' % len(made),
            lambda: all(log.lines('could not get power state for node %s'
                                  % uuid_) for uuid_, _ in made),
            2 * sync_interval + 60, interval=2)
        swept = time.monotonic() - stopped
        sweep_tokens = tokens.lines()
        ironic.power(node, 'power off')
        shown = ironic.settled(node, 'power off')
    finally:
        labctl('fault', 'start', 'nova-api')
    # Nova, back, never got the stop.
    shown = checks.clear_error(ironic, node, 'power off', nova=nova,
                               server=server, nova_status='ACTIVE',
                               since=since, nova_actions=[])
    assert shown['power_state'] in ('power on', None), shown
    checks.next_action_works(ironic, nova, node, server, 'power off')
    r['observed'] = ('%d tokens while managing %d nodes; %d while their '
                     'syncs failed with Nova down (%.0fs) | %s' % (
                         setup_tokens, len(made), len(sweep_tokens), swept,
                         shown['last_error']))
    assert len(sweep_tokens) <= 1, sweep_tokens


#: Token checks with Keystone the warm-up of the Keystone-hanging row must
#: show, at least: its new tokens' first use through Ironic's API (the
#: suite's admin), nova-api (the suite's user, the driver's new user), and
#: Neutron (both users' tokens, which nova-api forwards with its service
#: token: checked with allow_expired).
WARM_UP_CHECKS = {'plain': 3, 'allow_expired': 2}
#: The tokens of that row: the suite's admin and user, the driver's.
WARM_UP_TOKENS = 3


#: pytest-timeout's limit of the Keystone-hanging row (its function): a
#: healthy run takes seconds, a failing one ends within its own waits.
KEYSTONE_ROW_TIMEOUT = 600


@pytest.mark.timeout(KEYSTONE_ROW_TIMEOUT, func_only=True)
def test_keystone_hanging_tokens_cached(ironic, nova, nova_admin, nodes,
                                        lab, row):
    """Keystone hung: power off and on work with the tokens cached.

    Each service's auth_token middleware keeps a token it checked for
    300 s from the check (token_cache_time), however often it is used
    since: a token first checked 300 s before the pause needs Keystone
    during it (the suite's admin token in Ironic's API, seen in a run of
    this row). So every token the row uses while Keystone is paused is
    new and used once through every service it reaches just before: the
    suite's admin and user tokens are renewed, and the node carries a user
    of its own, for which the driver opens a new connection. The warm-up
    must show in Keystone's access log.
    """
    r = row('keystone hanging (tokens cached)',
            'power off/on done with cached tokens')
    user, password = tools.member_user(nova_admin, 'kh')
    try:
        keystone = tools.KeystoneTokens(lab)
        node, server = nodes.node(openstack_username=user.name,
                                  openstack_password=password)
        for conn in (ironic.conn, nova):
            tools.renew_token(conn)
        # The warm-up: every path the paused part takes (the suite's reads
        # of Ironic and of Nova, which reads Neutron; the driver's reads
        # and actions in Nova, which reads Neutron).
        checks.next_action_works(ironic, nova, node, server, 'power off')
        checks.next_action_works(ironic, nova, node, server, 'power on')
        issued, checked = keystone.count(), keystone.token_checks()
        assert issued >= WARM_UP_TOKENS, (
            'Keystone issued %d tokens to openstacksdk clients since the '
            'row began, not the %d new ones the warm-up needs'
            % (issued, WARM_UP_TOKENS))
        missing = tools.short_of(checked, WARM_UP_CHECKS)
        assert not missing, (
            'the warm-up did not take every token through every service '
            'before Keystone is paused: token checks {kind: (seen, '
            'needed)} %s' % missing)
        labctl('fault', 'pause', 'keystone')
        try:
            since = checks.before(nova, server)
            ironic.power(node, 'power off')
            checks.settled_as_asked(ironic, nova, node, server,
                                    'power off', timeout=60, since=since)
            since = checks.before(nova, server)
            ironic.power(node, 'power on')
            checks.settled_as_asked(ironic, nova, node, server, 'power on',
                                    timeout=60, since=since)
            r['observed'] = ('both actions done while Keystone was paused '
                             '(warm-up: %d tokens, checks %s)' % (
                                 issued, checked))
        finally:
            labctl('fault', 'resume', 'keystone')
        checks.next_action_works(ironic, nova, node, server, 'power off')
    finally:
        nova_admin.identity.delete_user(user, ignore_missing=True)


@pytest.mark.slow
def test_keystone_tokens_expiring_mid_run(ironic, nova, nodes, nova_admin,
                                          lab, row):
    lifetime = 15
    r = row('keystone tokens expiring (%ds lifetime)' % lifetime,
            'every action over 3+ lifetimes works')
    labctl('token-lifetime', str(lifetime))
    try:
        # A user of its own: the driver opens a new connection for it,
        # whose tokens are issued with the short lifetime.
        ident = nova_admin.identity
        user, password = tools.member_user(nova_admin, 'tk')
        node, server = nodes.node(openstack_username=user.name,
                                  openstack_password=password)
        started = time.monotonic()
        done = 0
        while time.monotonic() - started < 3.5 * lifetime:
            for asked in ('power off', 'power on'):
                checks.next_action_works(ironic, nova, node, server, asked)
                done += 1
            time.sleep(3)
        r['observed'] = '%d actions over %.0fs, all agreeing with Nova' % (
            done, time.monotonic() - started)
        ident.delete_user(user, ignore_missing=True)
    finally:
        labctl('token-lifetime', 'default')
