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

"""A real signal to the main thread, as SIGINT or SIGTERM reach a run.

The handler raises KeyboardInterrupt, as Python's own SIGINT handler and
the benchmark's handler (bench/cli.py Interruption) do; it runs in the
main thread whichever thread sends the signal.
"""

import signal
import sys
import threading

from ironic_openstack_driver.tools import waiting

# Bound of a wait for the main thread to take the signal (not a
# measurement: the wait ends as soon as it has).
DELIVERY_WAIT = 30.0


class Interrupter:
    """SIGUSR1 to the main thread raises KeyboardInterrupt there.

    :param test: the TestCase; its cleanup restores the handler.
    """

    def __init__(self, test):
        self.sent = 0
        self.delivered = threading.Event()
        old = signal.signal(signal.SIGUSR1, self._raise)
        test.addCleanup(signal.signal, signal.SIGUSR1, old)

    def _raise(self, signum, frame):
        self.delivered.set()
        raise KeyboardInterrupt('SIGUSR1 (test)')

    def send(self):
        """Signal the main thread (from any thread), once per test."""
        if not self.sent:
            self.sent += 1
            signal.pthread_kill(threading.main_thread().ident,
                                signal.SIGUSR1)

    def send_from_request(self):
        """From a worker's request in flight: signal, then answer late.

        The request answers once the main thread took the signal and,
        when this worker serves waiting.in_parallel, once its pool was
        told to stop: as a request that was on the wire when the signal
        came.
        """
        if self.sent:
            return
        # As an interruption comes in a long run: while the main thread
        # waits for the workers, not while it starts them.
        pause = threading.Event()
        for _ in range(int(DELIVERY_WAIT * 100)):
            if _main_thread_waits():
                break
            pause.wait(0.01)
        self.send()
        self.delivered.wait(DELIVERY_WAIT)
        stopping = getattr(waiting, 'stopping', None)
        if stopping is not None:
            done = threading.Event()
            for _ in range(int(DELIVERY_WAIT * 100)):
                if stopping():
                    break
                done.wait(0.01)


def _main_thread_waits():
    """Whether the main thread is blocked waiting, not starting threads."""
    frame = sys._current_frames().get(threading.main_thread().ident)
    names = []
    while frame is not None:
        names.append(frame.f_code.co_name)
        frame = frame.f_back
    return (bool(names) and names[0] in ('wait', '_wait_for_tstate_lock')
            and not {'start', 'submit'} & set(names))
