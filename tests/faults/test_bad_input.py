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

"""Malformed driver_info: refused naming the field and the node, and no
server touched.

Each case is refused by validate (power or management) with a message
naming the field and the node, or fails its first action (power off, which
would stop the witness server if it ran) with such a last_error. The
witness server every case points at must keep its updated time, its task
state and its action log.
"""

import pytest

from tests.faults import ironic as ironic_api
from tests.faults.tools import secret

NOT_A_SERVER = 'no-such-server-7f3a'


def _cases(lab, creds, witness):
    """(label, driver_info, fields of which one must be named)."""
    url = lab['keystone_url']
    inline = dict(creds, openstack_server=witness)
    cloud = {'openstack_server': witness, 'openstack_cloud': lab['cloud']}

    def without(info, *keys):
        return {k: v for k, v in info.items() if k not in keys}

    def wrong_pw():
        return secret('wrong')

    return [
        ('no openstack_server', without(inline, 'openstack_server'),
         ['openstack_server']),
        ('empty openstack_server', dict(inline, openstack_server=''),
         ['openstack_server']),
        ('blank openstack_server', dict(inline, openstack_server='   '),
         ['openstack_server']),
        ('numeric openstack_server', dict(inline, openstack_server=42),
         ['openstack_server']),
        ('list openstack_server', dict(inline, openstack_server=['a']),
         ['openstack_server']),
        ('unknown server', dict(inline, openstack_server=NOT_A_SERVER),
         ['openstack_server']),
        ('very long server name', dict(inline, openstack_server='x' * 6000),
         ['openstack_server']),
        ('newline in server', dict(inline, openstack_server='ab\ncd'),
         ['openstack_server']),
        ('cloud not allowed', dict(cloud, openstack_cloud='nosuchcloud'),
         ['openstack_cloud']),
        ('empty cloud', dict(cloud, openstack_cloud=''),
         ['openstack_cloud']),
        ('numeric cloud', dict(cloud, openstack_cloud=5),
         ['openstack_cloud']),
        ('cloud with inline creds', dict(inline, openstack_cloud='lab'),
         ['openstack_cloud']),
        ('auth_url alone', {'openstack_server': witness,
                            'openstack_auth_url': url},
         ['openstack_username', 'openstack_password',
          'openstack_project_name']),
        ('username without auth_url', without(inline, 'openstack_auth_url'),
         ['openstack_auth_url']),
        ('password without user', without(inline, 'openstack_username'),
         ['openstack_username']),
        ('no project', without(inline, 'openstack_project_name'),
         ['openstack_project_name']),
        ('password and app cred', dict(
            inline, openstack_application_credential_id='abc',
            openstack_application_credential_secret=secret('ac')),
         ['openstack_application_credential_id', 'openstack_username']),
        ('app cred without secret', dict(
            without(inline, 'openstack_username', 'openstack_password',
                    'openstack_project_name'),
            openstack_application_credential_id='abc'),
         ['openstack_application_credential_secret']),
        ('insecure not a boolean', dict(inline, openstack_insecure='maybe'),
         ['openstack_insecure']),
        ('insecure with cloud', dict(cloud, openstack_insecure=True),
         ['openstack_insecure']),
        ('misspelt field', dict(inline, openstack_servr=witness),
         ['openstack_servr']),
        ('misspelt secret field', dict(inline, openstack_pasword='x'),
         ['openstack_pasword']),
        ('empty rescue image', dict(inline, openstack_rescue_image=''),
         ['openstack_rescue_image']),
        ('empty region', dict(inline, openstack_region_name=''),
         ['openstack_region_name']),
        ('empty cacert', dict(inline, openstack_cacert=''),
         ['openstack_cacert']),
        ('empty username', dict(inline, openstack_username=''),
         ['openstack_username']),
        ('auth_url not a URL', dict(inline, openstack_auth_url='not a url'),
         ['openstack_auth_url']),
        ('auth_url unreachable', dict(
            inline, openstack_auth_url='http://127.0.0.1:9/v3'),
         ['openstack_auth_url']),
        ('wrong password (401)', dict(inline, openstack_password=wrong_pw()),
         ['openstack_password', 'openstack_username']),
        ('wrong project', dict(inline, openstack_project_name='nosuchproj'),
         ['openstack_project_name']),
        ('wrong user domain', dict(
            inline, openstack_user_domain_name='nosuchdomain'),
         # Keystone's 401 does not say which credential is wrong.
         ['openstack_user_domain_name', 'openstack_username']),
        ('CA bundle missing', dict(
            inline, openstack_cacert='/nonexistent/ca-bundle.pem'),
         ['openstack_cacert']),
        ('region without compute', dict(
            inline, openstack_region_name='NoSuchRegion'),
         ['openstack_region_name']),
        ('cloud entry, wrong region', dict(
            cloud, openstack_region_name='NoSuchRegion'),
         ['openstack_region_name']),
    ]


def _refusal(ironic, node):
    """validate's reason for power/management, else the first action's."""
    result = ironic.validate(node)
    for iface in ('power', 'management'):
        if not result[iface]['result']:
            return 'validate', result[iface]['reason'] or ''
    ironic.power(node, 'power off')
    shown = ironic.settled(node, 'power off')
    return 'power off', shown['last_error'] or (
        'no error: power_state %s' % shown['power_state'])


def _footprint(nova, server):
    view = ironic_api.server_view(nova, server)
    return (view['updated'], view['status'], view['task_state'],
            len(ironic_api.server_actions(nova, server)))


@pytest.fixture(scope='module')
def witness(nodes):
    return nodes.server()


def test_malformed_driver_info(ironic, nova, lab, suite_user, witness,
                               row):
    before = _footprint(nova, witness)
    cases = _cases(lab, suite_user, witness)
    assert len(cases) >= 30
    bad = []
    for label, info, fields in cases:
        r = row('bad driver_info: %s' % label,
                'refused naming %s and node' % ' or '.join(fields))
        node = ironic.create(info)['uuid']
        try:
            where, message = _refusal(ironic, node)
        finally:
            ironic.delete(node)
        named = [f for f in fields if f in message]
        ok = bool(named) and node in message and '\n' not in message
        r['observed'] = '%s: %s' % (where, message)
        r['verdict'] = 'pass' if ok else 'FAIL'
        if not ok:
            bad.append('%s -> %s' % (label, r['observed'][:300]))
    after = _footprint(nova, witness)
    r = row('bad driver_info: witness server',
            'untouched (updated, status, task, actions)')
    r['observed'] = 'before %s after %s' % (before, after)
    r['verdict'] = 'pass' if before == after else 'FAIL'
    assert before == after, 'the witness server was touched'
    assert not bad, '%d of %d cases not refused clearly:\n%s' % (
        len(bad), len(cases), '\n'.join(bad))
