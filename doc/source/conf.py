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

"""Sphinx configuration of the ironic-openstack-driver documentation."""

import os
import sys

# Our own directives (doc/ext): references rendered from the code.
sys.path.insert(0, os.path.abspath(os.path.join('..', 'ext')))

extensions = [
    'openstackdocstheme',
    'oslo_config.sphinxext',
    'oslo_config.sphinxconfiggen',
    'ios_reference',
]

# openstackdocstheme
openstackdocs_repo_name = 'x/ironic-openstack-driver'
openstackdocs_use_storyboard = False
openstackdocs_auto_name = False
openstackdocs_projects = [
    'devstack',
    'ironic',
    'nova',
    'openstacksdk',
    'oslo.config',
]

# oslo_config.sphinxconfiggen: _static/ironic-openstack-driver.conf.sample,
# the same file as ``tox -e genconfig`` writes into etc/.
config_generator_config_file = (
    '../../etc/ironic-openstack-driver-config-generator.conf')
sample_config_basename = '_static/ironic-openstack-driver'

project = 'ironic-openstack-driver'
copyright = 'ironic-openstack-driver developers'
master_doc = 'index'
source_suffix = '.rst'
exclude_patterns = ['_build']
pygments_style = 'native'

html_theme = 'openstackdocs'
html_static_path = ['_static']
html_title = 'ironic-openstack-driver'
htmlhelp_basename = 'ironic-openstack-driver-doc'
