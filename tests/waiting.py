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


"""Waiting for a condition, the one way the lab's tests do it."""

import time


def wait_for(what, check, timeout, interval=0.5):
    """Poll ``check`` until it returns a true value; return that value.

    :param what: what is waited for, for the failure's message.
    :param timeout: seconds before the wait fails.
    :param interval: seconds between two calls of ``check``.
    :raises: AssertionError naming ``what`` when ``timeout`` passed first.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError('%s: not within %ds' % (what, timeout))
        time.sleep(interval)
