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

A ``Lab`` is a ``context.Context``, the ``mode.Mode`` (which picks the
backends) and the ``compose.Composition`` of that mode's services;
``bringup`` starts and stops them. ``up`` prepares (mode switch, installs)
here and starts the services here, or, in the real mode, in a child
process inside the lab's network namespace.

Fresh-start rule for Nova: the fake compute driver keeps guests in memory,
so servers of an earlier nova-compute would read SHUTOFF for ever. Nova's
services (and Placement, which holds their allocations) are therefore one
group: if all of them run (and their configuration is unchanged), ``up``
leaves them alone; otherwise it stops those that run and starts the whole
group on empty Nova and Placement databases. Keystone, Glance, Neutron and
Ironic keep their data across restarts (``down --purge`` removes it).
"""


import contextlib
import fcntl
import os
import shutil
import subprocess
import sys

from labkit import bringup
from labkit import compose
from labkit import context
from labkit import deploying
from labkit import install
from labkit import mode as modes
from labkit import namespace
from labkit import operations
from labkit import procs
from labkit import settings as s
from labkit import status as statusmod
from labkit import tuning


class Lab:
    """The lab in one mode (``virt``): its services, up, down, status.

    :param virt: the compute mode; None means the mode the state dir was
        last brought up in (what ``status`` and ``down`` act on).
    :param compute_hosts: fake compute hosts; None means the last count.
    """

    def __init__(self, verbose=True, virt=None, compute_hosts=None):
        self.ctx = context.Context(s.paths(), verbose)
        self.mode = modes.Mode(self.ctx.p, virt, compute_hosts)
        self.stack = compose.Composition(self.ctx, self.mode)

    @property
    def virt(self):
        return self.mode.virt

    @property
    def real(self):
        return self.mode.real

    @property
    def compute_hosts(self):
        return self.mode.compute_hosts

    @property
    def services(self):
        """Every service of the mode, in start order."""
        return self.stack.services

    def operations(self):
        """The commands on this lab's running services."""
        return operations.Operations(self.ctx, self.stack)

    @contextlib.contextmanager
    def exclusive(self):
        """Serialise up/down of one state dir across processes.

        Two ``up`` runs on one state dir (say, a developer's and a test
        run's) would otherwise rebuild the same venv and start the same
        services at once. The second one waits here for the first.
        """
        p = self.ctx.p
        os.makedirs(p.home, exist_ok=True)
        with open(os.path.join(p.home, 'lab.lock'), 'w') as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self.ctx.say('another labctl up/down runs on %s; waiting '
                             'for it' % p.home)
                fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def up(self, inside=False, fast_track=False):
        """Install what is missing, start what does not run, wait for it.

        In the real mode the installs run here, in the root namespace
        (they download), and the rest runs in a ``labctl up --inside``
        child inside the lab's namespace while this process holds the
        lock (``inside`` is that child).

        :param fast_track: Ironic's fast track (real mode; see
            ``mode.requested_fast_track``). Recorded for the child and
            ``status``; an ``up`` without it turns it off (Ironic restarts
            when its file changes).
        """
        if inside:
            self._start_all()
            return None
        p = self.ctx.p
        with self.exclusive():
            for d in (p.home, p.logs, p.run, p.etc, p.data):
                os.makedirs(d, exist_ok=True)
            self.ctx.say('state dir %s, virt %s' % (p.home, self.virt))
            switch_mode(self.ctx, self.mode)
            record_fast_track(self.ctx, self.mode, fast_track)
            self.ctx.driver_digest = prepare(self.ctx, self.mode)
            if self.real:
                if namespace.ensure():
                    self.ctx.say('created network namespace %s with bridge '
                                 '%s' % (s.NETNS, s.BRIDGE))
                self.ctx.say('continuing inside namespace %s' % s.NETNS)
                child = subprocess.run(namespace.prefix() + [
                    sys.executable, s.LABCTL, 'up', '--virt', self.virt,
                    '--inside'])
                if child.returncode != 0:
                    raise procs.LabError('up inside namespace %s failed '
                                         '(exit %d)' % (s.NETNS,
                                                        child.returncode))
            else:
                self._start_all()
            self.ctx.say('lab is up: %s' % p.clouds_yaml)
        return self.status()

    def _start_all(self):
        self.stack.write_configs()
        bringup.infrastructure(self.ctx, self.stack)
        bringup.openstack(self.ctx, self.mode, self.stack)

    def down(self, purge=False, purge_venvs=False):
        """Stop everything the lab started; with ``purge``, its data too.

        :param purge_venvs: with ``purge``, the venvs too.
        """
        with self.exclusive():
            bringup.shutdown(self.ctx, self.stack)
            if purge:
                remove_data(self.ctx, purge_venvs)
            self.ctx.say('lab is down')

    def status(self):
        """Everything a script needs to find and use the lab (a dict)."""
        return statusmod.collect(self.ctx.p, self.virt, self.services)


