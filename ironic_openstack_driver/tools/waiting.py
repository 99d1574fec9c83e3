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

"""Waiting for a condition: the one poll loop of the tools, the lab, the
benchmark and the tests.

Also the one way the tools run work in threads (in_parallel): daemon
workers whose queued work is dropped, and whose waits wake, when the
calling thread is interrupted (KeyboardInterrupt from SIGINT, or from a
signal handler that raises it), so that an interrupted run does not go on
with the work it had queued.

Standard library only, so that the lab (which runs on the system's Python
before any virtualenv exists) imports it too.
"""

import threading
import time

# The stop event of the in_parallel call whose worker this thread is.
_worker = threading.local()


class Cancelled(Exception):
    """The in_parallel call this worker serves was interrupted."""


def pause(seconds):
    """Sleep ``seconds``; in an in_parallel worker, wake when it stops.

    In the main thread a signal handler interrupts the sleep itself.

    :raises: Cancelled in a worker whose in_parallel call was
        interrupted.
    """
    stop = getattr(_worker, 'stop', None)
    if stop is None:
        time.sleep(seconds)
    elif stop.wait(seconds):
        raise Cancelled()


def stopping():
    """Whether this thread is a worker of an interrupted in_parallel."""
    stop = getattr(_worker, 'stop', None)
    return stop is not None and stop.is_set()


def in_parallel(func, items, workers):
    """``[func(item) for item in items]``, ``workers`` calls at once.

    A call that raises does not stop the others: once all have run, the
    first exception (in the order of items) is raised. When the calling
    thread is interrupted while it waits (KeyboardInterrupt, from SIGINT
    or from a handler that raises it), the items not started are dropped,
    the running calls' pauses (pause, wait_for) raise Cancelled, and the
    interruption is raised at once. The workers are daemon threads: a
    call in the middle of a request ends with that request, or with the
    process, which does not wait for it.

    :param workers: threads (at least 1).
    :raises: the first exception a call raised, or the interruption.
    """
    items = list(items)
    stop = threading.Event()
    results = [None] * len(items)
    lock = threading.Lock()
    order = iter(range(len(items)))

    def work():
        _worker.stop = stop
        while not stop.is_set():
            with lock:
                i = next(order, None)
            if i is None:
                return
            try:
                results[i] = (True, func(items[i]))
            except Exception as e:
                results[i] = (False, e)
    threads = [threading.Thread(target=work, daemon=True,
                                name='in_parallel-%d' % n)
               for n in range(min(max(1, workers), len(items)))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    except BaseException:
        stop.set()
        raise
    for ok, value in results:
        if not ok:
            raise value
    return [value for _ok, value in results]


def wait_for(what, check, timeout, interval=0.5, error=TimeoutError,
             tolerate=(), gave_up=None, backoff=1.0, max_interval=None):
    """Poll ``check()`` until it returns a true value; return that value.

    :param what: what is waited for, for the failure's message.
    :param check: a callable without arguments.
    :param timeout: seconds before the wait fails.
    :param interval: seconds between two calls of ``check``.
    :param error: the exception class (or any callable taking the message)
        raised when the wait fails.
    :param tolerate: exception classes a call of ``check`` may raise; such
        a call counts as "not yet" and the last one is named in the
        failure's message.
    :param gave_up: a callable without arguments called after each "not
        yet": a message it returns ends the wait at once with
        ``error(message)`` (a process that died, say).
    :param backoff: factor applied to ``interval`` after each call.
    :param max_interval: the bound of a growing ``interval``.
    :raises: ``error`` with "timed out after N s waiting for WHAT" when
        ``timeout`` passed first; Cancelled in an in_parallel worker whose
        call was interrupted (pause).
    """
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            value = check()
        except tolerate as exc:
            value, last_exc = None, exc
        if value:
            return value
        if gave_up is not None:
            why = gave_up()
            if why:
                raise error(why)
        if stopping():
            raise Cancelled()
        if time.monotonic() > deadline:
            raise error('timed out after %ds waiting for %s%s' % (
                timeout, what,
                ' (last error: %s)' % last_exc if last_exc else ''))
        pause(interval)
        interval *= backoff
        if max_interval is not None:
            interval = min(interval, max_interval)
