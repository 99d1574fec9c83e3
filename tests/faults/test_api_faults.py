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
import uuid

from tests.faults import checks
from tests.faults.tools import labctl
from tests.faults.tools import secret

HANG_SECONDS = 8


def test_nova_api_hanging_then_back(ironic, nova, nodes, row):
    r = row('nova-api hanging (SIGSTOP %ds)' % HANG_SECONDS,
            'power off done once it answers')
    node, server = nodes.node()
    labctl('fault', 'pause', 'nova-api')
    try:
        ironic.power(node, 'power off')
        time.sleep(HANG_SECONDS)
    finally:
        labctl('fault', 'resume', 'nova-api')
    checks.settled_as_asked(ironic, nova, node, server, 'power off')
    checks.next_action_works(ironic, nova, node, server, 'power on')
    r['observed'] = checks.seen(ironic, nova, node, server)[1]


def test_nova_api_refusing_connections(ironic, nova, nodes, row):
    r = row('nova-api refusing connections',
            'clear error naming node; then works')
    node, server = nodes.node()
    labctl('fault', 'stop', 'nova-api')
    try:
        ironic.power(node, 'power off')
        shown = checks.clear_error(ironic, node, 'power off')
        r['observed'] = shown['last_error']
        assert shown['power_state'] in ('power on', None), shown
    finally:
        labctl('fault', 'start', 'nova-api')
    checks.wait_for('server still ACTIVE', lambda: nova.compute.get_server(
        server).status == 'ACTIVE', 30)
    checks.next_action_works(ironic, nova, node, server, 'power off')


def test_keystone_hanging_tokens_cached(ironic, nova, nodes, row):
    r = row('keystone hanging (tokens cached)',
            'power off/on done with cached tokens')
    node, server = nodes.node()
    checks.next_action_works(ironic, nova, node, server, 'power off')
    checks.next_action_works(ironic, nova, node, server, 'power on')
    labctl('fault', 'pause', 'keystone')
    try:
        ironic.power(node, 'power off')
        checks.settled_as_asked(ironic, nova, node, server, 'power off',
                                timeout=60)
        ironic.power(node, 'power on')
        checks.settled_as_asked(ironic, nova, node, server, 'power on',
                                timeout=60)
        r['observed'] = 'both actions done while Keystone was paused'
    finally:
        labctl('fault', 'resume', 'keystone')
    checks.next_action_works(ironic, nova, node, server, 'power off')


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
        project = ident.find_project('demo', ignore_missing=False)
        password = secret('tk')
        user = ident.create_user(
            name='faults-tk-%s' % uuid.uuid4().hex[:8], password=password,
            domain_id='default', default_project_id=project.id)
        ident.assign_project_role_to_user(
            project, user, ident.find_role('member', ignore_missing=False))
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
