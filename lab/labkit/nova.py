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

"""Nova's services and what they are known ready by.

``NovaAPI`` (gunicorn), ``NovaConductor``, ``NovaScheduler`` and the base
``NovaCompute`` of each compute backend's nova-compute. Their readiness
asks Nova itself: a service reports ``up`` with a heartbeat newer than its
process's start (``service_up``); a nova-compute also has its resource
provider in Placement; and the computes together are mapped to a cell
(``hosts_mapped``, ``discover_hosts``).

Nova's fresh start (lab/README.rst): Nova's services and Placement are one
group (``nova_group``) that starts on empty ``NOVA_DATABASES`` and without
the state a compute host left behind (``forget_computes``).
"""

import calendar
import os
import shutil
import subprocess
import time

from labkit import procs
from labkit import services
from labkit import settings as s
from labkit import writers

#: Emptied whenever the Nova group starts afresh.
NOVA_DATABASES = ('nova_api', 'nova_cell0', 'nova', 'placement')


def service_up(sess, binary, record, host=None):
    """The service reports up with a heartbeat newer than its start.

    :param sess: an admin ``rest.Session``.
    :param binary: nova-conductor, nova-scheduler or nova-compute.
    :param record: the service's PID record (its ``started_at``).
    :param host: the service of this host only, if given.
    """
    query = 'binary=%s' % binary + ('&host=%s' % host if host else '')
    data = sess.get(s.url('nova-api', '/v2.1/os-services?' + query),
                    headers={'OpenStack-API-Version': 'compute 2.53'})
    for svc in data['services']:
        if svc['state'] != 'up' or not svc.get('updated_at'):
            continue
        updated = calendar.timegm(time.strptime(
            svc['updated_at'].split('.')[0], '%Y-%m-%dT%H:%M:%S'))
        if updated + 1 >= record['started_at']:
            return True
    return False


class NovaAPI(services.Gunicorn):
    name = 'nova-api'
    port = s.PORTS['nova-api']
    wsgi_module = 'nova.wsgi.osapi_compute'
    config_env = 'OS_NOVA_CONFIG_DIR'
    service_dir = 'nova'
    nova_group = True

    def url(self):
        return s.url('nova-api', '/v2.1')

    def bootstrap(self):
        """Nova's schemas; the databases are empty here (the fresh start)."""
        manage = [self.cloud_bin('nova-manage'), '--config-file',
                  os.path.join(self.p.etc_of('nova'), 'nova.conf')]
        sec = self.ctx.secrets
        self.run_tool(manage + ['api_db', 'sync'], 'api_db sync')
        self.run_tool(manage + ['cell_v2', 'map_cell0',
                                '--database_connection',
                                writers.db_url(sec, 'nova_cell0')],
                      'cell_v2 map_cell0')
        listing = subprocess.run(manage + ['cell_v2', 'list_cells'],
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
        if ' cell1 ' not in listing.stdout:
            self.run_tool(manage + ['cell_v2', 'create_cell', '--name',
                                    'cell1'], 'cell_v2 create_cell')
        self.run_tool(manage + ['db', 'sync'], 'db sync')


class NovaProcess(services.Service):
    """nova-conductor, nova-scheduler, nova-compute."""

    nova_group = True
    binary = None

    def argv(self):
        return [self.cloud_bin(self.binary), '--config-file',
                os.path.join(self.p.etc_of('nova'), 'nova.conf')]

    def config_files(self):
        return [os.path.join(self.p.etc_of('nova'), 'nova.conf')]

    def ready(self):
        """A heartbeat newer than this process's start."""
        record = self.record()
        return bool(record) and service_up(self.ctx.admin(), self.binary,
                                           record)


class NovaConductor(NovaProcess):
    name = binary = 'nova-conductor'


class NovaScheduler(NovaProcess):
    name = binary = 'nova-scheduler'


class NovaCompute(NovaProcess):
    """A nova-compute of a compute backend.

    Ready once it reports up with a heartbeat newer than its start and
    its resource provider is in Placement.
    """

    binary = 'nova-compute'
    ready_timeout = 240
    #: Nova's ``host`` of this compute (what ``hosts_mapped`` looks for).
    host = None

    def heartbeat_host(self):
        """The host its heartbeat is asked for (None: any host)."""
        return self.host

    def provider_name(self):
        """The name of the resource provider it reports to Placement."""
        return self.host

    def extra_fingerprint(self):
        return self.ctx.plugins_digest

    def ready(self):
        return self.reports(self.ctx.admin(), self.record())

    def reports(self, sess, record):
        """Heartbeat newer than ``record``'s start, and a resource provider.

        :param sess: an admin ``rest.Session``.
        :param record: the PID record of this compute's process.
        """
        if not record or not service_up(sess, self.binary, record,
                                        self.heartbeat_host()):
            return False
        return bool(sess.get(s.url(
            'placement', '/resource_providers?name=%s'
            % self.provider_name()))['resource_providers'])


def _manage(p):
    return [p.venv_bin(p.cloud_venv, 'nova-manage'), '--config-file',
            os.path.join(p.etc_of('nova'), 'nova.conf')]


def hosts_mapped(p, hosts):
    """Every one of ``hosts`` (Nova host names) is mapped to a cell."""
    out = subprocess.run(_manage(p) + ['cell_v2', 'list_hosts'],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    return out.returncode == 0 and all(
        ' %s ' % host in out.stdout for host in hosts)


def discover_hosts(p, hosts):
    """Map ``hosts`` to the cell (``discover_hosts``) unless they are.

    :returns: True once every one of them is mapped.
    """
    if hosts_mapped(p, hosts):
        return True
    procs.run(_manage(p) + ['cell_v2', 'discover_hosts', '--verbose'],
              'nova-manage cell_v2 discover_hosts', p.log_of('nova-compute'))
    return hosts_mapped(p, hosts)


def _listdir(path):
    return sorted(os.listdir(path)) if os.path.isdir(path) else []


def forget_computes(p):
    """Remove what compute hosts keep across starts (a fresh Nova).

    Each extra fake host keeps its node UUID in its own state_path.
    """
    data = p.data_of('nova')
    for leftover in ['compute_id', 'instances'] + [
            os.path.join('hosts', host, 'compute_id')
            for host in _listdir(os.path.join(data, 'hosts'))]:
        path = os.path.join(data, leftover)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.unlink(path)


def make_state_dirs(p):
    """Nova's lock and instances directories."""
    for sub in ('lock', 'instances'):
        os.makedirs(os.path.join(p.data_of('nova'), sub), exist_ok=True)
