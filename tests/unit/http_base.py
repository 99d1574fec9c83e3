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

"""Test base whose node's cloud is tests.unit.fake_cloud_http, over HTTP.

A Keystone and a Nova on 127.0.0.1; nothing is mocked between the driver
and the socket. ``_node`` enrolls a node of that cloud (inline
credentials) whose server is ``SERVER``, marked for it.
"""

from unittest import mock

from oslo_utils import uuidutils

from ironic.common import states
from ironic.conductor import manager
from ironic.conductor import task_manager
from ironic.conductor import verify
from ironic.tests.unit.objects import utils as obj_utils

from ironic_openstack_driver import caches
from tests.unit import base
from tests.unit import fake_cloud_http as fake

SERVER = uuidutils.generate_uuid()

CLOUDS_YAML = """
clouds:
  host:
    auth:
      auth_url: %(url)s/v3
      username: ironic
      password: %(password)s
      project_name: baremetal
      user_domain_name: Default
      project_domain_name: Default
"""


class OverHttpBase(base.DbTestCase):

    def setUp(self):
        super().setUp()
        self.config(enabled_hardware_types=['openstack'],
                    enabled_power_interfaces=['openstack'],
                    enabled_management_interfaces=['openstack'],
                    enabled_boot_interfaces=['fake'],
                    enabled_deploy_interfaces=['fake'])
        self.config(api_timeout=5, group='openstack')
        caches.reset()
        self.addCleanup(caches.reset)
        self.url = fake.start(self)
        fake.server(SERVER)
        self.config(allowed_auth_urls=[
            self.url + '/v3', self.url.replace('http:', 'https:') + '/v3',
            'http://127.0.0.1:1/v3'],
            allowed_cacerts=['/nonexistent/ca-bundle.pem'],
            allowed_regions=['NoSuchRegion'], group='openstack')

    def _node(self, **info):
        creds = {'openstack_auth_url': self.url + '/v3',
                 'openstack_username': fake.USER,
                 'openstack_password': fake.PASSWORD,
                 'openstack_project_name': fake.PROJECT}
        creds.update(info)
        node = obj_utils.create_test_node(
            self.context, driver='openstack',
            uuid=uuidutils.generate_uuid(),
            provision_state=states.VERIFYING,
            target_provision_state=states.MANAGEABLE,
            power_state=states.NOSTATE,
            driver_info=dict(
                {'openstack_server': SERVER},
                **{k: v for k, v in creds.items() if v is not None}))
        fake.mark(SERVER, node.uuid)
        return node

    def _manageable_node_powered_on(self):
        node = self._node()
        node.provision_state = states.MANAGEABLE
        node.target_provision_state = None
        node.power_state = states.POWER_ON
        node.save()
        return node

    def _sync(self, count=0):
        """Ironic's power sync of self.node (count: its failures so far)."""
        with task_manager.acquire(self.context, self.node.uuid,
                                  shared=True) as task:
            return manager.do_sync_power_state(task, count)

    def _verify(self, node):
        """Ironic's manage: the conductor's verify of the node."""
        with mock.patch.object(verify, 'LOG', autospec=True) as log:
            with task_manager.acquire(self.context, node.uuid) as task:
                verify.do_node_verify(task)
        node.refresh()
        return node, log
