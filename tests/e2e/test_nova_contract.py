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

"""FakeNova held to the lab's real Nova: the scenarios of tests/nova_contract.

Each scenario runs on the lab's Nova (member of project demo, admin of
project admin) and on a FakeNova; both must give Nova's answers, so they
agree. The scenarios the lab cannot run (nova_contract.FAKE_ONLY) are
named, with their reason, in the run's warnings summary: they are held
to Nova's code on the fake only (tests/unit/test_nova_contract.py).
"""

import warnings

import pytest

from tests.e2e import nova_lab
from tests import nova_contract
from tests.unit import nova_contract_fake


@pytest.fixture(scope='module')
def lab_nova(lab, lab_cloud, lab_project_admin_cloud):
    backend = nova_lab.LabBackend(lab, lab_cloud, lab_project_admin_cloud)
    yield backend
    backend.cleanup()


@pytest.mark.parametrize(
    'scenario,expected', [(s, e) for _, s, e in nova_contract.SCENARIOS],
    ids=[name for name, _, _ in nova_contract.SCENARIOS])
def test_fake_and_lab_nova_answer_alike(lab_nova, scenario, expected):
    lab = scenario(lab_nova)
    fake = scenario(nova_contract_fake.FakeBackend())
    # (answer, Nova's expected answer) where they differ.
    assert {'lab': {}, 'fake': {}} == {
        'lab': nova_contract.differences(lab, expected),
        'fake': nova_contract.differences(fake, expected)}


def test_scenarios_the_lab_cannot_run_are_named():
    note = nova_contract.fake_only_note()
    print(note)
    warnings.warn(note)
    assert len(note.splitlines()) == len(nova_contract.FAKE_ONLY) >= 1
