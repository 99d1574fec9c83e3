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

Standard library only, so that the lab (which runs on the system's Python
before any virtualenv exists) imports it too.
"""

import time


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
        ``timeout`` passed first.
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
        if time.monotonic() > deadline:
            raise error('timed out after %ds waiting for %s%s' % (
                timeout, what,
                ' (last error: %s)' % last_exc if last_exc else ''))
        time.sleep(interval)
        interval *= backoff
        if max_interval is not None:
            interval = min(interval, max_interval)
