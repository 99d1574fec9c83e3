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

# Ironic's test package picks oslo.service's threading backend at import;
# it must come before anything imports ironic.conductor.
import ironic.tests.unit  # noqa: F401

# Import the driver (and the Ironic modules it pulls in) now: some of them
# probe the system at import, which Ironic's test base forbids inside tests.
import ironic_openstack_driver.hardware_type  # noqa: E402,F401
