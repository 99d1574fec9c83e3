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

"""Nova's console proxies and the fake guests' console, for the lab.

Three processes let ``openstack baremetal node console show`` give a URL
that answers on the lab:

* ``nova-serialproxy`` (``[serial_console]``): the websocket behind the
  ``ws://`` URL of a serial console;
* ``nova-novncproxy`` (``[vnc]``): the websocket (and, where Debian's
  ``novnc`` package is installed, the noVNC page) behind a noVNC URL;
* ``lab-guest-console`` (lab/plugins/ios_lab_plugins/fake_console.py):
  what the proxies connect to, since the fake compute has no QEMU: a serial
  port that prints a banner and a login prompt, and a blank VNC screen.

They read nova.conf (the proxies validate console tokens in Nova's cell
database) and hold no state, so they are not part of Nova's fresh-start
group. Every listener binds 127.0.0.1. The proxies run in every mode; the
fake guests' console is the fast compute backend's (``compute.fake``):
with real guests, QEMU serves the consoles itself.
"""

import os

from labkit import procs
from labkit import services
from labkit import settings as s

DEBIAN_NOVNC = '/usr/share/novnc'


class NovaConsoleProxy(services.Service):
    binary = None

    def argv(self):
        return [self.cloud_bin(self.binary), '--config-file',
                os.path.join(self.p.etc_of('nova'), 'nova.conf')]

    def config_files(self):
        return [os.path.join(self.p.etc_of('nova'), 'nova.conf')]


class NovaSerialProxy(NovaConsoleProxy):
    name = binary = 'nova-serialproxy'
    port = s.PORTS['nova-serialproxy']


class NovaNoVNCProxy(NovaConsoleProxy):
    name = binary = 'nova-novncproxy'
    port = s.PORTS['nova-novncproxy']

    def web(self):
        """Debian's noVNC files where installed, else an empty directory.

        nova-novncproxy refuses to start without one. The websocket works
        either way, the HTML page only with the files.
        """
        if os.path.isdir(DEBIAN_NOVNC):
            return DEBIAN_NOVNC
        path = os.path.join(self.p.data, 'novnc')
        os.makedirs(path, exist_ok=True)
        return path

    def argv(self):
        return super().argv() + ['--web', self.web()]


class LabGuestConsole(services.Service):
    name = 'lab-guest-console'
    port = s.PORTS['lab-guest-serial']

    def argv(self):
        return [self.cloud_bin('python'), '-m',
                'ios_lab_plugins.fake_console',
                '--serial-port', str(s.PORTS['lab-guest-serial']),
                '--vnc-port', str(s.PORTS['lab-guest-vnc'])]

    def extra_fingerprint(self):
        return self.ctx.plugins_digest

    def ready(self):
        return (procs.port_open(s.PORTS['lab-guest-serial'])
                and procs.port_open(s.PORTS['lab-guest-vnc']))
