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

"""Translation of openstacksdk and keystoneauth errors into Ironic's.

Only classes under ironic.common.exception cross Ironic's RPC to the API,
so every call into the library runs inside translate_errors (client.py is
the one module that makes such calls). Messages name the node, the cloud
and what was being done; they never carry credentials.
"""

import contextlib

from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as sdk_exc

from ironic.common import exception
from ironic.common.i18n import _

from ironic_openstack_driver.conf import CONF
from ironic_openstack_driver import server_state

DRIVER = 'openstack'


@contextlib.contextmanager
def translate_errors(node, creds, action, evict=None):
    """Turn openstacksdk and keystoneauth errors into Ironic exceptions.

    :param node: the Ironic node acted on.
    :param creds: its cloud.CloudCredentials.
    :param action: what was being done, for the message.
    :param evict: called with a reason when the cached connection may have
        gone bad (401, 403, the cloud unreachable), or None.
    """
    where = {'node': node.uuid, 'cloud': creds.describe(), 'action': action}
    evict = evict or (lambda why: None)
    try:
        yield
    except exception.IronicException:
        raise
    except server_state.ServerGone as e:
        raise exception.DriverOperationError(
            driver=DRIVER,
            reason=_('node %(node)s: its Nova server in %(cloud)s is deleted '
                     '(vm_state %(state)s)') % dict(where, state=e))
    except server_state.UnsupportedServerState as e:
        raise exception.DriverOperationError(
            driver=DRIVER,
            reason=_('node %(node)s: cannot %(action)s: %(why)s')
            % dict(where, why=e))
    except (sdk_exc.ConfigException, ks_exc.MissingRequiredOptions,
            ks_exc.NoMatchingPlugin) as e:
        raise exception.InvalidParameterValue(
            _('Node %(node)s: cannot use %(cloud)s ([openstack]clouds_yaml '
              '%(path)s): %(error)s')
            % dict(where, path=CONF.openstack.clouds_yaml or _('(default)'),
                   error=e))
    except sdk_exc.HttpException as e:
        reason = _('node %(node)s: Nova/Glance in %(cloud)s refused to '
                   '%(action)s: HTTP %(code)s: %(error)s') % dict(
                       where, code=e.status_code,
                       error=e.details or e.message)
        if e.status_code in (401, 403):
            reason += _(' (check the credentials and the roles of the '
                        'user in the host cloud)')
            evict('HTTP %s' % e.status_code)
        raise exception.DriverOperationError(driver=DRIVER, reason=reason)
    except (sdk_exc.SDKException, ks_exc.ClientException) as e:
        if isinstance(e, (ks_exc.Unauthorized, ks_exc.ConnectionError)):
            evict(e.__class__.__name__)
        raise exception.DriverOperationError(
            driver=DRIVER,
            reason=_('node %(node)s: cannot %(action)s in %(cloud)s: '
                     '%(error)s') % dict(where, error=e))
