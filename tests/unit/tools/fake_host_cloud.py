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

"""The host cloud of ironic-host: FakeCloud plus Keystone, key pairs and
security groups, behind the same autospecced openstacksdk proxies.

Keystone's rules for application credentials are kept: a user creates
them for itself only (403 otherwise), in the project of its token, with
roles it holds there (404 RoleAssignmentNotFound otherwise), names unique
per user (409), and not while authenticated by a restricted application
credential (403). Neutron refuses to delete a security group a port uses
(409 SecurityGroupInUse).
"""

import types
from unittest import mock

from openstack.compute.v2 import keypair as sdk_keypair
from openstack import exceptions as sdk_exc
from openstack.identity.v3 import _proxy as identity_proxy
from openstack.identity.v3 import application_credential as sdk_appcred
from openstack.network.v2 import security_group as sdk_sg

from tests.unit.tools import fakes

USER = 'user-1'
PROJECT = 'project-1'
AUTH_URL = 'http://keystone.example:5000/v3'


class FakeHostCloud(fakes.FakeCloud):

    def __init__(self, roles=('member', 'reader'), **kw):
        super().__init__(**kw)
        self.roles = set(roles)     # the user's roles in PROJECT
        self.by_app_credential = False
        self.app_credentials = {}   # id -> dict
        self.security_groups = {}   # id -> dict
        self.sg_rules = []
        self.keypairs = {'mykey'}
        self.identity = mock.create_autospec(identity_proxy.Proxy,
                                             instance=True)
        i, n, c = self.identity, self.network, self.compute
        i.create_application_credential.side_effect = self._create_appcred
        i.find_application_credential.side_effect = self._find_appcred
        i.delete_application_credential.side_effect = self._delete_appcred
        c.find_keypair.side_effect = self._find_keypair
        n.security_groups.side_effect = self._security_groups
        n.create_security_group.side_effect = self._create_sg
        n.create_security_group_rule.side_effect = self._create_sg_rule
        n.delete_security_group.side_effect = self._delete_sg
        self.config = mock.Mock(config={'auth': {'auth_url': AUTH_URL}})
        self.config.get_region_name.return_value = 'RegionOne'

    @property
    def conn(self):
        return types.SimpleNamespace(
            compute=self.compute, network=self.network, image=self.image,
            baremetal=self.baremetal, identity=self.identity,
            config=self.config, current_user_id=USER,
            current_project_id=PROJECT)

    # Nova
    def _find_keypair(self, name_or_id, ignore_missing=True, **kw):
        if name_or_id in self.keypairs:
            return sdk_keypair.Keypair.existing(name=name_or_id)
        return None

    # Keystone
    def _appcred(self, data, secret=None):
        fields = {k: v for k, v in data.items() if k != 'secret'}
        if secret:
            fields['secret'] = secret
        return sdk_appcred.ApplicationCredential.existing(**fields)

    def _create_appcred(self, user, name, **attrs):
        assert set(attrs) <= {'roles', 'description', 'secret',
                              'expires_at', 'unrestricted',
                              'access_rules'}, attrs
        if self.by_app_credential or getattr(user, 'id', user) != USER:
            raise sdk_exc.ForbiddenException(
                message='You are not authorized to perform the requested '
                        'action: identity:create_application_credential.',
                http_status=403)
        if any(c['name'] == name for c in self.app_credentials.values()):
            raise sdk_exc.ConflictException(
                message='Conflict occurred attempting to store '
                        'application_credential - Duplicate entry.',
                http_status=409)
        roles = attrs.get('roles') or [{'name': r} for r in self.roles]
        for role in roles:
            if role['name'] not in self.roles:
                raise sdk_exc.NotFoundException(
                    message='Could not find role assignment with role: '
                            '%s, user or group: %s, project, domain, or '
                            'system: %s.' % (role['name'], USER, PROJECT),
                    http_status=404)
        cred_id = self.new_id('appcred')
        self.app_credentials[cred_id] = {
            'id': cred_id, 'name': name, 'user_id': USER,
            'project_id': PROJECT, 'roles': roles,
            'description': attrs.get('description'),
            'unrestricted': bool(attrs.get('unrestricted'))}
        return self._appcred(self.app_credentials[cred_id],
                             secret='SECRET-of-%s' % cred_id)

    def _find_appcred(self, user, name_or_id, ignore_missing=True, **kw):
        assert getattr(user, 'id', user) == USER
        for data in self.app_credentials.values():
            if name_or_id in (data['id'], data['name']):
                return self._appcred(data)
        if not ignore_missing:
            raise sdk_exc.NotFoundException(message='no app credential')
        return None

    def _delete_appcred(self, user, appcred, ignore_missing=True):
        assert getattr(user, 'id', user) == USER
        self.app_credentials.pop(getattr(appcred, 'id', appcred), None)

    # Neutron
    def _sg(self, sg_id):
        return sdk_sg.SecurityGroup.existing(**self.security_groups[sg_id])

    def _security_groups(self, **query):
        return iter([self._sg(i) for i, g in self.security_groups.items()
                     if all(g.get(k) == v for k, v in query.items())])

    def _create_sg(self, **attrs):
        sg_id = self.new_id('sg')
        self.security_groups[sg_id] = dict(attrs, id=sg_id)
        return self._sg(sg_id)

    def _create_sg_rule(self, **attrs):
        assert attrs['security_group_id'] in self.security_groups
        v6 = ':' in attrs.get('remote_ip_prefix', '')
        if attrs.get('ethertype') != ('IPv6' if v6 else 'IPv4'):
            raise sdk_exc.BadRequestException(
                message='Conflicting value ethertype %s for CIDR %s' % (
                    attrs.get('ethertype'), attrs['remote_ip_prefix']),
                http_status=400)
        self.sg_rules.append(dict(attrs))

    def _delete_sg(self, sg, ignore_missing=True, **kw):
        sg_id = getattr(sg, 'id', sg)
        if any(sg_id in p.get('security_group_ids', ())
               for p in self.ports.values()):
            raise sdk_exc.ConflictException(
                message='Security Group %s in use.' % sg_id,
                http_status=409)
        self.security_groups.pop(sg_id, None)
        self.sg_rules = [r for r in self.sg_rules
                         if r['security_group_id'] != sg_id]
