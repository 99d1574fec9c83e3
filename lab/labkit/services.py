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

"""The lab's services: how each is set up, started and known to be ready.

Every service is a ``Service``: a command line started by ``procs.start``
(its own process group, PID file, log), a ``bootstrap`` run before start
(schema syncs and the like, idempotent) and a ``ready`` check that polls
the real thing (an AMQP handshake, an SQL query, an HTTP answer), never a
sleep. ``fingerprint`` hashes what a running process was started with; if
it differs on the next ``up``, that service is restarted.
"""

import hashlib
import os
import subprocess

from labkit import procs
from labkit import settings as s

MYSQL_DATABASES = ('keystone', 'glance', 'placement', 'nova_api',
                   'nova_cell0', 'nova', 'neutron', 'ironic')
NOVA_DATABASES = ('nova_api', 'nova_cell0', 'nova', 'placement')


class Service:
    """One long-running process of the lab."""

    name = None
    port = None
    #: Services that share Nova's fresh-start rule (see Lab.up).
    nova_group = False
    #: 'shared' (every mode), 'network' or 'compute' (the mode's backends).
    role = 'shared'
    #: Started only on request (``labctl conductor add``), never by ``up``;
    #: its absence does not make the lab "not running".
    optional = False
    ready_timeout = 180
    grace = 30

    def __init__(self, lab):
        self.lab = lab
        self.p = lab.p

    # -- overridables -------------------------------------------------
    def argv(self):
        raise NotImplementedError

    def env(self):
        return {}

    def config_files(self):
        return []

    def extra_fingerprint(self):
        return ''

    def bootstrap(self):
        """Idempotent preparation before start (schemas, key repositories)."""

    def ready(self):
        """True once the service answers for real."""
        return procs.port_open(self.port)

    def url(self):
        return None

    # -- common -------------------------------------------------------
    @property
    def pidfile(self):
        return self.p.pid_of(self.name)

    @property
    def log(self):
        return self.p.log_of(self.name)

    def fingerprint(self):
        h = hashlib.sha256(' '.join(self.argv()).encode())
        for path in self.config_files():
            with open(path, 'rb') as f:
                h.update(f.read())
        h.update(self.extra_fingerprint().encode())
        return h.hexdigest()

    def record(self):
        return procs.alive(self.pidfile)

    def running(self):
        """Alive (same process the lab started) and answering."""
        if not self.record():
            return False
        try:
            return bool(self.ready())
        except Exception:  # noqa: BLE001 - "not ready" is the answer
            return False

    def start(self):
        self.lab.say('starting %s (log: %s)' % (self.name, self.log))
        return procs.start(self.name, self.argv(), self.pidfile, self.log,
                           env=self.env(), fingerprint=self.fingerprint())

    def wait_ready(self, timeout=None):
        procs.wait_for('%s to answer' % self.name, self.ready,
                       timeout or self.ready_timeout, service=self.name,
                       pidfile=self.pidfile, log=self.log)

    def stop(self):
        return procs.stop(self.name, self.pidfile, grace=self.grace)

    def run_tool(self, argv, what, env=None, timeout=900):
        full_env = dict(self.env())
        full_env.update(env or {})
        procs.run(argv, '%s: %s' % (self.name, what), self.log,
                  env=full_env, timeout=timeout)

    def cloud_bin(self, command):
        return self.p.venv_bin(self.p.cloud_venv, command)


# -- OpenStack API services under gunicorn ---------------------------------

class Gunicorn(Service):
    wsgi_module = None
    config_env = None
    #: Path that must answer (any HTTP status below 500) once ready.
    health_path = '/'
    threads = 4

    def argv(self):
        return [self.cloud_bin('gunicorn'),
                '--bind', '%s:%d' % (s.HOST, self.port),
                '--workers', '1', '--threads', str(self.threads),
                '--worker-class', 'gthread', '--timeout', '300',
                # No kept-alive connections: gunicorn closes an idle one
                # after --keep-alive seconds, and a client that reuses it
                # at that moment gets "Connection reset by peer" (seen as
                # nova-compute's Placement call failing a build when ten
                # compute hosts built 200 servers). Loopback connects are
                # cheap; every response now says Connection: close.
                '--keep-alive', '0',
                '--graceful-timeout', '10', '--no-control-socket',
                '--name', 'lab-' + self.name, '--access-logfile', '-',
                'ios_lab_plugins.wsgi:load("%s")' % self.wsgi_module]

    def env(self):
        return {self.config_env: self.p.etc_of(self.service_dir)}

    @property
    def service_dir(self):
        return self.name

    def config_files(self):
        d = self.p.etc_of(self.service_dir)
        return sorted(os.path.join(dp, f) for dp, _, fs in os.walk(d)
                      for f in fs if not f.endswith('.tmp'))

    def url(self):
        return s.url(self.name)

    def ready(self):
        status = procs.http_status(s.url(self.name, self.health_path))
        return status is not None and status < 500


