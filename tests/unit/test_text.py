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

"""Echoed values never hide the cause nor forge lines."""

from unittest import mock

from ironic.common import exception
from ironic.common import states
from ironic.conductor import task_manager
from ironic.conductor import utils as manager_utils

from ironic_openstack_driver import power
from ironic_openstack_driver import text
from tests.unit import base


class ShownTestCase(base.DbTestCase):

    def test_control_characters_are_escaped(self):
        self.assertEqual('a\\nb\\x1b[31m\\r', text.shown('a\nb\x1b[31m\r'))
        self.assertEqual('x\\u2028y', text.shown('x\u2028y'))

    def test_long_value_is_cut_and_says_how_long(self):
        shown = text.shown('x' * 5000)
        self.assertLess(len(shown), 200)
        self.assertIn('5000 characters', shown)

    def test_cause_is_one_line(self):
        self.assertEqual('a b c', text.one_line(' a\n\n b\tc '))


class EchoedValuesTestCase(base.OpenStackDriverTestCase):

    def _power_on(self):
        with task_manager.acquire(self.context, self.node.uuid) as task:
            manager_utils.node_power_action(task, states.POWER_ON)

    def _set_server(self, ref):
        self.node.driver_info = {'openstack_server': ref}
        self.node.save()

    def test_very_long_server_name_is_refused_before_nova_is_asked(self):
        # Nova would answer a 5000-character name filter with HTTP 414.
        self._set_server('n' * 5000)
        self.assertRaises(exception.InvalidParameterValue, self._power_on)
        self.node.refresh()
        self.assertIn('openstack_server', self.node.last_error)
        self.assertIn('5000 characters', self.node.last_error)
        self.assertLess(len(self.node.last_error), 1000)
        self.nova.compute.find_server.assert_not_called()

    def test_newline_in_a_server_name_is_not_echoed_raw(self):
        self._set_server('node-9\n2026-12-01 ERROR forged line')
        with mock.patch.object(power, 'LOG', autospec=True) as log:
            self.assertRaises(exception.InvalidParameterValue,
                              self._power_on)
        self.node.refresh()
        self.assertNotIn('\n', self.node.last_error)
        self.assertIn('node-9\\n2026-12-01', self.node.last_error)
        fmt, fields = log.error.call_args.args
        self.assertNotIn('\n', fmt % fields)

    def test_newline_in_an_unknown_field_name_is_escaped_by_validate(self):
        self.node.driver_info = {'openstack_server': self.server.id,
                                 'openstack_pasword\nx': 'secret'}
        self.node.save()
        with task_manager.acquire(self.context, self.node.uuid) as task:
            exc = self.assertRaises(exception.InvalidParameterValue,
                                    task.driver.power.validate, task)
        self.assertIn('openstack_pasword\\nx', str(exc))
        self.assertNotIn('\n', str(exc))
