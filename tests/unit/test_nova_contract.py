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

"""FakeNova's half of the Nova contract (tests/nova_contract.py).

Each scenario runs on FakeNova and must give the answers real Nova gives;
tests/e2e/test_nova_contract.py runs the same scenarios on the lab's Nova.
The scenarios the lab cannot run (nova_contract.FAKE_ONLY) run here only.
"""

import testtools

from tests import nova_contract
from tests.unit import fake_cloud_http
from tests.unit import nova_contract_fake


def _answers(scenario):
    try:
        return scenario(nova_contract_fake.FakeBackend())
    except Exception as e:  # a rule the fake lacks: say which
        return {'raised': repr(e)}


class NovaContractTestCase(testtools.TestCase):

    def test_every_scenario_answers_as_nova(self):
        disagree = {}
        for name, scenario, expected in nova_contract.SCENARIOS:
            got = _answers(scenario)
            if got != expected:
                disagree[name] = nova_contract.differences(got, expected)
        # (FakeNova's answer, Nova's) where they differ.
        self.assertEqual({}, disagree)

    def test_fake_only_scenarios_answer_as_novas_code(self):
        print(nova_contract.fake_only_note())
        disagree = {}
        for name, scenario, expected, reason in nova_contract.FAKE_ONLY:
            self.assertTrue(reason)
            got = _answers(scenario)
            if got != expected:
                disagree[name] = nova_contract.differences(got, expected)
        self.assertEqual({}, disagree)

    def test_a_scenario_list_that_covers_the_rules(self):
        names = [entry[0] for entry in
                 nova_contract.SCENARIOS + nova_contract.FAKE_ONLY]
        self.assertEqual(len(names), len(set(names)))
        self.assertGreaterEqual(len(names), 12)


class HttpFakeStatusTestCase(testtools.TestCase):
    """fake_cloud_http's server view derives its status as Nova does."""

    def tearDown(self):
        fake_cloud_http.FakeCloudHandler.servers.clear()
        super().tearDown()

    def test_status_follows_vm_state_and_task(self):
        shown = {state: fake_cloud_http.server(
            'server-%s' % state, vm_state=state)['status']
            for state in ('active', 'stopped', 'rescued', 'error')}
        shown['hard reboot'] = fake_cloud_http.server(
            'server-hard', task_state='reboot_started_hard')['status']
        self.assertEqual({'active': 'ACTIVE', 'stopped': 'SHUTOFF',
                          'rescued': 'RESCUE', 'error': 'ERROR',
                          'hard reboot': 'HARD_REBOOT'}, shown)
