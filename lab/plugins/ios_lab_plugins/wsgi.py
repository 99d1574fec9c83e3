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

"""Load an OpenStack WSGI application under gunicorn.

The Keystone, Nova, Placement, Glance and Neutron WSGI modules parse
``sys.argv`` with oslo.config when they are imported; under gunicorn that is
gunicorn's own command line, which oslo.config rejects. ``load()`` clears the
arguments first, then imports the module and returns its ``application``.
Configuration comes from the ``OS_<SERVICE>_CONFIG_DIR`` environment
variables that the lab sets.

gunicorn usage: ``'ios_lab_plugins.wsgi:load("nova.wsgi.osapi_compute")'``.
"""

import importlib
import sys


def load(module_name):
    """Import ``module_name`` with an empty argv and return its application."""
    sys.argv = sys.argv[:1]
    module = importlib.import_module(module_name)
    application = getattr(module, 'application', None)
    if application is None:
        raise RuntimeError('%s built no WSGI application' % module_name)
    return application
