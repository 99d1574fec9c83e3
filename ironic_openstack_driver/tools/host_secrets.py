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

"""The Ironic host's secrets (ironic-host): passwords, application
credential, and the 0600 file that hands the operator theirs.

Secrets never go to the progress lines or to stdout: the API password
is written only to the operator's clouds file (mode 0600, created new),
its bcrypt hash into the user data; the application credential's secret
only into the user data (the driver's clouds.yaml on the host).
"""

import os
import secrets

import yaml

from ironic_openstack_driver.tools.common import call as _call
from ironic_openstack_driver.tools.common import ToolError

API_USER = 'admin'


def new_password():
    return secrets.token_urlsafe(24)


def bcrypt_hash(password):
    """The bcrypt hash Ironic's http_basic htpasswd file takes.

    :raises: ToolError when bcrypt is not installed.
    """
    try:
        import bcrypt
    except ImportError:
        raise ToolError('ironic-host needs the Python package bcrypt for '
                        'the Ironic API\'s htpasswd file: pip install '
                        'bcrypt')
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


def _current_user(conn):
    user_id, project_id = conn.current_user_id, conn.current_project_id
    if not user_id or not project_id:
        raise ToolError('the host cloud\'s credentials (--os-cloud) give '
                        'no project-scoped token: an application '
                        'credential is made for the project of the node '
                        'servers')
    return user_id, project_id


def find_app_credential(conn, name):
    """The current user's application credential named ``name``, or None."""
    user_id, _project = _current_user(conn)
    return _call('cannot look up application credential %s' % name,
                 conn.identity.find_application_credential, user_id, name,
                 ignore_missing=True)


def new_app_credential(conn, report, name, role):
    """A new application credential ``name`` with role ``role`` only.

    Keystone gives it the project of the token (the node servers'
    project) and refuses a role the user does not hold there. One of the
    same name made earlier is deleted first: its secret cannot be read
    back.

    :returns: the credential, with its secret.
    :raises: ToolError with Keystone's answer.
    """
    user_id, project_id = _current_user(conn)
    old = find_app_credential(conn, name)
    if old is not None:
        report.progress('Deleting application credential %s (%s): its '
                        'secret cannot be read back' % (name, old.id))
        _call('cannot delete application credential %s' % name,
              conn.identity.delete_application_credential, user_id, old,
              ignore_missing=True)
    report.progress('Creating application credential %s (role %s in '
                    'project %s) ...' % (name, role, project_id))
    return _call('cannot create application credential %s (role %s): '
                 'the user needs that role in project %s, and credentials '
                 'that are not themselves a restricted application '
                 'credential' % (name, role, project_id),
                 conn.identity.create_application_credential, user_id,
                 name, roles=[{'name': role}],
                 description='Ironic host %s: the openstack driver\'s '
                             'access to the node servers' % name)


def delete_app_credential(conn, name):
    """Delete the current user's application credential ``name``.

    :returns: its ID, or None when there was none.
    """
    user_id, _project = _current_user(conn)
    found = find_app_credential(conn, name)
    if found is None:
        return None
    _call('cannot delete application credential %s' % name,
          conn.identity.delete_application_credential, user_id, found,
          ignore_missing=True)
    return found.id


def baremetal_entry(name, endpoint, password):
    """The clouds.yaml entry of ``baremetal`` commands for the host."""
    return {'clouds': {name: {
        'auth_type': 'http_basic',
        'auth': {'username': API_USER, 'password': password},
        'baremetal_endpoint_override': endpoint,
        'baremetal_api_version': 'latest'}}}


def write_private(path, entry):
    """Write ``entry`` as YAML to a new file of mode 0600.

    :raises: ToolError when the file exists (it holds a password of an
        earlier host) or cannot be written.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as e:
        raise ToolError('cannot create %s (--clouds-file): %s' % (
            path, e.strerror))
    with os.fdopen(fd, 'w') as f:
        yaml.safe_dump(entry, f, default_flow_style=False)
