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

"""The pure decisions of compute_features: pins, features, messages."""

import testtools

from ironic_openstack_driver import compute_features as cf
from ironic_openstack_driver.server_state import Step


class PinnedTestCase(testtools.TestCase):

    def test_cap_below_the_cloud_is_pinned(self):
        self.assertEqual('2.60', cf.pinned('2.60', (2, 100)))

    def test_cap_compares_as_numbers_not_text(self):
        # "2.100" < "2.60" as text; 100 > 60 as microversions.
        self.assertEqual('2.60', cf.pinned('2.60', '2.100'))
        self.assertIsNone(cf.pinned('2.100', '2.95'))

    def test_cap_at_or_above_the_cloud_pins_nothing(self):
        self.assertIsNone(cf.pinned('2.95', (2, 95)))
        self.assertIsNone(cf.pinned('2.99', (2, 95)))

    def test_no_cap_or_no_version_document_pins_nothing(self):
        self.assertIsNone(cf.pinned(None, (2, 100)))
        self.assertIsNone(cf.pinned('2.60', None))


class OfferedTestCase(testtools.TestCase):

    def test_each_feature_from_its_microversion(self):
        for feature in cf.FEATURES:
            needed = cf.version_tuple(feature.microversion)
            self.assertTrue(cf.offered(feature, needed), feature.name)
            if needed > (2, 1):
                below = (needed[0], needed[1] - 1)
                self.assertFalse(cf.offered(feature, below), feature.name)

    def test_a_cloud_without_versions_has_only_2_1(self):
        self.assertTrue(cf.offered(cf.STOP, None))
        self.assertFalse(cf.offered(cf.CRASH_DUMP, None))

    def test_the_features_named_on_the_requirements_page(self):
        self.assertEqual('2.87', cf.VOLUME_BACKED_RESCUE.microversion)
        self.assertEqual('2.98', cf.IMAGE_PROPERTIES.microversion)
        self.assertEqual('2.17', cf.CRASH_DUMP.microversion)
        self.assertEqual('2.6', cf.REMOTE_CONSOLE.microversion)
        self.assertEqual('2.47', cf.EMBEDDED_FLAVOR.microversion)


class BootDeviceFeatureTestCase(testtools.TestCase):

    def test_disk_needs_no_rescue(self):
        self.assertIsNone(cf.boot_device_feature('disk', True))
        self.assertIsNone(cf.boot_device_feature('disk', False))

    def test_pxe_and_cdrom_rescue(self):
        for device in ('pxe', 'cdrom'):
            self.assertIs(cf.RESCUE, cf.boot_device_feature(device, False))
            self.assertIs(cf.VOLUME_BACKED_RESCUE,
                          cf.boot_device_feature(device, True))


class PolicyRuleTestCase(testtools.TestCase):

    def test_every_server_action_has_its_rule(self):
        for step in (Step.START, Step.STOP, Step.HARD_REBOOT,
                     Step.SOFT_REBOOT, Step.RESCUE, Step.UNRESCUE,
                     Step.UNPAUSE, Step.RESUME, Step.UNSHELVE):
            self.assertTrue(cf.policy_rule(step).startswith(
                'os_compute_api:'), step)
        self.assertEqual('os_compute_api:os-rescue',
                         cf.policy_rule(Step.RESCUE))
        self.assertEqual('os_compute_api:servers:stop',
                         cf.policy_rule(Step.STOP))

    def test_no_rule_for_what_is_no_action(self):
        self.assertIsNone(cf.policy_rule(Step.WAIT))
        self.assertIsNone(cf.policy_rule(Step.DONE))


class MessageTestCase(testtools.TestCase):

    def test_message_names_node_feature_and_microversions(self):
        msg = cf.unsupported_message('NODE', 'boot device pxe',
                                     cf.VOLUME_BACKED_RESCUE, '2.60',
                                     'cloud "c"', capped=True)
        for part in ('NODE', 'boot device pxe', 'volume-backed', '2.87',
                     'compute_microversion_cap 2.60', 'cloud "c"'):
            self.assertIn(part, msg)
