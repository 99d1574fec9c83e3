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

"""The base of the lab's services: how a process is set up, started, known.

Every service is a ``Service``: a command line started by ``procs.start``
(its own process group, PID file, log), a ``bootstrap`` run before start
(schema syncs and the like, idempotent) and a ``ready`` check that polls
the real thing (an AMQP handshake, an SQL query, an HTTP answer), never a
sleep: each service owns its readiness probe. ``fingerprint`` hashes what
a running process was started with; if it differs on the next ``up``,
``ensure_started`` restarts it. ``Gunicorn`` is the base of the OpenStack
APIs. The services themselves live in ``infra``, ``apis``, ``nova``,
``conductors``, ``console_proxies`` and the backends (``compute/``,
``network/``); ``compose`` says which of them a mode runs.
"""

import hashlib
import os

from labkit import procs
from labkit import settings as s


class Service:
    """One long-running process of the lab.

    :param ctx: the lab's ``context.Context`` (paths, output, secrets,
        admin sessions, code digests).
    """

    name = None
    port = None
    #: Services that share Nova's fresh-start rule (see ``bringup``).
    nova_group = False
    #: Started only on request (``labctl conductor add``), never by ``up``;
    #: its absence does not make the lab "not running".
    optional = False
    ready_timeout = 180
    grace = 30

    def __init__(self, ctx):
        self.ctx = ctx
        self.p = ctx.p

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

    def is_current(self):
        """Running, answering, and started with today's files and code."""
        record = self.record()
        return bool(record) and record.get('fingerprint') == \
            self.fingerprint() and self.running()

    def ensure_started(self, bootstrap=True):
        """Start this service unless it runs with the same fingerprint.

        :param bootstrap: run ``bootstrap`` before the start.
        :returns: True when it was (re)started.
        :raises procs.LabError: its port is held by a process the lab did
            not start.
        """
        if self.is_current():
            self.ctx.say('%s already running (pid %d)' % (
                self.name, self.record()['pid']))
            return False
        if self.stop():
            self.ctx.say('stopped stale/changed %s' % self.name)
        if procs.port_open(self.port):
            raise procs.LabError(
                '%s: port %s:%d is taken by a process the lab did not '
                'start; stop it or change settings.PORTS' % (
                    self.name, s.HOST, self.port))
        if bootstrap:
            self.bootstrap()
        self.start()
        return True

    def has_bootstrap(self):
        """True when this service has a preparation step of its own."""
        return type(self).bootstrap is not Service.bootstrap

    def start(self):
        self.ctx.say('starting %s (log: %s)' % (self.name, self.log))
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


class Gunicorn(Service):
    """An OpenStack API under gunicorn (one worker, threads)."""

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
