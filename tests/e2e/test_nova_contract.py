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

Each scenario runs on the lab's Nova (member and project admin) and on a
FakeNova; both must give Nova's answers, so they agree.
"""

import pytest

from tests.e2e import nova_lab
from tests import nova_contract
from tests.unit import fake_cloud


@pytest.fixture(scope='module')
def lab_nova(lab, lab_cloud, lab_project_admin_cloud):
    backend = nova_lab.LabBackend(lab, lab_cloud, lab_project_admin_cloud)
    yield backend
    backend.cleanup()


def _differences(got, expected):
    return {key: (got.get(key), expected.get(key))
            for key in set(got) | set(expected)
            if got.get(key) != expected.get(key)}


@pytest.mark.parametrize(
    'scenario,expected', [(s, e) for _, s, e in nova_contract.SCENARIOS],
    ids=[name for name, _, _ in nova_contract.SCENARIOS])
def test_fake_and_lab_nova_answer_alike(lab_nova, scenario, expected):
    lab = scenario(lab_nova)
    fake = scenario(nova_contract.FakeBackend(fake_cloud.FakeCloud()))
    # (answer, Nova's expected answer) where they differ.
    assert {'lab': {}, 'fake': {}} == {
        'lab': _differences(lab, expected),
        'fake': _differences(fake, expected)}
