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

"""The tempest plugin class (entry point ``tempest.test_plugins``)."""

import os

from tempest import config
from tempest.test_discover import plugins

from ironic_openstack_driver_tempest_plugin import config as plugin_config


class OpenStackDriverTempestPlugin(plugins.TempestPlugin):
    """Loads this package's tests and registers ``[openstack_driver]``."""

    def load_tests(self):
        """Where tempest discovers the tests: (test dir, top level dir)."""
        here = os.path.dirname(os.path.abspath(__file__))
        return os.path.join(here, 'tests'), os.path.dirname(here)

    def register_opts(self, conf):
        """Register the plugin's option group in tempest's config.

        :param conf: tempest's oslo.config object.
        """
        config.register_opt_group(conf, plugin_config.group,
                                  plugin_config.opts)

    def get_opt_lists(self):
        """The options for ``tempest``'s sample config generator."""
        return [(plugin_config.group.name, plugin_config.opts)]
