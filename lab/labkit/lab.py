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

"""``up``, ``down`` and ``status`` of the lab (standard library only).

Fresh-start rule for Nova: the fake compute driver keeps guests in memory,
so servers of an earlier nova-compute would read SHUTOFF for ever. Nova's
services (and Placement, which holds their allocations) are therefore one
group: if all of them run (and their configuration is unchanged), ``up``
leaves them alone; otherwise it stops those that run and starts the whole
group on empty Nova and Placement databases. Keystone, Glance, Neutron and
Ironic keep their data across restarts (``down --purge`` removes it).
"""

import calendar
import concurrent.futures
import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import time

from labkit import configs
from labkit import install
from labkit import procs
from labkit import provision
from labkit import services
from labkit import settings as s


class Lab:

    def __init__(self, verbose=True):
        self.p = s.paths()
        self.verbose = verbose
        self.t0 = time.monotonic()
        self.services = services.all_services(self)
        self.by_name = {svc.name: svc for svc in self.services}
        self.plugins_digest = install.tree_digest(install.PLUGINS_DIR)
        self.driver_digest = ''
        self._secrets = None
        self._sessions = {}

    # -- helpers ----------------------------------------------------------
    def say(self, message):
        if self.verbose:
            print('[lab %6.1fs] %s' % (time.monotonic() - self.t0, message),
                  flush=True)

    @property
    def secrets(self):
        if self._secrets is None:
            self._secrets = s.load_secrets(self.p)
        return self._secrets

    def _parallel(self, *calls):
        """Run callables in threads; re-raise the first failure."""
        with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
            futures = [pool.submit(call) for call in calls]
            results = []
            errors = []
            for future in futures:
                try:
                    results.append(future.result())
                except Exception as exc:  # noqa: BLE001 - re-raised below
                    errors.append(exc)
            if errors:
                raise errors[0]
            return results

    def _admin(self, system=False):
        """A cached admin session (a token issue costs a bcrypt check)."""
        key = 'system' if system else 'project'
        sess = self._sessions.get(key)
        if sess is None or sess.expired():
            sess = provision.admin_session(self.secrets, system=system)
            self._sessions[key] = sess
        return sess

    # -- readiness checks used by services ---------------------------------
    def nova_service_up(self, binary, record, sess=None):
        """The service reports up with a heartbeat newer than its start."""
        if not record:
            return False
        sess = sess or self._admin()
        data = sess.get(s.url('nova-api', '/v2.1/os-services?binary=%s'
                              % binary),
                        headers={'OpenStack-API-Version': 'compute 2.53'})
        for svc in data['services']:
            if svc['state'] != 'up' or not svc.get('updated_at'):
                continue
            updated = calendar.timegm(time.strptime(
                svc['updated_at'].split('.')[0], '%Y-%m-%dT%H:%M:%S'))
            if updated + 1 >= record['started_at']:
                return True
        return False

    def compute_ready(self, record, sess=None):
        """Heartbeat newer than start and a resource provider in Placement."""
        sess = sess or self._admin()
        if not self.nova_service_up('nova-compute', record, sess):
            return False
        rps = sess.get(s.url('placement', '/resource_providers?name=%s'
                             % s.NOVA_COMPUTE_HOST))['resource_providers']
        return bool(rps)

    def host_mapped(self):
        out = subprocess.run(
            [self.p.venv_bin(self.p.cloud_venv, 'nova-manage'),
             '--config-file', os.path.join(self.p.etc_of('nova'),
                                           'nova.conf'),
             'cell_v2', 'list_hosts'],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return out.returncode == 0 and (' %s ' % s.NOVA_COMPUTE_HOST) in \
            out.stdout

    def ironic_answers(self):
        sess = self._admin(system=True)
        sess.get(s.url('ironic', '/v1/nodes'),
                 headers={'X-OpenStack-Ironic-API-Version': 'latest'})
        return True

    @contextlib.contextmanager
    def exclusive(self):
        """Serialise up/down of one state dir across processes.

        Two ``up`` runs on one state dir (say, a developer's and a test
        run's) would otherwise rebuild the same venv and start the same
        services at once. The second one waits here for the first.
        """
        os.makedirs(self.p.home, exist_ok=True)
        with open(os.path.join(self.p.home, 'lab.lock'), 'w') as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self.say('another labctl up/down runs on %s; waiting for it'
                         % self.p.home)
                fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    # -- up ---------------------------------------------------------------
    def up(self):
        with self.exclusive():
            for d in (self.p.home, self.p.logs, self.p.run, self.p.etc,
                      self.p.data):
                os.makedirs(d, exist_ok=True)
            self.say('state dir %s' % self.p.home)
            self._install()
            self._write_configs()
            self._infrastructure()
            self._openstack()
            self.say('lab is up: %s' % self.p.clouds_yaml)
        return self.status()

    def _install(self):
        log = self.p.log_of('install')
        self.say('checking installs (log: %s)' % log)
        apt, cloud, driver = self._parallel(
            lambda: install.ensure_apt(self.p, log),
            lambda: install.ensure_cloud_venv(self.p, log),
            lambda: install.ensure_ironic_venv(self.p, log))
        self.driver_digest = driver
        if apt:
            self.say('installed Debian packages %s'
                     % ' '.join(install.APT_PACKAGES))
        if cloud:
            self.say('built the cloud venv')
        if not install.driver_present():
            self.say('driver not in the tree yet (%s): Ironic runs with '
                     'fake-hardware only' % install.DRIVER_MARKER)
        self.say('installs done')

    def _write_configs(self, rescue_image=None):
        if rescue_image is None:
            rescue_image = provision.load(self.p).get('rescue_image', '')
        configs.write_all(self.p, self.secrets, rescue_image=rescue_image,
                          driver=install.driver_present())
        self.by_name['rabbitmq'].write_config(self.secrets['rabbit'])

    def _is_current(self, svc):
        record = svc.record()
        return bool(record) and record.get('fingerprint') == \
            svc.fingerprint() and svc.running()

    def _ensure_started(self, svc, bootstrap=True):
        """Start ``svc`` unless it runs with the same fingerprint.

        Returns True when it was (re)started.
        """
        if self._is_current(svc):
            self.say('%s already running (pid %d)' % (
                svc.name, svc.record()['pid']))
            return False
        if svc.stop():
            self.say('stopped stale/changed %s' % svc.name)
        if procs.port_open(svc.port):
            raise procs.LabError(
                '%s: port %s:%d is taken by a process the lab did not '
                'start; stop it or change settings.PORTS' % (
                    svc.name, s.HOST, svc.port))
        if bootstrap:
            svc.bootstrap()
        svc.start()
        return True

    def _infrastructure(self):
        db = self.by_name['mariadb']
        epmd = self.by_name['epmd']
        rabbit = self.by_name['rabbitmq']

        def database():
            self._ensure_started(db)
            db.wait_ready()

        def broker():
            if not self._is_current(rabbit):
                self._ensure_started(epmd)
                epmd.wait_ready()
            self._ensure_started(rabbit)
            rabbit.wait_ready()

        self._parallel(database, broker)
        self.say('MariaDB and RabbitMQ ready')

    def _openstack(self):
        nova_group = [svc for svc in self.services if svc.nova_group]
        reset = not all(self._is_current(svc) for svc in nova_group)
        if reset:
            stopped = [svc.name for svc in nova_group if svc.stop()]
            if stopped:
                self.say('stopped %s: Nova restarts fresh' % ', '.join(
                    stopped))
            for leftover in ('compute_id', 'instances'):
                path = os.path.join(self.p.data_of('nova'), leftover)
                if os.path.isdir(path):
                    shutil.rmtree(path)
                elif os.path.exists(path):
                    os.unlink(path)
            os.makedirs(os.path.join(self.p.data_of('nova'), 'lock'),
                        exist_ok=True)
        self.by_name['mariadb'].ensure_databases(
            self.secrets['db'],
            reset=services.NOVA_DATABASES if reset else ())

        keystone = self.by_name['keystone']
        apis = [self.by_name[n] for n in ('glance', 'placement', 'neutron',
                                          'nova-api')]
        daemons = [self.by_name[n] for n in ('nova-conductor',
                                             'nova-scheduler')]
        compute = self.by_name['nova-compute']
        ironic = self.by_name['ironic']

        # Schema syncs run side by side; Keystone starts as soon as its own
        # is done, and the lab's identities are created meanwhile.
        to_start = [svc for svc in apis + daemons + [compute]
                    if not self._is_current(svc)]

        def identity():
            self._ensure_started(keystone)
            keystone.wait_ready()
            provision.identities(self.secrets, self._admin())
            self.say('Keystone ready; identities and catalog in place')

        def bootstrap(svc):
            return lambda: svc.bootstrap()

        self._parallel(identity, *[bootstrap(svc) for svc in to_start
                                   if type(svc).bootstrap is not
                                   services.Service.bootstrap])
        self.say('schemas in place')
        for svc in apis + daemons:
            if svc in to_start:
                self._ensure_started(svc, bootstrap=False)
            else:
                self.say('%s already running (pid %d)' % (
                    svc.name, svc.record()['pid']))

        def wait(svc):
            return lambda: svc.wait_ready()

        self._parallel(*[wait(svc) for svc in apis])
        self.say('Glance, Placement, Neutron, Nova API answer')
        self._parallel(*[wait(svc) for svc in daemons])
        self.say('nova-conductor and nova-scheduler up')

        def compute_chain():
            if compute in to_start:
                self._ensure_started(compute, bootstrap=False)
            procs.wait_for('nova-compute heartbeat and resource provider',
                           compute.ready, compute.ready_timeout,
                           service='nova-compute', pidfile=compute.pidfile,
                           log=compute.log)
            procs.wait_for('host mapping (nova-manage cell_v2 '
                           'discover_hosts)', self._discover_hosts, 120,
                           service='nova-compute', pidfile=compute.pidfile,
                           log=compute.log)
            self.say('nova-compute ready (heartbeat, resource provider, '
                     'host mapping)')

        def ironic_chain():
            rescue, disk = provision.images(self.secrets, install.ipxe_iso(),
                                            self._admin())
            flavor = provision.flavor(self.secrets, self._admin())
            provision.save(self.p, rescue, disk, flavor)
            self.say('images and flavor in place (rescue image %s)' % rescue)
            self._write_configs(rescue_image=rescue)
            self._ensure_started(ironic)
            ironic.wait_ready()
            self.say('Ironic answers through Keystone at %s' % ironic.url())

        self._parallel(compute_chain, ironic_chain)

    def _discover_hosts(self):
        if self.host_mapped():
            return True
        procs.run([self.p.venv_bin(self.p.cloud_venv, 'nova-manage'),
                   '--config-file', os.path.join(self.p.etc_of('nova'),
                                                 'nova.conf'),
                   'cell_v2', 'discover_hosts', '--verbose'],
                  'nova-manage cell_v2 discover_hosts',
                  self.p.log_of('nova-compute'))
        return self.host_mapped()

    # -- down -------------------------------------------------------------
    def down(self, purge=False, purge_venvs=False):
        with self.exclusive():
            self._down(purge, purge_venvs)

    def _down(self, purge, purge_venvs):
        infra = ('mariadb', 'rabbitmq', 'epmd')
        apps = [svc for svc in reversed(self.services)
                if svc.name not in infra]

        def stop(svc):
            def call():
                if svc.stop():
                    self.say('stopped %s' % svc.name)
            return call

        self._parallel(*[stop(svc) for svc in apps])
        self._parallel(stop(self.by_name['rabbitmq']),
                       stop(self.by_name['mariadb']))
        stop(self.by_name['epmd'])()
        if purge and os.path.isdir(self.p.home):
            for entry in os.listdir(self.p.home):
                if entry in ('lab.lock',) or (entry == 'venvs'
                                              and not purge_venvs):
                    continue
                path = os.path.join(self.p.home, entry)
                if os.path.isdir(path):
                    shutil.rmtree(path)
                else:
                    os.unlink(path)
            self.say('removed the lab data in %s%s' % (
                self.p.home, '' if purge_venvs else ' (kept venvs/)'))
        self.say('lab is down')

    # -- status -----------------------------------------------------------
    def status(self):
        """Everything a script needs to find and use the lab."""
        entries = {}
        for svc in self.services:
            record = svc.record()
            pids = procs.group_pids(record['pid']) if record else []
            entries[svc.name] = {
                'running': svc.running() if record else False,
                'pid': record['pid'] if record else None,
                'pids': pids,
                'pss_mb': round(procs.pss_kib(pids) / 1024.0, 1),
                'port': svc.port,
                'url': svc.url(),
                'log': svc.log,
            }
        prov = provision.load(self.p)
        return {
            'state_dir': self.p.home,
            'running': all(e['running'] for e in entries.values()),
            'ironic_url': s.url('ironic'),
            'keystone_url': s.url('keystone', '/v3'),
            'clouds_yaml': self.p.clouds_yaml,
            'cloud': s.CLOUD,
            'admin_cloud': s.ADMIN_CLOUD,
            'project_admin_cloud': s.PROJECT_ADMIN_CLOUD,
            'rescue_image': prov.get('rescue_image'),
            'disk_image': prov.get('disk_image'),
            'flavor': prov.get('flavor'),
            'driver_enabled': install.driver_present(),
            'ironic_venv': self.p.ironic_venv,
            'cloud_venv': self.p.cloud_venv,
            'services': entries,
            'pss_mb_total': round(sum(e['pss_mb'] for e in entries.values()),
                                  1),
        }


def print_status(status, out=sys.stdout):
    """Human-readable status table."""
    out.write('Lab state dir: %s\n' % status['state_dir'])
    row = '%-15s %-6s %-7s %-6s %8s  %s\n'
    out.write(row % ('service', 'state', 'pid', 'port', 'PSS MB',
                     'url / log'))
    for name, e in status['services'].items():
        state = 'up' if e['running'] else ('stale' if e['pid'] else 'down')
        out.write(row % (name, state, e['pid'] or '-', e['port'] or '-',
                         e['pss_mb'], e['url'] or e['log']))
    out.write(row % ('all', '', '', '', status['pss_mb_total'], ''))
    out.write('\nclouds.yaml: %s (normal user: %s, admin: %s [system scope, '
              'for Ironic], project admin: %s)\n' % (
                  status['clouds_yaml'], status['cloud'],
                  status['admin_cloud'], status['project_admin_cloud']))
    out.write('rescue image: %s  disk image: %s  flavor: %s\n' % (
        status['rescue_image'], status['disk_image'], status['flavor']))
    out.write('all running: %s\n' % ('yes' if status['running'] else 'no'))
