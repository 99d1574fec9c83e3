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

"""Commands on a running lab: the second conductor, faults, token lifetime.

``labctl conductor add|kill|remove``, ``labctl fault ACTION SERVICE`` and
``labctl token-lifetime`` act through an ``Operations`` on the lab's
composition (in the real mode, inside the lab's namespace).
"""

import signal
import time

from labkit import faults
from labkit import procs
from labkit import settings as s
from labkit import tuning


class Operations:
    """What the lab's commands do to its running services.

    :param ctx: the lab's ``context.Context``.
    :param stack: the lab's ``compose.Composition``.
    """

    def __init__(self, ctx, stack):
        self.ctx = ctx
        self.stack = stack

    def conductor(self, action):
        """``add``, ``kill`` or ``remove`` the second conductor."""
        return {'add': self.add_conductor, 'kill': self.kill_conductor,
                'remove': self.remove_conductor}[action]()

    def add_conductor(self):
        """(Re)start the second conductor with today's code and files.

        :returns: its PID record.
        """
        svc = self.stack.second_conductor
        if svc.stop():
            self.ctx.say('stopped the running %s' % svc.name)
        self.stack.write_configs()
        svc.start()
        svc.wait_ready()
        self.ctx.say('%s (host %s) is online'
                     % (svc.name, s.SECOND_IRONIC_HOST))
        return svc.record()

    def kill_conductor(self):
        """SIGKILL the second conductor (no deregistration); True if it ran."""
        svc = self.stack.second_conductor
        record = svc.record()
        if not record:
            return False
        procs.signal_group(record['pid'], signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and procs.group_pids(record['pid']):
            time.sleep(0.1)
        self.ctx.say('killed %s (pid %d)' % (svc.name, record['pid']))
        return True

    def remove_conductor(self):
        """Stop the second conductor cleanly (it deregisters)."""
        return self.stack.second_conductor.stop()

    def fault(self, action, name):
        """Inject a fault (``faults.ACTIONS``) into a service."""
        faults.run(self.stack, self.ctx.say, action, name)

    def set_token_lifetime(self, seconds):
        """Write the tuning, render keystone.conf, restart Keystone.

        :param seconds: the lifetime, or None for Keystone's default.
        """
        tuning.save(self.ctx.p, token_lifetime=seconds)
        self.stack.write_configs()
        keystone = self.stack.keystone
        keystone.ensure_started(bootstrap=False)
        keystone.wait_ready()
        self.ctx.say('Keystone token lifetime: %s' % (
            '%d s' % seconds if seconds else 'default (3600 s)'))
