"""Test base whose cloud is a FakeCloud (consoles, Neutron, Cinder)."""

from unittest import mock

from ironic.conductor import manager

from tests.unit import base
from tests.unit import fake_cloud
from tests.unit import fake_nova


class CloudTestCase(base.OpenStackDriverTestCase):
    """OpenStackDriverTestCase with a FakeCloud and the openstack console,
    inspect and vendor interfaces enabled; ``self.conductor`` is Ironic's
    ConductorManager (not started), whose RPC methods the tests call."""

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
