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

"""No secret of driver_info in a log line, last_error or an exception.

The secret is fed into the path under test: a node with inline
credentials whose password and application credential secret are known
strings goes through power actions that succeed and fail (409 lock, 403,
a connection failure, a timeout) while every log record at DEBUG level
is captured; the strings must appear nowhere.
"""

import logging

import fixtures
from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as sdk_exc

from ironic.common import states
from ironic.conductor import task_manager
from ironic.conductor import utils as manager_utils

from ironic_openstack_driver import caches
from ironic_openstack_driver import cloud as os_cloud
from tests.unit import base

PASSWORD = 'pw-Zq81-never-shown'
APP_SECRET = 'ac-Kx42-never-shown'


class NoSecretsTestCase(base.OpenStackDriverTestCase):

    def setUp(self):
        super().setUp()
        self.logs = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        # Alembic's logging.config.fileConfig in the database set-up
        # disables every logger that existed then: enable ours again.
        for name, logger in logging.root.manager.loggerDict.items():
            if (name.startswith(('ironic_openstack_driver', 'ironic.'))
                    and isinstance(logger, logging.Logger)):
                self.addCleanup(setattr, logger, 'disabled', logger.disabled)
                logger.disabled = False
        self.outputs = []
        self.config(allowed_auth_urls=['http://keystone.example/v3'],
                    group='openstack')

    def _inline(self, **creds):
        info = {'openstack_server': self.server.id,
                'openstack_auth_url': 'http://keystone.example/v3'}
        info.update(creds)
        self.node.driver_info = info
        self.node.save()

    def _power_action(self, state):
        try:
            with task_manager.acquire(self.context, self.node.uuid) as task:
                manager_utils.node_power_action(task, state)
        except Exception as e:
            self.outputs.append(str(e))
            self.outputs.append(repr(e))
        self.node.refresh()
        self.outputs.append(str(self.node.last_error))

    def _check(self):
        # The path did log (at DEBUG too) and fail.
        self.assertIn('Opened a connection', self.logs.output)
        self.assertIn('is locked', self.logs.output + str(self.outputs))
        text = '\n'.join(self.outputs + [self.logs.output])
        self.assertNotIn(PASSWORD, text)
        self.assertNotIn(APP_SECRET, text)

    def _exercise(self):
        self._power_action(states.POWER_OFF)       # succeeds
        self.server.locked = True
        self._power_action(states.POWER_ON)        # 409 locked
        self.server.locked = False
        self.nova.compute.start_server.side_effect = (
            sdk_exc.HttpException(message='Forbidden', http_status=403))
        self._power_action(states.POWER_ON)        # 403: connection evicted
        self.nova.compute.get_server.side_effect = ks_exc.ConnectFailure(
            'Unable to establish connection to http://nova.example')
        self._power_action(states.POWER_ON)        # connection failure

    def test_password_never_shows(self):
        self._inline(openstack_username='u', openstack_password=PASSWORD,
                     openstack_project_name='p')
        self._exercise()
        self._check()

    def test_application_credential_secret_never_shows(self):
        self._inline(openstack_application_credential_id='ac',
                     openstack_application_credential_secret=APP_SECRET)
        self._exercise()
        self._check()

    def test_secret_reached_the_connection(self):
        # The secret really went down the path: the cloud config got it.
        self._inline(openstack_username='u', openstack_password=PASSWORD,
                     openstack_project_name='p')
        self._power_action(states.POWER_OFF)
        creds = os_cloud.cloud_region.call_args.args[0]
        self.assertEqual(PASSWORD, creds.password)
        self.assertEqual(1, len(caches.CACHES.connections))
