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

"""The real-virtualisation lab for end-to-end tests (real QEMU guests).

``real_lab`` and ``in_lab`` (tests/lab_fixtures.py), registered for this
package: the lab comes up once for tests/e2e_real, in its own network
namespace, where ``in_lab`` runs every client of these tests.
"""

from tests import lab_fixtures

real_lab = lab_fixtures.real_lab
in_lab = lab_fixtures.in_lab


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'slow: a real-lab walk that tox -e tests leaves out '
                   '(its cost is not measured under CI yet); run it by '
                   'path')
