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

"""Parsing and checking of a node's driver_info for the openstack driver.

No network I/O (the one look at the disk: that an ``openstack_cacert`` is
a file), so that validate() is cheap and can be called by the API at any
time.
"""

import dataclasses
import re

from oslo_utils import strutils

from ironic.common.i18n import _

from ironic_openstack_driver.cloud import CloudCredentials
from ironic_openstack_driver.cloud import is_http_url
from ironic_openstack_driver.conf import CONF
from ironic_openstack_driver import driver_info_allowed as allowed
from ironic_openstack_driver import text

PREFIX = 'openstack_'

REQUIRED_PROPERTIES = {
    'openstack_server': _('UUID or unique name of the Nova server that plays '
                          'this node in the host cloud. Required.'),
}

CREDENTIAL_PROPERTIES = {
    'openstack_auth_url': _('Keystone URL of the host cloud, for inline '
                            'credentials instead of a clouds.yaml entry; '
                            'one of [openstack]allowed_auth_urls. '
                            'Optional.'),
    'openstack_username': _('User name, with openstack_password. '
                            'Optional.'),
    'openstack_password': _('Password of openstack_username. Optional.'),
    'openstack_user_domain_name': _('Domain of openstack_username; defaults '
                                    'to "Default". Optional.'),
    'openstack_project_name': _('Project that owns the server; needed with '
                                'openstack_username. Optional.'),
    'openstack_project_domain_name': _('Domain of openstack_project_name; '
                                       'defaults to "Default". Optional.'),
    'openstack_application_credential_id': _(
        'Application credential ID, instead of a user name and password. '
        'Optional.'),
    'openstack_application_credential_secret': _(
        'Secret of openstack_application_credential_id. Optional.'),
    'openstack_insecure': _('Boolean: skip TLS certificate verification of '
                            'the host cloud, with inline credentials only '
                            '(not with a clouds.yaml entry, whose '
                            'credentials are the operator\'s). Defaults to '
                            'false. Optional.'),
}

# Where to reach the cloud: with inline credentials or a clouds.yaml entry.
CONNECTION_PROPERTIES = {
    'openstack_region_name': _('Region of the host cloud; overrides the '
                               'clouds.yaml entry\'s, where it is one of '
                               '[openstack]allowed_regions. Optional.'),
    'openstack_cacert': _('Path of a CA bundle on the conductor that '
                          'verifies the host cloud\'s TLS certificates; '
                          'overrides the clouds.yaml entry\'s; one of '
                          '[openstack]allowed_cacerts. Optional.'),
    'openstack_compute_microversion_cap': _(
        'Newest Nova API microversion ("2.N") the driver uses for this '
        'node; overrides [openstack]compute_microversion_cap. Optional.'),
}

OPTIONAL_PROPERTIES = {
    'openstack_cloud': _('Name of the host cloud\'s entry in the conductor\'s '
                         'clouds.yaml ([openstack]clouds_yaml). Defaults to '
                         '[openstack]cloud. Not allowed together with inline '
                         'credentials. Optional.'),
    'openstack_rescue_image': _('Glance image (name or UUID) that Nova '
                                'rescue boots as boot device PXE. Defaults '
                                'to [openstack]rescue_image, or to '
                                '[openstack]uefi_rescue_image for servers '
                                'that boot in UEFI mode. Only those and '
                                '[openstack]allowed_rescue_images. '
                                'Optional.'),
}
OPTIONAL_PROPERTIES.update(CREDENTIAL_PROPERTIES)
OPTIONAL_PROPERTIES.update(CONNECTION_PROPERTIES)

COMMON_PROPERTIES = dict(REQUIRED_PROPERTIES, **OPTIONAL_PROPERTIES)

# Fields whose value is a secret. Their names contain "password" or
# "secret", which is what Ironic's API masks.
SECRET_FIELDS = frozenset(['openstack_password',
                           'openstack_application_credential_secret'])


@dataclasses.dataclass(frozen=True)
class DriverInfo:
    """The parsed driver_info of one node."""

    server: str
    credentials: CloudCredentials
    rescue_image: str | None = None


#: A compute API microversion as the cap takes it (the option's regex).
MICROVERSION = re.compile(r'^2\.[1-9][0-9]{0,2}$')

#: Nova refuses server names longer than this (its API schema's maxLength).
MAX_SERVER_NAME = 255


_fail = allowed.fail


def _string(node, info, field):
    value = info.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        _fail(node, _('driver_info field %s must be a non-empty string.')
              % field)
    return value.strip()


