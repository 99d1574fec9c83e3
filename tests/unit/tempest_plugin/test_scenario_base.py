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

"""The scenario mixin (tests/scenario/base.py) without tempest.

The unit env has no tempest: the mixin is imported with stand-ins for the
two tempest modules it imports (its config and its exceptions), and put in
front of a stand-in for an upstream class that records what upstream's
methods would do. What is proven: an upstream skip becomes an error, a
rescued node's server must be in Nova's RESCUE, a deploy needs a new
console line and Nova's ACTIVE.
"""

import sys
import types
import unittest
from unittest import mock

from ironic_openstack_driver_tempest_plugin import config


class InvalidConfiguration(Exception):
    pass


class TimeoutException(Exception):
    pass


def _import_base():
    opts = {opt.name: opt.default for opt in config.opts}
    opts.update(dhcp_leases_file='/l', host_clouds_yaml='/c.yaml',
                host_cloud='host', instance_console_line='BOOTED',
                server_ip_timeout=-1)
    tempest = types.ModuleType('tempest')
    tempest_config = types.ModuleType('tempest.config')
    tempest_config.CONF = types.SimpleNamespace(
        openstack_driver=types.SimpleNamespace(**opts))
    tempest_lib = types.ModuleType('tempest.lib')
    exceptions = types.ModuleType('tempest.lib.exceptions')
    exceptions.InvalidConfiguration = InvalidConfiguration
    exceptions.TimeoutException = TimeoutException
    tempest.config, tempest.lib = tempest_config, tempest_lib
    tempest_lib.exceptions = exceptions
    stubs = {'tempest': tempest, 'tempest.config': tempest_config,
             'tempest.lib': tempest_lib, 'tempest.lib.exceptions': exceptions}
    name = 'ironic_openstack_driver_tempest_plugin.tests.scenario.base'
    # The modules imported here leave sys.modules with the stand-ins.
    with mock.patch.dict(sys.modules, stubs):
        sys.modules.pop(name, None)
        __import__(name)
        return sys.modules[name]


base = _import_base()


class Upstream(object):
    """What the mixin's methods call up to (ironic-tempest-plugin's)."""

    skipException = unittest.SkipTest
    skip_reason = None
    node = {'uuid': 'node-1'}

    @classmethod
    def skip_checks(cls):
        if cls.skip_reason:
            raise cls.skipException(cls.skip_reason)

    @classmethod
    def rescue_node(cls, node_id, rescue_password):
        cls.calls.append(('rescue', node_id))

    @classmethod
    def set_node_to_active(cls, image_ref=None, image_checksum=None,
                           **kwargs):
        cls.calls.append(('deploy', cls.node['uuid']))
        cls.console.append('BOOTED from disk')

    def boot_and_verify_node(self, image_ref=None, image_checksum=None,
                             should_succeed=True):
        self.set_node_to_active(image_ref, image_checksum)
        self.calls.append(('ping', self.node['uuid']))


class Scenario(base.OpenStackNodeMixin, Upstream):
    """The mixin in front of the stand-in, Nova and the console faked."""


class MixinTestCase(unittest.TestCase):

    def setUp(self):
        super().setUp()
        self.nova = {'status': 'ACTIVE', 'task_state': None,
                     'power_state': 1}
        Scenario.calls, Scenario.console = [], []
        Scenario.skip_reason = None
        for name, value in (
                ('host_server', classmethod(lambda cls, node: self.nova)),
                ('console_output', classmethod(
                    lambda cls, node, lines=10000:
                    '\n'.join(cls.console)))):
            patcher = mock.patch.object(Scenario, name, value)
            patcher.start()
            self.addCleanup(patcher.stop)

    def test_an_upstream_skip_is_an_invalid_configuration(self):
        Scenario.skip_reason = 'Nova is enabled. Stand-alone tests will be'
        with self.assertRaisesRegex(InvalidConfiguration,
                                    'Scenario cannot run: Nova is enabled'):
            Scenario.skip_checks()

    def test_missing_settings_are_named(self):
        with mock.patch.object(Scenario, 'required_settings',
                               ('ramdisk_kernel',)):
            with self.assertRaisesRegex(InvalidConfiguration,
                                        'ramdisk_kernel'):
                Scenario.skip_checks()

    def test_a_rescued_node_must_be_in_novas_rescue(self):
        self.nova['status'] = 'ACTIVE'
        with self.assertRaisesRegex(AssertionError,
                                    'node-1: Nova shows status ACTIVE, '
                                    'not RESCUE'):
            Scenario.rescue_node('node-1', 'pw')
        self.assertEqual([('rescue', 'node-1')], Scenario.calls)
        self.nova['status'] = 'RESCUE'
        Scenario.rescue_node('node-1', 'pw')

    def test_a_deploy_needs_a_new_console_line_and_nova_active(self):
        Scenario.console.append('BOOTED from disk (an earlier deploy)')
        Scenario().boot_and_verify_node()
        self.assertEqual([('deploy', 'node-1'), ('ping', 'node-1')],
                         Scenario.calls)

    def test_a_deploy_that_booted_rescue_fails(self):
        self.nova['status'] = 'RESCUE'
        with self.assertRaisesRegex(AssertionError, 'not ACTIVE'):
            Scenario().boot_and_verify_node()

    def test_an_old_console_line_is_no_boot(self):
        Scenario.console.append('BOOTED from disk (an earlier deploy)')
        with mock.patch.object(Upstream, 'set_node_to_active',
                               classmethod(lambda cls, *a, **k: None)):
            with self.assertRaisesRegex(TimeoutException,
                                        "no new console line with 'BOOTED'"):
                Scenario().boot_and_verify_node()
