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

"""The OpenStack APIs of the lab, each under gunicorn: Keystone, Glance,
Placement and Neutron (Nova's API is in ``nova``).

Each one's ``bootstrap`` syncs its schema (Keystone also sets up its key
repositories and the admin identity); its readiness is an HTTP answer
below 500 at its health path.
"""

import os

from labkit import services
from labkit import settings as s


class Keystone(services.Gunicorn):
    name = 'keystone'
    port = s.PORTS['keystone']
    wsgi_module = 'keystone.wsgi.api'
    config_env = 'OS_KEYSTONE_CONFIG_DIR'
    health_path = '/v3'

    def url(self):
        return s.url('keystone', '/v3')

    def bootstrap(self):
        conf = ['--config-file', os.path.join(self.p.etc_of('keystone'),
                                              'keystone.conf')]
        manage = self.cloud_bin('keystone-manage')
        self.run_tool([manage] + conf + ['db_sync'], 'db_sync')
        for repo in ('fernet_setup', 'credential_setup'):
            self.run_tool([manage] + conf + [repo, '--keystone-user', 'root',
                                             '--keystone-group', 'root'], repo)
        sec = self.ctx.secrets
        self.run_tool([manage] + conf + [
            'bootstrap', '--bootstrap-password', sec['admin'],
            '--bootstrap-username', s.ADMIN_USER,
            '--bootstrap-project-name', s.ADMIN_PROJECT,
            '--bootstrap-role-name', 'admin',
            '--bootstrap-service-name', 'keystone',
            '--bootstrap-region-id', s.REGION,
            '--bootstrap-public-url', s.url('keystone', '/v3')], 'bootstrap')


class Glance(services.Gunicorn):
    name = 'glance'
    port = s.PORTS['glance']
    wsgi_module = 'glance.wsgi.api'
    config_env = 'OS_GLANCE_CONFIG_DIR'

    def bootstrap(self):
        for sub in ('images', 'staging', 'tasks', 'cache', 'lock'):
            os.makedirs(os.path.join(self.p.data_of('glance'), sub),
                        exist_ok=True)
        self.run_tool([self.cloud_bin('glance-manage'), '--config-file',
                       os.path.join(self.p.etc_of('glance'),
                                    'glance-api.conf'), 'db_sync'], 'db_sync')


class Placement(services.Gunicorn):
    name = 'placement'
    port = s.PORTS['placement']
    wsgi_module = 'placement.wsgi.api'
    config_env = 'OS_PLACEMENT_CONFIG_DIR'
    nova_group = True

    def bootstrap(self):
        self.run_tool([self.cloud_bin('placement-manage'), '--config-file',
                       os.path.join(self.p.etc_of('placement'),
                                    'placement.conf'), 'db', 'sync'],
                      'db sync')


class Neutron(services.Gunicorn):
    name = 'neutron'
    port = s.PORTS['neutron']
    wsgi_module = 'neutron.wsgi.api'
    config_env = 'OS_NEUTRON_CONFIG_DIR'

    def argv(self):
        # Nova's GET /servers/detail asks Neutron for the ports of up to
        # 150 servers in one GET (a ~7.1 kB request line): gunicorn's
        # default limit (4094) made Nova answer 500 to any listing of more
        # than ~85 servers. 8190 is gunicorn's largest finite limit.
        argv = super().argv()
        return argv[:1] + ['--limit-request-line', '8190'] + argv[1:]

    def env(self):
        return {'OS_NEUTRON_CONFIG_DIR': self.p.etc_of('neutron'),
                'OS_NEUTRON_CONFIG_FILES':
                    'neutron.conf;plugins/ml2/ml2_conf.ini'}

    def extra_fingerprint(self):
        return self.ctx.plugins_digest

    def bootstrap(self):
        etc = self.p.etc_of('neutron')
        self.run_tool([self.cloud_bin('neutron-db-manage'),
                       '--config-file', os.path.join(etc, 'neutron.conf'),
                       '--config-file', os.path.join(etc, 'plugins', 'ml2',
                                                     'ml2_conf.ini'),
                       'upgrade', 'heads'], 'upgrade heads')
