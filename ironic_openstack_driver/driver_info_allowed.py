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

"""What the operator allows a node's driver_info to name.

The fields that send the node's credentials somewhere, make the conductor
read a file or use the operator's clouds.yaml entries: an inline Keystone
URL ([openstack]allowed_auth_urls), a CA bundle (allowed_cacerts), a
clouds.yaml entry and TLS verification (allowed_clouds), a region
(allowed_regions) and a rescue image (allowed_rescue_images). Each check
raises InvalidParameterValue naming the node and the field;
driver_info.parse_driver_info calls them.
"""

import os

from ironic.common import exception
from ironic.common.i18n import _

from ironic_openstack_driver.conf import CONF
from ironic_openstack_driver import text


def fail(node, msg, missing=False):
    """Raise Ironic's error for a bad driver_info field of the node.

    :raises: MissingParameterValue when ``missing``, else
        InvalidParameterValue.
    """
    err = _('Node %(node)s: %(msg)s') % {'node': node.uuid, 'msg': msg}
    if missing:
        raise exception.MissingParameterValue(err)
    raise exception.InvalidParameterValue(err)


def check_auth_url(node, url):
    """Refuse an inline openstack_auth_url the operator did not list.

    The conductor sends the node's credentials (and a version discovery)
    to that URL: a free one would let a node's owner make the conductor
    send requests to any address it reaches.
    """
    allowed = {u.rstrip('/') for u in CONF.openstack.allowed_auth_urls}
    if url.rstrip('/') not in allowed:
        fail(node, _('driver_info field openstack_auth_url "%(url)s" is not '
                     'one of the Keystone URLs that inline credentials may '
                     'use (%(allowed)s); the operator lists them in '
                     '[openstack]allowed_auth_urls.') % {
                         'url': text.shown(url),
                         'allowed': ', '.join(sorted(allowed)) or _(
                             'none: inline credentials are off')})


def check_cacert(node, path):
    """Refuse an openstack_cacert not listed, or not a file on the conductor.

    Only the paths of [openstack]allowed_cacerts (checked first, so that
    the answer tells nothing of other files). Like the redfish driver's
    ``redfish_verify_ca``: a bundle that does not exist would go unnoticed
    until TLS is used (never, with an http:// Keystone), and the operator
    would believe the host cloud verified.
    """
    if path is None:
        return
    allowed = {os.path.normpath(p) for p in CONF.openstack.allowed_cacerts}
    if os.path.normpath(path) not in allowed:
        fail(node, _('driver_info field openstack_cacert "%(path)s" is not '
                     'one of the CA bundles that nodes may name '
                     '(%(allowed)s); the operator lists them in '
                     '[openstack]allowed_cacerts.') % {
                         'path': text.shown(path),
                         'allowed': ', '.join(sorted(allowed)) or _('none')})
    if not os.path.isfile(path):
        fail(node, _('driver_info field openstack_cacert "%s" is not a '
                     'file on this conductor (the CA bundle that verifies '
                     'the host cloud\'s TLS certificates).')
             % text.shown(path))


def allowed_clouds():
    """The clouds.yaml entries a node's driver_info may name.

    :returns: a set of names, or None for all of them
        ([openstack]allowed_clouds).
    """
    allowed = CONF.openstack.allowed_clouds
    if allowed is None:
        return {CONF.openstack.cloud} if CONF.openstack.cloud else set()
    if '*' in allowed:
        return None
    return set(allowed)


def check_cloud(node, cloud, insecure):
    """Refuse a clouds.yaml entry, or TLS settings, the operator did not allow.

    A clouds.yaml entry carries the operator's credentials: members of the
    node's owner project (who may edit driver_info) must not aim them at
    another entry, nor turn TLS verification off for them.
    """
    if insecure:
        fail(node, _('driver_info field openstack_insecure is allowed only '
                     'with inline credentials, not with the clouds.yaml '
                     'entry "%s" (set "verify: false" in the entry '
                     'itself).') % text.shown(cloud))
    allowed = allowed_clouds()
    if allowed is not None and cloud not in allowed:
        fail(node, _('driver_info field openstack_cloud "%(cloud)s" is not '
                     'one of the clouds.yaml entries that nodes may use '
                     '(%(allowed)s); the operator lists them in '
                     '[openstack]allowed_clouds.') % {
                         'cloud': text.shown(cloud),
                         'allowed': ', '.join(sorted(allowed)) or _(
                             'none: [openstack]cloud is not set')})


def _allowed(option_values, value):
    """Whether a value is listed in an allow-list option ("*": any)."""
    return '*' in option_values or value in option_values


def check_region(node, cloud, region):
    """Refuse a region, with a clouds.yaml entry, the operator did not list.

    The entry's credentials are the operator's: another region reaches
    other servers of the operator's project.
    """
    if region is not None and not _allowed(CONF.openstack.allowed_regions,
                                           region):
        fail(node, _('driver_info field openstack_region_name "%(region)s" '
                     'is not one of the regions that nodes may name with '
                     'the clouds.yaml entry "%(cloud)s" (%(allowed)s); '
                     'the operator lists them in '
                     '[openstack]allowed_regions.') % {
                         'region': text.shown(region),
                         'cloud': text.shown(cloud),
                         'allowed': ', '.join(sorted(
                             CONF.openstack.allowed_regions)) or _(
                                 'none: the entry\'s own region is used')})


def allowed_rescue_images():
    """Images driver_info openstack_rescue_image may name, or None: any."""
    listed = CONF.openstack.allowed_rescue_images
    if '*' in listed:
        return None
    return {ref for ref in (CONF.openstack.rescue_image,
                            CONF.openstack.uefi_rescue_image, *listed)
            if ref}


def check_rescue_image(node, ref):
    """Refuse a rescue image the operator did not choose.

    Nova rescue boots it on the server: a free choice would boot any image
    the operator's project sees, such as another node's virtual media ISO.
    """
    allowed = allowed_rescue_images()
    if ref is not None and allowed is not None and ref not in allowed:
        fail(node, _('driver_info field openstack_rescue_image "%(ref)s" is '
                     'not one of the rescue images the operator allows '
                     '(%(allowed)s): [openstack]rescue_image, '
                     '[openstack]uefi_rescue_image and '
                     '[openstack]allowed_rescue_images.') % {
                         'ref': text.shown(ref),
                         'allowed': ', '.join(sorted(allowed)) or _('none')})
    return ref
