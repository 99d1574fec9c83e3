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

"""Ironic's processes: the all-in-one ``ironic`` and a second conductor.

The lab's ``ironic`` process is Ironic's all-in-one (API and a conductor
with host name ``lab-ironic``). ``labctl conductor add`` starts beside it
an ``ironic-conductor`` process with host name ``lab-ironic-2``: the same
``ironic.conf`` (MariaDB database ``ironic``, RabbitMQ, hash ring reset
every 5 s, heartbeat timeout 20 s) plus ``ironic-conductor-2.conf``, which
sets only its host name. Ironic's hash ring then spreads the nodes over
both; ``kill`` ends it with SIGKILL (no clean deregistration), so that the
other conductor takes its nodes over once its heartbeat is 20 s old.
``up`` never starts it, and its absence does not make the lab "not
running"; ``down`` stops it. The commands on it are in ``operations``.
"""

import os

from labkit import configs
from labkit import infra
from labkit import procs
from labkit import services
from labkit import settings as s


class Ironic(services.Service):
    """Ironic's all-in-one process: the API and the conductor lab-ironic."""

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
        return self.ctx.driver_digest

    def url(self):
        return s.url('ironic')

    def bootstrap(self):
        d = self.p.data_of('ironic')
        for sub in ('httpboot', 'tftpboot/master', 'lock'):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        dbsync = self.p.venv_bin(self.p.ironic_venv, 'ironic-dbsync')
        # MariaDB (database ironic), shared with the second conductor:
        # a fresh schema is created in one step, an existing one upgraded.
        tables = infra.sql(
            self.p,
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
        self.ctx.admin(system=True).get(
            s.url('ironic', '/v1/nodes'),
            headers={'X-OpenStack-Ironic-API-Version': 'latest'})
        return True


class SecondConductor(services.Service):
    """``ironic-conductor`` with host name lab-ironic-2 (on request)."""

    name = 'ironic-conductor-2'
    optional = True
    ready_timeout = 120

    def conf_files(self):
        etc = self.p.etc_of('ironic')
        return [os.path.join(etc, 'ironic.conf'),
                os.path.join(etc, configs.SECOND_CONDUCTOR_CONF)]

    def argv(self):
        argv = [self.p.venv_bin(self.p.ironic_venv, 'ironic-conductor')]
        for path in self.conf_files():
            argv += ['--config-file', path]
        return argv

    def config_files(self):
        return self.conf_files()

    def ready(self):
        """Registered, online, with a heartbeat newer than its start."""
        record = self.record()
        if not record:
            return False
        return conductor_online(self.p, s.SECOND_IRONIC_HOST,
                                since=record['started_at'])


def conductor_online(p, host, since=0.0):
    """Whether Ironic's conductors table has ``host`` online and beating.

    :param p: the lab's paths.
    :param since: a UNIX time the last heartbeat must be newer than.
    """
    out = infra.sql(
        p,
        "SET time_zone = '+00:00'; "
        "SELECT online, UNIX_TIMESTAMP(COALESCE(updated_at, created_at)) "
        "FROM ironic.conductors WHERE hostname = '%s'" % host).split()
    return (len(out) == 2 and out[0] == '1'
            and float(out[1]) + 1 >= since)