def _parse_credentials(node, info):
    values = {field[len(PREFIX):]: _string(node, info, field)
              for field in CREDENTIAL_PROPERTIES
              if field != 'openstack_insecure'}
    where = {field[len(PREFIX):]: _string(node, info, field)
             for field in CONNECTION_PROPERTIES
             if field != 'openstack_compute_microversion_cap'}
    where['compute_microversion_cap'] = _check_microversion_cap(
        node, info.get('openstack_compute_microversion_cap'))
    allowed.check_cacert(node, where['cacert'])
    insecure = info.get('openstack_insecure', False)
    try:
        insecure = strutils.bool_from_string(insecure, strict=True)
    except ValueError:
        _fail(node, _('driver_info field openstack_insecure must be a '
                      'boolean, not "%s".') % text.shown(insecure))

    cloud = _string(node, info, 'openstack_cloud')
    given = sorted(PREFIX + key for key, value in values.items()
                   if value is not None)
    if not given:
        cloud = cloud or CONF.openstack.cloud
        if not cloud:
            _fail(node, _('no host cloud given: set driver_info '
                          'openstack_cloud (a clouds.yaml entry) or inline '
                          'credentials (openstack_auth_url ...), or '
                          '[openstack]cloud in ironic.conf.'), missing=True)
        allowed.check_cloud(node, cloud, insecure)
        allowed.check_region(node, cloud, where['region_name'])
        return CloudCredentials(cloud=cloud, **where)

    if cloud:
        _fail(node, _('driver_info field openstack_cloud cannot be combined '
                      'with inline credentials (%s).') % ', '.join(given))
    if not values['auth_url']:
        _fail(node, _('driver_info fields %s need openstack_auth_url.')
              % ', '.join(given), missing=True)
    _check_url(node, values['auth_url'])
    allowed.check_auth_url(node, values['auth_url'])

    app_cred = (values['application_credential_id'],
                values['application_credential_secret'])
    password = (values['username'], values['password'])
    if any(app_cred) and any(password):
        _fail(node, _('use either openstack_username/openstack_password or '
                      'openstack_application_credential_id/'
                      'openstack_application_credential_secret, not both.'))
    if any(app_cred):
        pair = dict(zip(('openstack_application_credential_id',
                         'openstack_application_credential_secret'),
                        app_cred))
    else:
        pair = {'openstack_username': values['username'],
                'openstack_password': values['password'],
                'openstack_project_name': values['project_name']}
    missing = sorted(field for field, value in pair.items() if not value)
    if missing:
        _fail(node, _('inline credentials need driver_info field(s) %s.')
              % ', '.join(missing), missing=True)
    if not any(app_cred):
        values['user_domain_name'] = values['user_domain_name'] or 'Default'
        values['project_domain_name'] = (values['project_domain_name']
                                         or 'Default')
    return CloudCredentials(insecure=insecure, **values, **where)


def _check_microversion_cap(node, cap):
    """The node's compute microversion cap, else the option's, or None."""
    if cap is None:
        return CONF.openstack.compute_microversion_cap
    if isinstance(cap, (int, float)) and not isinstance(cap, bool):
        # The baremetal CLI reads 2.60 as the number 2.6: a different,
        # much older microversion.
        _fail(node, _('driver_info field openstack_compute_microversion_cap '
                      'must be the string "2.N", not the number %s: as a '
                      'number, 2.60 and 2.6 are the same, as microversions '
                      'they are not. Quote it (openstack baremetal node set '
                      '--driver-info \'openstack_compute_microversion_cap='
                      '"2.60"\').') % text.shown(cap))
    if not isinstance(cap, str) or not MICROVERSION.match(cap.strip()):
        _fail(node, _('driver_info field openstack_compute_microversion_cap '
                      'must be a Nova API microversion "2.N" (e.g. 2.60), '
                      'not "%s".') % text.shown(cap))
    return cap.strip()


def _check_url(node, url):
    """Refuse an openstack_auth_url that is not an http(s) URL.

    openstacksdk would take it for a relative path and fail later with a
    misleading "not present in the service catalog".
    """
    if not is_http_url(url):
        _fail(node, _('driver_info field openstack_auth_url must be the '
                      'http:// or https:// URL of Keystone, such as '
                      'https://keystone.example.com:5000/v3.'))


def parse_driver_info(node):
    """Parse and check the driver_info of a node, without any I/O.

    :param node: an Ironic node object.
    :returns: a DriverInfo.
    :raises: MissingParameterValue when a required field is missing.
    :raises: InvalidParameterValue when a field is malformed or unknown.
    """
    info = node.driver_info or {}
    unknown = sorted(key for key in info if key.startswith(PREFIX)
                     and key not in COMMON_PROPERTIES)
    if unknown:
        _fail(node, _('unknown driver_info field(s) %(unknown)s; the '
                      'openstack driver knows %(known)s.')
              % {'unknown': ', '.join(text.shown(key) for key in unknown),
                 'known': ', '.join(sorted(COMMON_PROPERTIES))})
    server = _string(node, info, 'openstack_server')
    if not server:
        _fail(node, _('driver_info field openstack_server (UUID or name of '
                      'the Nova server) is required.'), missing=True)
    if len(server) > MAX_SERVER_NAME:
        _fail(node, _('driver_info field openstack_server is %(length)d '
                      'characters long: Nova\'s server names and UUIDs have '
                      'at most %(max)d.') % {'length': len(server),
                                             'max': MAX_SERVER_NAME})
    return DriverInfo(server=server,
                      credentials=_parse_credentials(node, info),
                      rescue_image=allowed.check_rescue_image(
                          node, _string(node, info,
                                        'openstack_rescue_image')))


def rescue_image_for(info, boot_mode):
    """The rescue image name or UUID for a node, or None if none is set.

    :param info: the node's DriverInfo.
    :param boot_mode: 'bios' or 'uefi': the server's boot mode.
    """
    if info.rescue_image:
        return info.rescue_image
    if boot_mode == 'uefi':
        return CONF.openstack.uefi_rescue_image
    return CONF.openstack.rescue_image


def any_rescue_image(info):
    """Whether some rescue image is set for the node, whatever its mode."""
    return bool(info.rescue_image or CONF.openstack.rescue_image
                or CONF.openstack.uefi_rescue_image)