class Keystone(Gunicorn):
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
        sec = self.lab.secrets
        self.run_tool([manage] + conf + [
            'bootstrap', '--bootstrap-password', sec['admin'],
            '--bootstrap-username', s.ADMIN_USER,
            '--bootstrap-project-name', s.ADMIN_PROJECT,
            '--bootstrap-role-name', 'admin',
            '--bootstrap-service-name', 'keystone',
            '--bootstrap-region-id', s.REGION,
            '--bootstrap-public-url', s.url('keystone', '/v3')], 'bootstrap')


class Glance(Gunicorn):
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


class Placement(Gunicorn):
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


class Neutron(Gunicorn):
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
        return self.lab.plugins_digest

    def bootstrap(self):
        etc = self.p.etc_of('neutron')
        self.run_tool([self.cloud_bin('neutron-db-manage'),
                       '--config-file', os.path.join(etc, 'neutron.conf'),
                       '--config-file', os.path.join(etc, 'plugins', 'ml2',
                                                     'ml2_conf.ini'),
                       'upgrade', 'heads'], 'upgrade heads')


class NovaAPI(Gunicorn):
    name = 'nova-api'
    port = s.PORTS['nova-api']
    wsgi_module = 'nova.wsgi.osapi_compute'
    config_env = 'OS_NOVA_CONFIG_DIR'
    service_dir = 'nova'
    nova_group = True

    def url(self):
        return s.url('nova-api', '/v2.1')

    def bootstrap(self):
        """Nova's schemas; the databases are empty here (see Lab.up)."""
        manage = [self.cloud_bin('nova-manage'), '--config-file',
                  os.path.join(self.p.etc_of('nova'), 'nova.conf')]
        from labkit import configs
        sec = self.lab.secrets
        self.run_tool(manage + ['api_db', 'sync'], 'api_db sync')
        self.run_tool(manage + ['cell_v2', 'map_cell0',
                                '--database_connection',
                                configs.db_url(sec, 'nova_cell0')],
                      'cell_v2 map_cell0')
        listing = subprocess.run(manage + ['cell_v2', 'list_cells'],
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
        if ' cell1 ' not in listing.stdout:
            self.run_tool(manage + ['cell_v2', 'create_cell', '--name',
                                    'cell1'], 'cell_v2 create_cell')
        self.run_tool(manage + ['db', 'sync'], 'db sync')


class NovaProcess(Service):
    """nova-conductor, nova-scheduler, nova-compute."""

    nova_group = True
    binary = None

    def argv(self):
        return [self.cloud_bin(self.binary), '--config-file',
                os.path.join(self.p.etc_of('nova'), 'nova.conf')]

    def config_files(self):
        return [os.path.join(self.p.etc_of('nova'), 'nova.conf')]

    def ready(self):
        return self.lab.nova_service_up(self.binary, self.record())


class NovaConductor(NovaProcess):
    name = binary = 'nova-conductor'


class NovaScheduler(NovaProcess):
    name = binary = 'nova-scheduler'


class Ironic(Service):
    name = 'ironic'
    port = s.PORTS['ironic']
    ready_timeout = 120

    @property
    def conf(self):
        return os.path.join(self.p.etc_of('ironic'), 'ironic.conf')

    def argv(self):
        return [self.p.venv_bin(self.p.ironic_venv, 'ironic'),
                '--config-file', self.conf]

    def config_files(self):
        return [self.conf]

    def extra_fingerprint(self):
        return self.lab.driver_digest

    def url(self):
        return s.url('ironic')

    def bootstrap(self):
        d = self.p.data_of('ironic')
        for sub in ('httpboot', 'tftpboot/master', 'lock'):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        dbsync = self.p.venv_bin(self.p.ironic_venv, 'ironic-dbsync')
        # MariaDB (database ironic), shared with a second conductor
        # (labkit.conductors): a fresh schema is created in one step,
        # an existing one upgraded.
        tables = self.lab.by_name['mariadb'].sql(
            "SELECT COUNT(*) FROM information_schema.tables WHERE "
            "table_schema = 'ironic' AND table_name = 'nodes'").strip()
        command = 'upgrade' if tables not in ('', '0') else 'create_schema'
        self.run_tool([dbsync, '--config-file', self.conf, command],
                      'ironic-dbsync ' + command)

    def ready(self):
        """The API answers through Keystone: GET /v1/nodes with a token."""
        status = procs.http_status(s.url('ironic', '/'))
        if status is None or status >= 500:
            return False
        return self.lab.ironic_answers()


def all_services(lab):
    """Every service of the lab's mode, in start order.

    The shared services are the same in every mode; the compute backend
    (``compute``) and the network backend (``network``) add theirs, and
    ``console_proxies`` Nova's console proxies.
    """
    from labkit import compute
    from labkit import console_proxies
    from labkit import infra
    from labkit import network
    shared = [cls(lab) for cls in (infra.MariaDB, infra.Epmd,
                                   infra.RabbitMQ)]
    shared += network.services(lab)
    shared += [cls(lab) for cls in (Keystone, Glance, Placement, Neutron,
                                    NovaAPI, NovaConductor, NovaScheduler)]
    from labkit import conductors
    return (shared + compute.services(lab) + [Ironic(lab)]
            + console_proxies.services_of(lab)
            + [conductors.SecondConductor(lab)])
