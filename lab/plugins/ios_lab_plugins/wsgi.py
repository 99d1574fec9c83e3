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
