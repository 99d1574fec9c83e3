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
so every call into the library runs inside translate_errors: bound to a
node's credentials and cached connection as NodeClient.translate_errors
(client.py) for the calls over a NodeClient (client.py, server_reads.py,
server_images.py, vmedia_images.py, vmedia_cleanup.py), and directly when
a connection is opened (connections.py). Messages name the node, the cloud
and what was being done; they never carry credentials. The other public
functions here tell what a library error means (advice, transient,
drops_connection, service_at) and read once more after a transient
failure (read_retrying).
"""

import contextlib
import re
import time

from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as sdk_exc
import requests

from oslo_log import log

from ironic.common import exception
from ironic.common.i18n import _

from ironic_openstack_driver import cloud
from ironic_openstack_driver import compute_features
from ironic_openstack_driver.conf import CONF
from ironic_openstack_driver import server_state
from ironic_openstack_driver import text

LOG = log.getLogger(__name__)

DRIVER = 'openstack'
# Seconds before a read is tried again after a transient failure.
RETRY_PAUSE = 0.5
# Who answers at a catalog service type, as an operator names it.
SERVICE_NAMES = {'compute': 'Nova', 'image': 'Glance', 'network': 'Neutron',
                 'block-storage': 'Cinder', 'volumev3': 'Cinder',
                 'volume': 'Cinder', 'identity': 'Keystone'}
# The URL in keystoneauth's message for a request that failed: no answer in
# time, no connection, TLS, anything else requests raised.
_FAILED_URL = re.compile(r'(?:Request to|Unable to establish connection to|'
                         r'SSL exception connecting to|Unexpected exception '
                         r'for) (\S+?)(?::\s| |$)')


def field(creds, name, entry_key):
    """Where a setting comes from: a driver_info field or clouds.yaml."""
    if creds.cloud and getattr(creds, name) is None:
        return _('%(key)s of the clouds.yaml entry "%(cloud)s" (driver_info '
                 'openstack_cloud, [openstack]clouds_yaml)') % {
                     'key': entry_key, 'cloud': text.shown(creds.cloud)}
    return 'driver_info openstack_%s' % name


def _credential_fields(creds):
    if creds.cloud:
        return _('the auth section of the clouds.yaml entry "%s" (driver_info '
                 'openstack_cloud, [openstack]clouds_yaml)') % text.shown(
                     creds.cloud)
    if creds.application_credential_id:
        return _('driver_info openstack_application_credential_id and '
                 'openstack_application_credential_secret')
    return _('driver_info openstack_username, openstack_password, '
             'openstack_project_name and their domains')


def service_at(url, endpoints):
    """The service of a cloud that a request URL went to, or None.

    :param url: the URL of the request.
    :param endpoints: (endpoint URL, catalog service type) pairs of the
        cloud, e.g. from its token's catalog.
    :returns: the name operators know it by (Nova, Glance...), else the
        catalog type; None when no endpoint is a prefix of ``url``.
    """
    best = None
    for endpoint, service_type in endpoints:
        prefix = (endpoint or '').rstrip('/')
        if prefix and (url == prefix or url.startswith(prefix + '/')
                       or url.startswith(prefix + '?')) and (
                best is None or len(prefix) > len(best[0])):
            best = (prefix, service_type)
    if best is None:
        return None
    return SERVICE_NAMES.get(best[1], best[1])


def failed_service(error, locate):
    """The service of a cloud that a failed request went to, or None.

    :param error: a keystoneauth connection error (its message names the
        URL), or any exception.
    :param locate: called with a request URL, returns the name of the
        cloud's service there (see service_at) or None; or None.
    :returns: the name operators know it by (Nova, Keystone...), or None
        when the message names no URL or no endpoint matches it.
    """
    match = _FAILED_URL.search(str(error))
    return locate(match.group(1)) if match and locate else None


def drops_connection(error, locate):
    """Whether a login, catalog or connection error may be the connection's.

    A new connection (a new login) can help only when Keystone or the
    configuration is at fault: Keystone unreachable, a catalog without the
    service, an error whose service is unknown. Not when a service behind
    a valid token (Nova, Glance) cannot be reached or does not answer in
    time: the cached session and its token are still good, and dropping
    them would make every node's next request log in again while that
    service is down.
    """
    if isinstance(error, ks_exc.ConnectTimeout):
        return False
    return failed_service(error, locate) in (None,
                                             SERVICE_NAMES['identity'])


def _timeout_advice(error, creds, locate):
    """What to say of a request that got no answer within api_timeout."""
    service = failed_service(error, locate)
    hint = _('%(service)s did not answer within %(timeout)s s '
             '([openstack]api_timeout): check that it runs, is not '
             'overloaded and is reachable from the conductor') % {
                 'service': service or _('the cloud'),
                 'timeout': CONF.openstack.api_timeout}
    if service in (None, SERVICE_NAMES['identity']):
        hint += _(' (Keystone: %s)') % field(creds, 'auth_url',
                                             'auth.auth_url')
    return hint


def advice(error, creds, locate=None):
    """What to check for a login, catalog or connection error, or None.

    :param error: the library's exception.
    :param creds: the node's cloud.CloudCredentials.
    :param locate: called with a request URL, returns the name of the
        cloud's service there (see service_at) or None; or None.
    """
    if isinstance(error, ks_exc.ConnectTimeout):
        # No answer in time: a hung, overloaded or unreachable service.
        return _timeout_advice(error, creds, locate)
    if (isinstance(error, ks_exc.Unauthorized)
            or getattr(error, 'status_code', None) == 401):
        return _('check the credentials: %s') % _credential_fields(creds)
    if isinstance(error, ks_exc.SSLError) or (
            isinstance(error, OSError)
            and not isinstance(error, requests.RequestException)
            and 'certificate' in str(error)):
        # requests raises a bare OSError for a CA bundle that does not
        # exist, before it connects.
        return _('check %s (a CA bundle that exists on the conductor and '
                 'signs the cloud\'s certificates)') % field(
                     creds, 'cacert', 'cacert')
    if isinstance(error, (ks_exc.EndpointNotFound,
                          sdk_exc.ServiceDisabledException)):
        return _('check %s (a region whose catalog has the service)') % (
            field(creds, 'region_name', 'region_name'))
    if isinstance(error, (ks_exc.ConnectionError, ks_exc.DiscoveryFailure,
                          requests.RequestException)):
        return _('check %s and that the cloud\'s endpoints are reachable '
                 'from the conductor') % field(creds, 'auth_url',
                                               'auth.auth_url')
    return None


def _config_hint(creds):
    """What to check when openstacksdk refuses the cloud's configuration."""
    if creds.cloud:
        return _('check driver_info openstack_cloud (an entry of that file) '
                 'and %s (a region that entry lists)') % field(
                     creds, 'region_name', 'region_name')
    return _('check %s and driver_info openstack_region_name') % (
        _credential_fields(creds))


