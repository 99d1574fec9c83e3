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
"""

from openstack import exceptions as sdk_exc
import testtools

from tests import nova_contract
from tests.unit import fake_cloud


class NovaContractTestCase(testtools.TestCase):

    def _backend(self):
        return nova_contract.FakeBackend(fake_cloud.FakeCloud())

    def test_every_scenario_answers_as_nova(self):
        disagree = {}
        for name, scenario, expected in nova_contract.SCENARIOS:
            try:
                got = scenario(self._backend())
            except Exception as e:  # a rule the fake lacks: say which
                got = {'raised': repr(e)}
            if got != expected:
                disagree[name] = {key: (got.get(key), expected.get(key))
                                  for key in set(got) | set(expected)
                                  if got.get(key) != expected.get(key)}
        # (FakeNova's answer, Nova's) where they differ.
        self.assertEqual({}, disagree)

    def test_a_scenario_list_that_covers_the_rules(self):
        names = [name for name, _, _ in nova_contract.SCENARIOS]
        self.assertEqual(len(names), len(set(names)))
        self.assertGreaterEqual(len(names), 10)


class VolumeBackedRescueTestCase(testtools.TestCase):
    """Not in the contract: the lab has no Cinder.

    nova/compute/api.py rescue: a volume-backed server is refused (400
    "Cannot rescue a volume-backed instance") below microversion 2.87;
    from 2.87 it is rescued when the rescue image asks for stable device
    rescue (hw_rescue_bus and hw_rescue_device).
    """

    def setUp(self):
        super().setUp()
        self.nova = fake_cloud.FakeCloud()
        self.image = self.nova.add_image('ipxe', hw_rescue_device='cdrom',
                                         hw_rescue_bus='sata')
        self.server = self.nova.add_server(image_id='')

    def test_refused_below_2_87(self):
        self.nova.max_microversion = '2.86'
        exc = self.assertRaises(sdk_exc.BadRequestException,
                                self.nova.compute.rescue_server,
                                self.server.id, image=self.image.id)
        self.assertIn('volume-backed', exc.details)
        self.assertEqual('active', self.server.vm_state)

    def test_rescued_from_2_87(self):
        self.nova.max_microversion = '2.87'
        self.nova.compute.rescue_server(self.server.id, image=self.image.id)
        self.assertEqual('rescuing', self.server.task_state)
