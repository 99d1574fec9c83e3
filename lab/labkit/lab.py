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
import json
import os
import shutil
import subprocess
import sys
import time

from labkit import bringup
from labkit import configs
from labkit import install
from labkit import namespace
from labkit import procs
from labkit import provision
from labkit import services
from labkit import settings as s


def requested_virt(virt=None):
    """The virt mode asked for: ``virt``, else $IOS_LAB_VIRT, else 'fake'."""
    virt = virt or os.environ.get(s.VIRT_ENV) or 'fake'
    if virt not in s.VIRT_MODES:
        raise procs.LabError('unknown virt mode %r (%s: one of %s)' % (
            virt, s.VIRT_ENV, ', '.join(s.VIRT_MODES)))
    return virt


class Lab:
    """The lab in one mode (``virt``): its services, up, down, status.

    :param virt: the compute mode; None means the mode the state dir was
        last brought up in (what ``status`` and ``down`` act on).
    """

    def __init__(self, verbose=True, virt=None, compute_hosts=None):
        self.p = s.paths()
        self.verbose = verbose
        self.t0 = time.monotonic()
        self.virt = virt or s.load_mode(self.p)
        self.real = self.virt != 'fake'
        #: Fake compute hosts (1 in the real mode); None: the last count.
        self.compute_hosts = 1 if self.real else (
            compute_hosts or s.load_compute_hosts(self.p))
        self.images = {}
        self.services = services.all_services(self)
        self.by_name = {svc.name: svc for svc in self.services}
        self.plugins_digest = install.tree_digest(install.PLUGINS_DIR)
        # Read here, not only by _install: in the real mode the services
        # start in a child (``up --inside``) that installs nothing.
        self.driver_digest = install.driver_digest()
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

    def parallel(self, *calls):
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

    def admin(self, system=False):
        """A cached admin session (a token issue costs a bcrypt check)."""
        key = 'system' if system else 'project'
        sess = self._sessions.get(key)
        if sess is None or sess.expired():
            sess = provision.admin_session(self.secrets, system=system)
            self._sessions[key] = sess
        return sess

    # -- readiness checks used by services ---------------------------------
    def nova_service_up(self, binary, record, sess=None, host=None):
        """The service reports up with a heartbeat newer than its start.

        :param host: the service of this host only, if given.
        """
        if not record:
            return False
        sess = sess or self.admin()
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

    def compute_ready(self, record, sess=None, host=None):
        """Heartbeat newer than start and a resource provider in Placement.

        :param host: a fake compute host (its provider has its name);
            None: the backend's one host.
        """
        from labkit import compute
        sess = sess or self.admin()
        if not self.nova_service_up('nova-compute', record, sess, host):
            return False
        rps = sess.get(s.url('placement', '/resource_providers?name=%s'
                             % (host or compute.backend(
                                 self.virt).provider_name()))
                       )['resource_providers']
        return bool(rps)

    def host_mapped(self, hosts=None):
        """Every host (default: the backend's one) is in a cell."""
        out = subprocess.run(
            [self.p.venv_bin(self.p.cloud_venv, 'nova-manage'),
             '--config-file', os.path.join(self.p.etc_of('nova'),
                                           'nova.conf'),
             'cell_v2', 'list_hosts'],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        from labkit import compute
        hosts = hosts or [compute.backend(self.virt).HOST]
        return out.returncode == 0 and all(
            ' %s ' % host in out.stdout for host in hosts)

    def ironic_answers(self):
        sess = self.admin(system=True)
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
    def up(self, inside=False):
        """Install what is missing, start what does not run, wait for it.

        In the real mode the installs run here, in the root namespace
        (they download), and the rest runs in a ``labctl up --inside``
        child inside the lab's namespace while this process holds the
        lock (``inside`` is that child).
        """
        if inside:
            self._start_all()
            return None
        with self.exclusive():
            for d in (self.p.home, self.p.logs, self.p.run, self.p.etc,
                      self.p.data):
                os.makedirs(d, exist_ok=True)
            self.say('state dir %s, virt %s' % (self.p.home, self.virt))
            self._switch_mode()
            self._install()
            if self.real:
                if namespace.ensure():
                    self.say('created network namespace %s with bridge %s'
                             % (s.NETNS, s.BRIDGE))
                self.say('continuing inside namespace %s' % s.NETNS)
                child = subprocess.run(namespace.prefix() + [
                    sys.executable, s.LABCTL, 'up', '--virt', self.virt,
                    '--inside'])
                if child.returncode != 0:
                    raise procs.LabError('up inside namespace %s failed '
                                         '(exit %d)' % (s.NETNS,
                                                        child.returncode))
            else:
                self._start_all()
            self.say('lab is up: %s' % self.p.clouds_yaml)
        return self.status()

    def _start_all(self):
        if self.real:
            self.images = self._built_images()
        self.write_configs()
        bringup.infrastructure(self)
        bringup.openstack(self)

    def _switch_mode(self):
        """Stop a lab of another mode that runs on this state dir."""
        previous = s.load_mode(self.p)
        if previous != self.virt:
            old = Lab(verbose=self.verbose, virt=previous)
            if any(svc.record() for svc in old.services):
                self.say('the lab runs in mode %s: stopping it first'
                         % previous)
                old._down(purge=False, purge_venvs=False)
        elif s.load_compute_hosts(self.p) != self.compute_hosts:
            self._switch_compute_hosts()
        s.save_mode(self.p, self.virt, self.compute_hosts)

    def _switch_compute_hosts(self):
        """A new host count: stop every old host, so Nova starts fresh.

        A stopped fake host takes its guests with it (they live in its
        memory); its servers would stay in Nova's database on a host that
        is down. Stopping all of them breaks the Nova group, and ``up``
        restarts it on empty databases (the fresh-start rule).
        """
        old = Lab(verbose=self.verbose, virt=self.virt,
                  compute_hosts=s.load_compute_hosts(self.p))
        stopped = [svc.name for svc in old.services
                   if getattr(svc, 'binary', None) == 'nova-compute'
                   and svc.stop()]
        if stopped:
            self.say('compute hosts %d -> %d: stopped %s; Nova restarts '
                     'fresh (every server is gone)' % (
                         old.compute_hosts, self.compute_hosts,
                         ', '.join(stopped)))

    def _ensure_images(self):
        """Build (or find cached) the real mode's images; root namespace."""
        from labkit import images
        built = images.ensure_all(self.p, self.p.log_of('images'), self.say)
        os.makedirs(self.p.images, exist_ok=True)
        with open(os.path.join(self.p.images, 'built.json'), 'w') as f:
            json.dump(built, f, indent=2)
        return built

    def _built_images(self):
        """What ``_ensure_images`` built (read inside the namespace)."""
        try:
            with open(os.path.join(self.p.images, 'built.json')) as f:
                return json.load(f)
        except (OSError, ValueError):
            raise procs.LabError('no images built in %s: run `labctl up '
                                 '--virt %s`' % (self.p.images, self.virt))

    def _install(self):
        log = self.p.log_of('install')
        self.say('checking installs (log: %s)' % log)
        apt, cloud, driver = self.parallel(
            lambda: install.ensure_apt(self.p, log, self._apt_packages()),
            lambda: install.ensure_cloud_venv(self.p, log),
            lambda: install.ensure_ironic_venv(self.p, log))
        self.driver_digest = driver
        if apt:
            self.say('installed Debian packages %s' % ' '.join(apt))
        if cloud:
            self.say('built the cloud venv')
        if not install.driver_present():
            self.say('driver not in the tree yet (%s): Ironic runs with '
                     'fake-hardware only' % install.DRIVER_MARKER)
        if self.real:
            from labkit.compute import libvirt
            if libvirt.ensure_installed(self.p, log):
                self.say('installed libvirt-python and the libvirt-qemu user')
            self.images = self._ensure_images()
            if self.virt == 'kvm':
                libvirt.probe_kvm(self.p, self.images, log)
                self.say('KVM probe: a guest booted under KVM')
        self.say('installs done')

    def _apt_packages(self):
        if self.real:
            return install.APT_PACKAGES + install.REAL_APT_PACKAGES
        return install.APT_PACKAGES

    def write_configs(self, rescue_image=None):
        if rescue_image is None:
            rescue_image = provision.load(self.p).get('rescue_image', '')
        configs.write_all(self.p, self.secrets, rescue_image=rescue_image,
                          driver=install.driver_present(), virt=self.virt,
                          images=self.images)
        if not self.real:
            from labkit.compute import fake
            fake.write_host_configs(self.p, self.compute_hosts)
        self.by_name['rabbitmq'].write_config(self.secrets['rabbit'])

    def is_current(self, svc):
        record = svc.record()
        return bool(record) and record.get('fingerprint') == \
            svc.fingerprint() and svc.running()

    def ensure_started(self, svc, bootstrap=True):
        """Start ``svc`` unless it runs with the same fingerprint.

        Returns True when it was (re)started.
        """
        if self.is_current(svc):
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

        self.parallel(*[stop(svc) for svc in apps])
        self.parallel(stop(self.by_name['rabbitmq']),
                      stop(self.by_name['mariadb']))
        stop(self.by_name['epmd'])()
        if namespace.delete():
            self.say('removed network namespace %s (its bridge and taps)'
                     % s.NETNS)
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
        """Everything a script needs to find and use the lab (a dict)."""
        from labkit import status
        return status.collect(self)
