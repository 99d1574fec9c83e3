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

"""No dataplane (fast mode): ML2 binds every port and plugs nothing.

The mechanism driver is ``lab/plugins/ios_lab_plugins/ml2_nodataplane.py``.
"""

from labkit import network

MECHANISM_DRIVER = 'lab_nodataplane'


class NoDataplane:
    """Ports bound and plugged into nothing: nothing runs, nothing to make."""

    def services(self, ctx):
        return []

    def ml2_conf(self):
        return network.ml2_conf(MECHANISM_DRIVER)

    def write_configs(self, p):
        """No files of its own."""

    def provision(self, sess):
        """No networks of its own."""
