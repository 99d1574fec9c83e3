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

"""Faults injected into the lab's services, by PID file (never by name).

``pause`` (SIGSTOP of the service's process group: it accepts connections
and answers nothing, as a hung service does), ``resume`` (SIGCONT), ``stop``
(the port refuses connections), ``start`` (again, with the same files and
without a schema sync or Nova's fresh start, so Nova keeps its servers),
``kill`` (SIGKILL, as a crash: no clean shutdown). Used by
``labctl fault ACTION SERVICE`` and the faults suite (tests/faults).
"""

import signal
import time

from labkit import procs

ACTIONS = ('pause', 'resume', 'stop', 'start', 'kill')
#: Services a fault may be injected into.
SERVICES = ('keystone', 'nova-api', 'nova-compute', 'nova-conductor',
            'ironic', 'ironic-conductor-2') + tuple(
    # The further compute hosts of ``up --compute-hosts K``.
    'nova-compute-%d' % i for i in range(2, 17))


def _running(svc):
    record = svc.record()
    if not record:
        raise procs.LabError('%s does not run (no live PID file %s)' % (
            svc.name, svc.pidfile))
    return record


def pause(svc, say):
    record = _running(svc)
    procs.signal_group(record['pid'], signal.SIGSTOP)
    say('paused %s (SIGSTOP to process group %d)' % (svc.name, record['pid']))


def resume(svc, say):
    record = _running(svc)
    procs.signal_group(record['pid'], signal.SIGCONT)
    say('resumed %s (SIGCONT to process group %d)'
        % (svc.name, record['pid']))


def stop(svc, say):
    record = svc.record()
    if record:
        # A paused service would not see SIGTERM until resumed.
        procs.signal_group(record['pid'], signal.SIGCONT)
    if svc.stop():
        say('stopped %s' % svc.name)


def start(svc, say):
    """Start the service again if it does not run; wait until it answers."""
    if svc.record():
        procs.signal_group(svc.record()['pid'], signal.SIGCONT)
    if not svc.running():
        svc.stop()
        svc.start()
    svc.wait_ready()
    say('%s answers (pid %d)' % (svc.name, svc.record()['pid']))


def kill(svc, say):
    record = _running(svc)
    procs.signal_group(record['pid'], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and procs.group_pids(record['pid']):
        time.sleep(0.1)
    say('killed %s (SIGKILL to process group %d)'
        % (svc.name, record['pid']))


def run(stack, say, action, name):
    """Inject fault ``action`` into the service ``name``.

    :param stack: the lab's ``compose.Composition``.
    :param say: the progress output.
    :raises procs.LabError: an unknown action or service, or the service
        does not run (pause, resume, kill).
    """
    if action not in ACTIONS:
        raise procs.LabError('unknown fault action %s' % action)
    if name not in SERVICES:
        raise procs.LabError('no faults for %s (one of %s)' % (
            name, ', '.join(SERVICES)))
    try:
        svc = stack.get(name)
    except KeyError:
        raise procs.LabError('%s does not run in this lab' % name)
    globals()[action](svc, say)
