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

"""The tempest harness of the lab (lab/tempest_lab): no lab, no tempest.

Its scripts import each other by their file names, as they do when
``labrun.py`` runs: their folder goes on ``sys.path``, and so does lab/
(the tests compare the harness with ``labkit``).
"""

import os
import sys

LAB = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))), 'lab')
for path in (LAB, os.path.join(LAB, 'tempest_lab')):
    if path not in sys.path:
        sys.path.insert(0, path)
