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

The backend ``Fake`` runs K fake hosts (``up --compute-hosts K``):
the first is ``nova-compute`` with nova.conf's ``host`` (lab-compute);
host *i* > 1 is ``nova-compute-<i>``, host ``lab-compute-<i>``, with its
own log and PID file and a small ``compute-<i>.conf`` read after
nova.conf. That file overrides ``host`` and ``state_path``: Nova keeps the
compute node's UUID in ``<state_path>/compute_id``, which two hosts must
not share.
"""

import os

from labkit import console_proxies
from labkit import nova
from labkit import settings as s
from labkit import writers

HOST = s.NOVA_COMPUTE_HOST


def host_name(index):
    """The ``host`` of fake compute host ``index`` (1-based)."""
    return HOST if index == 1 else '%s-%d' % (HOST, index)


def service_name(index):
    """The lab's name (log, PID file, status) of compute host ``index``."""
    return 'nova-compute' if index == 1 else 'nova-compute-%d' % index


def host_conf_path(p, index):
    return os.path.join(p.etc_of('nova'), 'compute-%d.conf' % index)


def host_state_path(p, index):
    """Host 1 keeps nova.conf's state_path; the others one of their own."""
    return os.path.join(p.data_of('nova'), 'hosts', host_name(index))


def host_conf(p, index):
    """The text of ``compute-<index>.conf`` (hosts after the first)."""
    return writers.ini({'DEFAULT': {
        'host': host_name(index),
        'state_path': host_state_path(p, index)}})


def write_host_configs(p, count):
    """Write the override files of hosts 2..count (before fingerprints)."""
    for index in range(2, count + 1):
        os.makedirs(host_state_path(p, index), exist_ok=True)
        writers.write(host_conf_path(p, index), host_conf(p, index))


def nova_conf():
    """The fast backend's nova.conf sections."""
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


class FakeCompute(nova.NovaCompute):
    """Fake compute host ``index`` (1-based).

    The fake driver names its resource provider after its ``host``.
    """

    def __init__(self, ctx, index=1):
        super().__init__(ctx)
        self.index = index
        self.name = service_name(index)
        self.host = host_name(index)

    def _own_conf(self):
        return [] if self.index == 1 else [host_conf_path(self.p,
                                                          self.index)]

    def argv(self):
        # The lab's launcher: Nova loads drivers only from nova.virt.
        argv = [self.cloud_bin('python'), '-m', 'ios_lab_plugins.compute',
                '--config-file',
                os.path.join(self.p.etc_of('nova'), 'nova.conf')]
        for path in self._own_conf():
            argv += ['--config-file', path]
        return argv

    def config_files(self):
        return super().config_files() + self._own_conf()


class Fake:
    """The fast compute backend: ``hosts`` fake nova-compute hosts.

    :param hosts: how many (``up --compute-hosts K``).
    """

    virt = 'fake'

    def __init__(self, hosts=1):
        self.hosts = hosts

    def services(self, ctx):
        return [FakeCompute(ctx, index) for index in range(1, self.hosts + 1)]

    def console_services(self, ctx):
        """No QEMU serves a fake guest's console: the lab's process does."""
        return [console_proxies.LabGuestConsole(ctx)]

    def nova_conf(self, p, sec):
        return nova_conf()

    def write_configs(self, p):
        write_host_configs(p, self.hosts)

    def install(self, ctx, log):
        """Nothing beyond the cloud venv."""

    def check(self, ctx, images, log):
        """Nothing to check: no guest boots."""

    def before_fresh_start(self, ctx):
        """The fake guests live in nova-compute's memory: nothing to do."""
