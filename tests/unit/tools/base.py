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

"""Run the tool's main() against a FakeCloud and capture its output."""

import io
import os
import tempfile
import unittest
from unittest import mock

import bcrypt

from ironic_openstack_driver.tools import cli
from tests.unit.tools import fake_host_cloud
from tests.unit.tools import fakes


class ToolTestCase(unittest.TestCase):

    def setUp(self):
        super().setUp()
        # The tool reads its defaults from OS_* variables: tests must not
        # see the caller's (or the e2e fixtures') environment.
        env = mock.patch.dict(os.environ)
        env.start()
        self.addCleanup(env.stop)
        for name in ('OS_CLOUD', 'OS_CLIENT_CONFIG_FILE', 'OS_REGION_NAME'):
            os.environ.pop(name, None)
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
        # A pause in a worker thread (waiting.pause) waits on an event,
        # which the time.sleep patch does not shorten: no retry pause.
        pause = mock.patch('ironic_openstack_driver.tools.node_states.'
                           'RETRY_PAUSE', 0.0)
        pause.start()
        self.addCleanup(pause.stop)

    def make_cloud(self):
        return fakes.FakeCloud()

    def run_tool(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        rc = cli.main(['--os-cloud', 'host'] + list(argv), stdout=out,
                      stderr=err)
        return rc, out.getvalue(), err.getvalue()


class HostCloudTestCase(ToolTestCase):
    """A FakeHostCloud with an access network and a host image.

    For ironic-host and environment: ``self.clouds_file`` is in a
    directory of the test's own; bcrypt hashes at its cheapest cost (they
    check the same).
    """

    def make_cloud(self):
        cloud = fake_host_cloud.FakeHostCloud()
        self.access = cloud.add_network('public', port_security=True)
        cloud.subnets.append({'id': 'subnet-public',
                              'network_id': self.access.id})
        cloud.add_image('debian-12')
        return cloud

    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp()
        self.addCleanup(lambda: [os.unlink(os.path.join(self.dir, f))
                                 for f in os.listdir(self.dir)])
        self.clouds_file = os.path.join(self.dir, 'host-clouds.yaml')
        salt = mock.patch('bcrypt.gensalt', autospec=True,
                          return_value=bcrypt.gensalt(4))
        salt.start()
        self.addCleanup(salt.stop)
