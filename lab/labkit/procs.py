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

"""Processes of the lab: started detached, tracked and stopped by PID file.

Each service runs in its own session (process group = its PID), with
stdout/stderr appended to its log. A PID file records the PID, the start
time, the command line's first words and a fingerprint of what the process
was started with (configuration, code); ``alive()`` checks the PID still
belongs to that process (``/proc/<pid>/stat`` start time), so a recycled
PID is never mistaken for, or signalled as, a lab service. Nothing is ever
found or killed by process name.
"""

import concurrent.futures
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

from ironic_openstack_driver.tools import waiting


class LabError(RuntimeError):
    """A lab step failed; the message says which service, where its log is."""


def _proc_start_ticks(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            stat = f.read()
    except OSError:
        return None
    # Field 22 (starttime); the command name (field 2) may contain spaces.
    fields = stat[stat.rindex(')') + 2:].split()
    if fields[0] == 'Z':
        return None
    return int(fields[19])


def read_pidfile(path):
    """The PID file's record, or None."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def alive(path):
    """The recorded process if still the one the lab started, else None."""
    record = read_pidfile(path)
    if not record:
        return None
    ticks = _proc_start_ticks(record['pid'])
    if ticks is None or ticks != record.get('start_ticks'):
        return None
    return record


def log_tail(log, lines=25):
    try:
        with open(log, 'rb') as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 16384))
            text = f.read().decode('utf-8', 'replace')
    except OSError:
        return '(no log at %s)' % log
    return '\n'.join(text.splitlines()[-lines:])


def start(name, argv, pidfile, log, env=None, cwd=None, fingerprint=''):
    """Start ``argv`` detached in its own session; record it in ``pidfile``."""
    os.makedirs(os.path.dirname(pidfile), exist_ok=True)
    os.makedirs(os.path.dirname(log), exist_ok=True)
    full_env = dict(os.environ)
    full_env.update(env or {})
    with open(log, 'ab') as out:
        out.write(('\n==== %s: starting %s\n' % (
            time.strftime('%Y-%m-%d %H:%M:%S'), ' '.join(argv))).encode())
        out.flush()
        try:
            proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, env=full_env, cwd=cwd,
                start_new_session=True, close_fds=True)
        except OSError as exc:
            raise LabError('%s: cannot start %s: %s' % (name, argv[0], exc))
    record = {
        'name': name, 'pid': proc.pid, 'argv': argv[:3],
        'start_ticks': _proc_start_ticks(proc.pid),
        'started_at': time.time(), 'fingerprint': fingerprint, 'log': log,
    }
    tmp = pidfile + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(record, f)
    os.replace(tmp, pidfile)
    return record


def stop(name, pidfile, grace=30.0):
    """SIGTERM the service's process group, wait, SIGKILL after ``grace`` s.

    Returns True if something was stopped.
    """
    record = alive(pidfile)
    if not record:
        _remove(pidfile)
        return False
    pid = record['pid']
    signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not _group_alive(pid) and alive(pidfile) is None:
            break
        time.sleep(0.1)
    else:
        signal_group(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (
                _group_alive(pid) or alive(pidfile)):
            time.sleep(0.1)
    _remove(pidfile)
    return True


def signal_group(pid, sig):
    """Send ``sig`` to process group ``pid`` (a service and its children)."""
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError:
        os.kill(pid, sig)


def _group_alive(pgid):
    """True while any process of the group ``pgid`` exists (zombies aside)."""
    return bool(group_pids(pgid))


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def group_pids(pgid):
    """PIDs of every live process in process group ``pgid``."""
    pids = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(')') + 2:].split()
        if int(fields[2]) == pgid and fields[0] != 'Z':
            pids.append(int(entry))
    return sorted(pids)


def pss_kib(pids):
    """Proportional set size of ``pids`` together, in KiB (smaps_rollup)."""
    total = 0
    for pid in pids:
        try:
            with open('/proc/%d/smaps_rollup' % pid) as f:
                for line in f:
                    if line.startswith('Pss:'):
                        total += int(line.split()[1])
                        break
        except (OSError, ValueError):
            continue
    return total


def port_open(port, host='127.0.0.1', timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def http_status(url, timeout=3.0):
    """HTTP status of a GET of ``url`` (any status is an answer), or None."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError):
        return None


def wait_for(what, check, timeout, service=None, pidfile=None, log=None,
             interval=0.2):
    """Poll ``check()`` until it returns a truthy value; return that value.

    The shared poll loop (``ironic_openstack_driver.tools.waiting``), with
    what the lab adds: an exception of ``check`` counts as "not yet", the
    interval grows to 1 s, and the wait fails early, with the log's tail,
    if the service's process has died.

    :raises: LabError naming the service, what was waited for and its log.
    """
    def died():
        if pidfile and alive(pidfile) is None:
            raise LabError('%s died while waiting for %s; log: %s\n%s' % (
                service, what, log, log_tail(log)))

    def timed_out(message):
        return LabError('%s: %s; log: %s\n%s' % (
            service or what, message, log, log_tail(log) if log else ''))

    return waiting.wait_for(what, check, timeout, interval=interval,
                            error=timed_out, tolerate=(Exception,),
                            gave_up=died, backoff=1.3, max_interval=1.0)


def parallel(*calls):
    """Run callables in threads; re-raise the first failure.

    :returns: their results, in the order of ``calls``.
    """
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


def run(argv, what, log, env=None, cwd=None, timeout=900, input_text=None):
    """Run a one-shot command, output appended to ``log``; raise on failure."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    os.makedirs(os.path.dirname(log), exist_ok=True)
    with open(log, 'ab') as out:
        out.write(('\n==== %s: %s\n' % (time.strftime('%H:%M:%S'),
                                        ' '.join(argv))).encode())
        out.flush()
        try:
            proc = subprocess.run(
                argv, stdout=out, stderr=subprocess.STDOUT, env=full_env,
                cwd=cwd, timeout=timeout,
                input=input_text.encode() if input_text else None,
                stdin=None if input_text else subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise LabError('%s: timed out after %ds; log: %s\n%s' % (
                what, timeout, log, log_tail(log)))
        except OSError as exc:
            raise LabError('%s: cannot run %s: %s' % (what, argv[0], exc))
    if proc.returncode != 0:
        raise LabError('%s failed (exit %d); log: %s\n%s' % (
            what, proc.returncode, log, log_tail(log)))
