"""Run the tool's main() against a FakeCloud and capture its output."""

import io
import unittest
from unittest import mock

from ironic_openstack_driver.tools import cli
from tests.unit.tools import fakes


class ToolTestCase(unittest.TestCase):

    def setUp(self):
        super().setUp()
        self.cloud = self.make_cloud()
        self.connected = []

        def connect(cloud, config_file=None, region=None, what='cloud'):
            self.connected.append((cloud, config_file, what))
            return self.cloud.conn
        patcher = mock.patch('ironic_openstack_driver.tools.common.connect',
                             autospec=True, side_effect=connect)
        patcher.start()
        self.addCleanup(patcher.stop)
        sleep = mock.patch('time.sleep', autospec=True)
        sleep.start()
        self.addCleanup(sleep.stop)

    def make_cloud(self):
        return fakes.FakeCloud()

    def run_tool(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        rc = cli.main(['--os-cloud', 'host'] + list(argv), stdout=out,
                      stderr=err)
        return rc, out.getvalue(), err.getvalue()