def check_auth_url(node, creds, conn):
    """Refuse a Keystone auth URL that is not an http(s) URL.

    openstacksdk takes it for a path and says later only that the catalog
    has no endpoint.

    :raises: InvalidParameterValue naming where the URL comes from.
    """
    auth_url = (conn.config.config.get('auth') or {}).get('auth_url')
    if not cloud.is_http_url(auth_url):
        raise exception.InvalidParameterValue(
            _('Node %(node)s: %(field)s must be the http:// or https:// URL '
              'of Keystone.') % {
                  'node': node.uuid,
                  'field': field(creds, 'auth_url', 'auth.auth_url')})


def transient(error):
    """Whether a failed read may well succeed when tried again at once.

    A pooled keep-alive connection that the server closed just as it was
    reused fails with a reset (ConnectFailure); a 5xx is often one API
    worker restarting. Timeouts are not: trying again doubles the wait.
    """
    if isinstance(error, ks_exc.ConnectTimeout):
        return False
    if isinstance(error, ks_exc.ConnectFailure):
        return True
    return (isinstance(error, sdk_exc.HttpException)
            and (error.status_code or 0) >= 500)


def read_retrying(read, node, what, deadline=None):
    """Call ``read()``; once more after a transient failure.

    :param read: a callable without arguments that only reads.
    :param node: the Ironic node, for the log.
    :param what: what is read, for the log.
    :param deadline: time.monotonic() by which the caller must be done,
        or None: no second try that would end after it.
    :returns: what ``read()`` returns.
    """
    try:
        return read()
    except Exception as e:
        late = (deadline is not None
                and time.monotonic() + RETRY_PAUSE >= deadline)
        if late or not transient(e):
            raise
        LOG.warning('Node %(node)s: reading %(what)s failed (%(error)s); '
                    'trying once more', {'node': node.uuid, 'what': what,
                                         'error': one_line(e)})
    time.sleep(RETRY_PAUSE)
    return read()


one_line = text.one_line


