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

"""The fast lab for end-to-end tests: the shared lab fixtures.

``lab``, ``lab_cloud``, ``lab_admin_cloud`` and
``lab_project_admin_cloud`` (tests/lab_fixtures.py), registered for this
package: the lab comes up once for tests/e2e.
"""

from tests import lab_fixtures

lab = lab_fixtures.lab
lab_cloud = lab_fixtures.lab_cloud
lab_admin_cloud = lab_fixtures.lab_admin_cloud
lab_project_admin_cloud = lab_fixtures.lab_project_admin_cloud
