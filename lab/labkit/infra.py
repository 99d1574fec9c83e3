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

"""Infrastructure services of the lab: MariaDB, epmd and RabbitMQ."""

import os
import shutil
import socket
import subprocess

from labkit import procs
from labkit import services
from labkit import settings as s
from labkit import writers

MYSQL_DATABASES = ('keystone', 'glance', 'placement', 'nova_api',
                   'nova_cell0', 'nova', 'neutron', 'ironic')


def sql(p, statement):
    """Run ``statement`` as MariaDB's root over the lab's socket.

    :param p: the lab's paths.
    :returns: its output (tab-separated rows, no column names).
    :raises procs.LabError: the statement failed.
    """
    out = subprocess.run(
        ['mariadb', '--no-defaults', '-S', p.mysql_socket, '-u',
         'root', '-N', '-B', '-e', statement],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        timeout=60)
    if out.returncode != 0:
        raise procs.LabError('mariadb: %s failed: %s' % (
            statement[:80], out.stderr.strip()))
    return out.stdout


class MariaDB(services.Service):
    name = 'mariadb'
    port = s.PORTS['mariadb']
    grace = 60

    @property
    def datadir(self):
        return self.p.data_of('mariadb')

    def argv(self):
        return ['/usr/sbin/mariadbd', '--no-defaults',
                '--datadir=' + self.datadir,
                '--socket=' + self.p.mysql_socket,
                '--port=%d' % self.port, '--bind-address=' + s.HOST,
                '--pid-file=' + os.path.join(self.p.run, 'mariadbd.pid'),
                '--user=root', '--skip-name-resolve',
                '--innodb-buffer-pool-size=128M',
                '--innodb-flush-log-at-trx-commit=2',
                '--max-connections=500', '--character-set-server=utf8mb4',
                '--collation-server=utf8mb4_general_ci',
                '--log-error=' + self.log]

    def bootstrap(self):
        if os.path.exists(os.path.join(self.datadir, 'mysql')):
            return
        if os.path.exists(self.datadir):
            shutil.rmtree(self.datadir)   # a half-initialised datadir
        os.makedirs(self.datadir)
        self.run_tool(['mariadb-install-db', '--no-defaults',
                       '--datadir=' + self.datadir, '--user=root',
                       '--auth-root-authentication-method=socket',
                       '--skip-test-db'], 'initialise datadir')

    def sql(self, statement):
        return sql(self.p, statement)

    def ready(self):
        return procs.port_open(self.port) and self.sql('SELECT 1').strip() \
            == '1'

    def ensure_databases(self, password, reset=()):
        """Create the lab's user and databases; drop+recreate ``reset``."""
        statements = [
            "CREATE USER IF NOT EXISTS 'lab'@'127.0.0.1' IDENTIFIED BY '%s'"
            % password,
            "ALTER USER 'lab'@'127.0.0.1' IDENTIFIED BY '%s'" % password]
        for db in reset:
            statements.append('DROP DATABASE IF EXISTS `%s`' % db)
        for db in MYSQL_DATABASES:
            statements.append('CREATE DATABASE IF NOT EXISTS `%s`' % db)
        statements.append("GRANT ALL PRIVILEGES ON *.* TO 'lab'@'127.0.0.1'")
        self.sql('; '.join(statements))


class Epmd(services.Service):
    """Erlang port mapper for the lab's RabbitMQ, on 127.0.0.1 only."""

    name = 'epmd'
    port = s.PORTS['epmd']

    def argv(self):
        return ['epmd', '-address', s.HOST, '-port', str(self.port)]


class RabbitMQ(services.Service):
    name = 'rabbitmq'
    port = s.PORTS['rabbitmq']
    ready_timeout = 120
    grace = 60

    def argv(self):
        return ['/usr/lib/rabbitmq/bin/rabbitmq-server']

    def config_files(self):
        return [os.path.join(self.p.etc_of('rabbitmq'), 'rabbitmq.conf')]

    def env(self):
        d = self.p.data_of('rabbitmq')
        etc = self.p.etc_of('rabbitmq')
        return {
            'HOME': d,
            'RABBITMQ_NODENAME': 'lab@localhost',
            'RABBITMQ_NODE_IP_ADDRESS': s.HOST,
            'RABBITMQ_NODE_PORT': str(self.port),
            'RABBITMQ_DIST_PORT': str(s.PORTS['rabbitmq-dist']),
            'RABBITMQ_CTL_DIST_PORT_MIN': str(s.PORTS['rabbitmq-dist'] + 1),
            'RABBITMQ_CTL_DIST_PORT_MAX': str(s.PORTS['rabbitmq-dist'] + 10),
            'RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS':
                '-kernel inet_dist_use_interface {127,0,0,1}',
            'RABBITMQ_CTL_ERL_ARGS':
                '-kernel inet_dist_use_interface {127,0,0,1}',
            'ERL_EPMD_ADDRESS': s.HOST,
            'ERL_EPMD_PORT': str(s.PORTS['epmd']),
            'RABBITMQ_CONFIG_FILE': os.path.join(etc, 'rabbitmq.conf'),
            'RABBITMQ_ADVANCED_CONFIG_FILE': os.path.join(etc,
                                                          'advanced.config'),
            'RABBITMQ_CONF_ENV_FILE': os.path.join(etc, 'rabbitmq-env.conf'),
            'RABBITMQ_ENABLED_PLUGINS_FILE': os.path.join(etc,
                                                          'enabled_plugins'),
            'RABBITMQ_MNESIA_BASE': os.path.join(d, 'mnesia'),
            'RABBITMQ_LOG_BASE': self.p.logs,
            'RABBITMQ_LOGS': '-',
            'RABBITMQ_PID_FILE': os.path.join(self.p.run, 'rabbitmq-beam.pid'),
        }

    def write_config(self, password):
        etc = self.p.etc_of('rabbitmq')
        os.makedirs(etc, exist_ok=True)
        os.makedirs(self.p.data_of('rabbitmq'), exist_ok=True)
        writers.write(os.path.join(etc, 'rabbitmq.conf'), '\n'.join([
            'listeners.tcp.default = %s:%d' % (s.HOST, self.port),
            'default_user = lab',
            'default_pass = %s' % password,
            'loopback_users = none',
            'management.tcp.ip = %s' % s.HOST,
            'log.console = true',
            'log.file = false',
            '']))
        writers.write(os.path.join(etc, 'rabbitmq-env.conf'),
                      '# the lab sets everything through the environment\n')
        writers.write(os.path.join(etc, 'enabled_plugins'), '[].\n')

    def ready(self):
        """An AMQP 0-9-1 handshake: the broker answers Connection.Start."""
        with socket.create_connection((s.HOST, self.port), timeout=2) as sock:
            sock.sendall(b'AMQP\x00\x00\x09\x01')
            sock.settimeout(5)
            frame = sock.recv(7)
        return len(frame) == 7 and frame[0] == 1
