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

"""40 nodes acted on at once, three times, all agreeing with Nova."""

import time

import pytest

from tests.faults import checks
from tests.faults import ironic as ironic_api

NODES = 40
ROUNDS = ('power off', 'power on', 'rebooting')
#: The one Nova action each round must log for every server.
ROUND_ACTIONS = {'power off': 'stop', 'power on': 'start',
                 'rebooting': 'reboot'}


@pytest.mark.slow
def test_forty_nodes_three_rounds(ironic, nova, nodes, row):
    # ACTIVE, waited for on server listings; the nodes enrolled together.
    made = nodes.nodes(nodes.servers(NODES), workers=8)
    for asked in ROUNDS:
        r = row('%d nodes at once: %s' % (NODES, asked),
                'all %d agree with Nova (a new %s), none stuck' % (
                    NODES, ROUND_ACTIONS[asked]))
        since = {server: checks.before(nova, server)
                 for _, server in made}
        started = time.monotonic()
        for node, _ in made:
            ironic.power(node, asked)
        want = 'power on' if asked == 'rebooting' else asked
        wrong = []
        for node, server in made:
            shown = ironic.settled(node, want)
            status = nova.compute.get_server(server).status
            # The action reached Nova: a reboot leaves the server ACTIVE,
            # as it was, so only Nova's action log shows it happened.
            logged = checks.new_actions(nova, server, since[server])
            if (shown['last_error'] or shown['power_state'] != want
                    or status != ironic_api.NOVA_STATUS[asked]
                    or logged != [ROUND_ACTIONS[asked]]):
                wrong.append('%s: %s/%s nova %s actions %s' % (
                    node, shown['power_state'], shown['last_error'],
                    status, logged))
        r['observed'] = ('%d/%d agree in %.1fs' % (
            NODES - len(wrong), NODES, time.monotonic() - started)
            + ('; ' + '; '.join(wrong[:3]) if wrong else ''))
        r['verdict'] = 'FAIL' if wrong else 'pass'
        assert not wrong, wrong