def switch_mode(ctx, mode):
    """Make room for ``mode`` on the state dir, and remember it.

    A lab of another mode that runs there is stopped first; a new fake
    host count stops every old host (``switch_compute_hosts``).
    """
    p = ctx.p
    previous = s.load_mode(p)
    if previous != mode.virt:
        old = compose.Composition(ctx, modes.Mode(p, previous))
        if any(svc.record() for svc in old.services):
            ctx.say('the lab runs in mode %s: stopping it first' % previous)
            bringup.shutdown(ctx, old)
            ctx.say('lab is down')
    elif s.load_compute_hosts(p) != mode.compute_hosts:
        switch_compute_hosts(ctx, mode)
    s.save_mode(p, mode.virt, mode.compute_hosts)


def record_fast_track(ctx, mode, on):
    """Record in the state dir whether Ironic fast-tracks (real mode).

    ``Mode.ironic_conf`` renders it into ironic.conf (inside the
    namespace too) and ``status`` shows it; off, nothing is recorded.
    """
    on = bool(on) and mode.real
    tuning.save(ctx.p, fast_track=True if on else None)
    if on:
        ctx.say('Ironic fast track: on ([deploy]fast_track_timeout %d s)'
                % deploying.FAST_TRACK_TIMEOUT)


def switch_compute_hosts(ctx, mode):
    """A new host count: stop every old host, so Nova starts fresh.

    A stopped fake host takes its guests with it (they live in its
    memory); its servers would stay in Nova's database on a host that
    is down. Stopping all of them breaks the Nova group, and ``up``
    restarts it on empty databases (the fresh-start rule).
    """
    old_mode = modes.Mode(ctx.p, mode.virt, s.load_compute_hosts(ctx.p))
    old = compose.Composition(ctx, old_mode)
    stopped = [svc.name for svc in old.computes if svc.stop()]
    if stopped:
        ctx.say('compute hosts %d -> %d: stopped %s; Nova restarts '
                'fresh (every server is gone)' % (
                    old_mode.compute_hosts, mode.compute_hosts,
                    ', '.join(stopped)))


def prepare(ctx, mode):
    """Install what ``mode`` needs (root namespace); build its images.

    :returns: the driver's source digest (see ``install``).
    """
    p = ctx.p
    log = p.log_of('install')
    ctx.say('checking installs (log: %s)' % log)
    apt, cloud, driver = procs.parallel(
        lambda: install.ensure_apt(p, log, mode.apt_packages()),
        lambda: install.ensure_cloud_venv(p, log),
        lambda: install.ensure_ironic_venv(p, log))
    if apt:
        ctx.say('installed Debian packages %s' % ' '.join(apt))
    if cloud:
        ctx.say('built the cloud venv')
    if not install.driver_present():
        ctx.say('driver not in the tree yet (%s): Ironic runs with '
                'fake-hardware only' % install.DRIVER_MARKER)
    if mode.real:
        mode.compute.install(ctx, log)
        mode.compute.check(ctx, mode.build_images(ctx.say), log)
    ctx.say('installs done')
    return driver


def remove_data(ctx, purge_venvs):
    """Remove the lab's data (and, with ``purge_venvs``, its venvs)."""
    p = ctx.p
    if not os.path.isdir(p.home):
        return
    for entry in os.listdir(p.home):
        if entry in ('lab.lock',) or (entry == 'venvs' and not purge_venvs):
            continue
        path = os.path.join(p.home, entry)
        if os.path.isdir(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    ctx.say('removed the lab data in %s%s' % (
        p.home, '' if purge_venvs else ' (kept venvs/)'))
