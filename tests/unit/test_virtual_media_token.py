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

"""The agent token on a virtual media ISO, through Ironic's conductor code.

As Ironic's redfish virtual media: pre-generated before each agent boot
(cleaning prepared by Ironic's deploy_utils, automated cleaning by
conductor/cleaning.py), on the ISO's kernel command line, kept over
reboots by Ironic's power helpers, and nowhere else.
"""

import json
import logging
import re
import subprocess

import fixtures

from ironic.common import boot_devices
from ironic.common import states
from ironic.conductor import cleaning
from ironic.conductor import utils as manager_utils
from ironic.drivers.modules import deploy_utils

from tests.unit import test_virtual_media


class AgentTokenTestCase(test_virtual_media.VirtualMediaTestCase):

    def _iso_tokens(self):
        (iso,) = self._cached_isos()
        cfg = subprocess.run(
            ['isoinfo', '-R', '-i', iso, '-x', '/isolinux/isolinux.cfg'],
            capture_output=True, check=True, text=True).stdout
        return set(re.findall(r'ipa-agent-token=(\S+)', cfg))

    def test_the_iso_carries_the_token_ironic_pregenerated(self):
        self._prepare_cleaning()
        (token,) = self._iso_tokens()
        self.node.refresh()
        self.assertTrue(manager_utils.is_agent_token_valid(self.node, token))
        self.assertTrue(manager_utils.is_agent_token_pregenerated(self.node))
        # Ironic keeps a pre-generated token over a reboot: the agent
        # boots the same ISO again.
        with self._task() as task:
            manager_utils.node_set_boot_device(task, boot_devices.CDROM)
            manager_utils.node_power_action(task, states.REBOOT)
        self.node.refresh()
        self.assertTrue(manager_utils.is_agent_token_valid(self.node, token))

    def test_each_agent_boot_gets_a_new_token(self):
        self._prepare_cleaning()
        (first,) = self._iso_tokens()
        with self._task() as task:
            deploy_utils.tear_down_inband_cleaning(task, manage_boot=True)
            manager_utils.wipe_cleaning_internal_info(task)
            task.node.save()
        self._prepare_cleaning()
        (second,) = self._iso_tokens()
        self.assertNotEqual(first, second)
        self.node.refresh()
        self.assertFalse(manager_utils.is_agent_token_valid(self.node, first))
        self.assertTrue(manager_utils.is_agent_token_valid(self.node, second))

    def test_the_token_shows_in_no_log_last_error_or_glance_field(self):
        logs = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        # Alembic's logging.config.fileConfig in the database set-up
        # disables every logger that existed then: enable ours again.
        for name, logger in logging.root.manager.loggerDict.items():
            if (name.startswith(('ironic_openstack_driver', 'ironic'))
                    and isinstance(logger, logging.Logger)):
                self.addCleanup(setattr, logger, 'disabled', logger.disabled)
                logger.disabled = False
        tokens = []
        real_add = manager_utils.add_secret_token

        def add_secret_token(node, pregenerated=False):
            real_add(node, pregenerated=pregenerated)
            tokens.append(node.driver_internal_info['agent_secret_token'])

        self.useFixture(fixtures.MockPatchObject(
            manager_utils, 'add_secret_token', autospec=True,
            side_effect=add_secret_token))
        self._prepare_cleaning()
        # A failing boot through Ironic's automated cleaning: Glance
        # refuses the ISO, Ironic records last_error.
        self.config(automated_clean=True, group='conductor')
        self.nova.disk_formats.discard('iso')
        self.node.refresh()
        self.node.provision_state = states.CLEANING
        self.node.target_provision_state = states.AVAILABLE
        self.node.save()
        with self._task() as task:
            cleaning.do_node_clean(task)
        self.node.refresh()
        self.assertEqual(states.CLEANFAIL, self.node.provision_state)
        self.assertIn("Invalid disk format 'iso'", self.node.last_error)
        self.assertEqual(2, len(tokens))
        self.assertIn('Node %s' % self.node.uuid, logs.output)
        glance = json.dumps([image.to_dict() for image in
                             self.nova.images.values()])
        for token in tokens:
            self.assertNotIn(token, logs.output)
            self.assertNotIn(token, self.node.last_error)
            self.assertNotIn(token, glance)
