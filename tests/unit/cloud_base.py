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

"""Test base whose cloud is a FakeCloud (consoles, Neutron, Cinder)."""

from unittest import mock

from ironic.conductor import manager

from tests.unit import base
from tests.unit import fake_cloud
from tests.unit import fake_nova


class CloudTestCase(base.OpenStackDriverTestCase):
    """OpenStackDriverTestCase with a FakeCloud.

    The openstack console, inspect and vendor interfaces are enabled;
    ``self.conductor`` is Ironic's ConductorManager (not started), whose
    RPC methods the tests call.
    """

    fake_options = {}

    def setUp(self):
        patcher = mock.patch.object(
            fake_nova, 'FakeNova',
            lambda *a, **kw: fake_cloud.FakeCloud(
                *a, **dict(self.fake_options, **kw)))
        patcher.start()
        self.addCleanup(patcher.stop)
        super().setUp()
        self.config(enabled_console_interfaces=['openstack', 'no-console'],
                    enabled_inspect_interfaces=['openstack', 'no-inspect'],
                    enabled_vendor_interfaces=['openstack', 'no-vendor'])
        self.node.console_interface = 'openstack'
        self.node.inspect_interface = 'openstack'
        self.node.vendor_interface = 'openstack'
        self.node.save()
        self.conductor = manager.ConductorManager('test-host', 'test-topic')
