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

"""Tempest plugin: Ironic's standalone scenario tests on ``openstack`` nodes.

Registered through the ``tempest.test_plugins`` entry point
(``plugin.OpenStackDriverTempestPlugin``). Its scenario tests
(``tests/scenario``) subclass ironic-tempest-plugin's standalone classes
with ``driver = 'openstack'``; ``config`` declares the plugin's
``[openstack_driver]`` options, and ``leases`` and ``verify`` hold what
the tests decide without tempest. Only what tempest loads ships here: the
harness that runs the tests on the project's lab (``tox -e tempest``) is
part of the source tree, not of the package. Nothing here is imported by
the driver, and this module imports nothing, so the package installs
beside the driver in Ironic's own virtualenv without tempest.
"""
