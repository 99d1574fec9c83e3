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

"""The fast compute backend: Nova's fake virt driver (the lab's subclass).

Nothing boots. ``lab/plugins/ios_lab_plugins/fake_compute.py`` makes a
rescued guest report RUNNING, as libvirt does. The fake driver keeps guests
in memory, hence the lab's fresh-start rule for Nova (lab/README.rst).
"""

import os

from labkit import services as svc
from labkit import settings as s

HOST = s.NOVA_COMPUTE_HOST


def provider_name():
    """The fake driver names its node after nova.conf's ``host``."""
    return HOST


def nova_conf(p, sec, virt):
    return {
        'DEFAULT': {
            'compute_driver': 'lab_fake.LabFakeDriver',
            'host': HOST,
            # The fake guest stops at once; a short timeout keeps Nova's
            # own waits short too.
            'shutdown_timeout': 5,
        },
        'serial_console': {'enabled': True},
        # The fake guests' console (lab/labkit/console_proxies.py).
        'lab_fake_console': {'host': s.HOST,
                             'serial_port': s.PORTS['lab-guest-serial'],
                             'vnc_port': s.PORTS['lab-guest-vnc']},
    }


class FakeCompute(svc.NovaProcess):
    role = 'compute'
    name = binary = 'nova-compute'
    ready_timeout = 240

    def argv(self):
        # The lab's launcher: Nova loads drivers only from nova.virt.
        return [self.cloud_bin('python'), '-m', 'ios_lab_plugins.compute',
                '--config-file',
                os.path.join(self.p.etc_of('nova'), 'nova.conf')]

    def extra_fingerprint(self):
        return self.lab.plugins_digest

    def ready(self):
        return self.lab.compute_ready(self.record())


def services(lab):
    return [FakeCompute(lab)]