def _cause(error, where, creds):
    """What a message says of a login or Keystone error.

    With inline credentials the Keystone URL is the node owner's choice
    (among [openstack]allowed_auth_urls): a text that answered there (an
    HTTP error's body, a failed version discovery's) goes to the
    conductor's log only, never into a message that reaches last_error;
    the message keeps the error's kind and HTTP status. Errors made on the
    conductor (no connection, TLS, a timeout) keep their text.
    """
    cause = one_line(getattr(error, 'details', None) or error)
    if creds.cloud or not isinstance(error, (ks_exc.HttpError,
                                             ks_exc.DiscoveryFailure)):
        return cause
    LOG.warning('Node %(node)s: cannot %(action)s in %(cloud)s: %(error)s',
                dict(where, error=cause))
    status = (getattr(error, 'http_status', None)
              or getattr(error, 'status_code', None))
    return _('%(kind)s%(status)s (the answer is in the conductor\'s '
             'log)') % {'kind': error.__class__.__name__,
                        'status': ' (HTTP %s)' % status if status else ''}


def _login_error(where, error, hint, creds):
    return exception.DriverOperationError(
        driver=DRIVER,
        reason=_('node %(node)s: cannot %(action)s in %(cloud)s: '
                 '%(error)s; %(hint)s') % dict(
                     where, error=_cause(error, where, creds), hint=hint))


@contextlib.contextmanager
def translate_errors(node, creds, action, evict=None, locate=None,
                     policy=None):
    """Turn openstacksdk and keystoneauth errors into Ironic exceptions.

    :param node: the Ironic node acted on.
    :param creds: its cloud.CloudCredentials.
    :param action: what was being done, for the message.
    :param evict: called with a reason when the cached connection may have
        gone bad (401, 403, Keystone unreachable: see drops_connection),
        or None.
    :param locate: called with a request URL, returns the name of the
        service there (for the message of a timeout, and to tell Keystone
        from the other services); or None.
    :param policy: the Nova policy rule of the request, which the message
        of a 403 names; or None.
    """
    where = {'node': node.uuid, 'cloud': creds.describe(), 'action': action}
    try:
        yield
    except exception.IronicException:
        raise
    except Exception as e:
        translated = _translate(e, where, creds, evict or (lambda why: None),
                                locate, policy)
        if translated is None:
            raise
        raise translated


def _translate(e, where, creds, evict, locate=None, policy=None):
    """The Ironic exception for a library error, or None to let it go."""
    if isinstance(e, server_state.ServerGone):
        return exception.DriverOperationError(
            driver=DRIVER,
            reason=_('node %(node)s: its Nova server in %(cloud)s is deleted '
                     '(vm_state %(state)s)') % dict(where, state=e))
    if isinstance(e, server_state.UnsupportedServerState):
        return exception.DriverOperationError(
            driver=DRIVER,
            reason=_('node %(node)s: cannot %(action)s: %(why)s')
            % dict(where, why=e))
    if isinstance(e, sdk_exc.HttpException):
        reason = _('node %(node)s: Nova/Glance in %(cloud)s refused to '
                   '%(action)s: HTTP %(code)s: %(error)s') % dict(
                       where, code=e.status_code,
                       error=one_line(e.details or e.message))
        if e.status_code == 401:
            reason += '; ' + advice(e, creds)
            evict('HTTP %s' % e.status_code)
        elif e.status_code == 403 and policy:
            # Nova's policy refused the action to these credentials.
            reason += '; ' + compute_features.policy_hint(policy)
            evict('HTTP %s' % e.status_code)
        elif e.status_code == 403:
            reason += _(' (check the roles of the user in the host cloud)')
            evict('HTTP %s' % e.status_code)
        return exception.DriverOperationError(driver=DRIVER, reason=reason)
    hint = advice(e, creds, locate)
    if hint is not None:
        # Keystone, the catalog, TLS or the network. Only a failed login
        # (or one of unknown cause) drops the connection: see
        # drops_connection.
        if drops_connection(e, locate):
            evict(e.__class__.__name__)
        return _login_error(where, e, hint, creds)
    if isinstance(e, (sdk_exc.ConfigException, ks_exc.MissingRequiredOptions,
                      ks_exc.NoMatchingPlugin)):
        return exception.InvalidParameterValue(
            _('Node %(node)s: cannot use %(cloud)s ([openstack]clouds_yaml '
              '%(path)s): %(error)s; %(hint)s')
            % dict(where, path=CONF.openstack.clouds_yaml or _('(default)'),
                   error=one_line(e), hint=_config_hint(creds)))
    if isinstance(e, (sdk_exc.SDKException, ks_exc.ClientException)):
        cause = (_cause(e, where, creds)
                 if isinstance(e, ks_exc.ClientException) and not creds.cloud
                 else one_line(e))
        return exception.DriverOperationError(
            driver=DRIVER,
            reason=_('node %(node)s: cannot %(action)s in %(cloud)s: '
                     '%(error)s') % dict(where, error=cause))
    return None
