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

"""What every part of the lab shares: paths, output, secrets, sessions.

A ``Context`` is handed to each service, backend and step instead of the
whole lab: services read it, and only the install step updates
``driver_digest`` (after it reinstalled the driver).
"""

import time

from labkit import install
from labkit import provision
from labkit import settings as s


class Context:
    """The state dir's paths, the progress output and the credentials.

    :param p: the lab's paths (``settings.paths()``).
    :param verbose: print progress lines (``say``).
    """

    def __init__(self, p, verbose=True):
        self.p = p
        self.verbose = verbose
        self.t0 = time.monotonic()
        #: The lab's plugins' source digest (part of some fingerprints).
        self.plugins_digest = install.tree_digest(install.PLUGINS_DIR)
        #: The driver's source digest (part of Ironic's fingerprint), read
        #: here and not only by the install step: in the real mode the
        #: services start in a child (``up --inside``) that installs
        #: nothing.
        self.driver_digest = install.driver_digest()
        self._secrets = None
        self._sessions = {}

    def say(self, message):
        """Print a progress line with the seconds since the start."""
        if self.verbose:
            print('[lab %6.1fs] %s' % (time.monotonic() - self.t0, message),
                  flush=True)

    @property
    def secrets(self):
        """The lab's passwords (made once per state dir)."""
        if self._secrets is None:
            self._secrets = s.load_secrets(self.p)
        return self._secrets

    def admin(self, system=False):
        """A cached admin session (a token issue costs a bcrypt check).

        :param system: system scope (Ironic's admin); else the project
            admin (Nova, Neutron, Glance, Placement).
        """
        key = 'system' if system else 'project'
        sess = self._sessions.get(key)
        if sess is None or sess.expired():
            sess = provision.admin_session(self.secrets, system=system)
            self._sessions[key] = sess
        return sess
