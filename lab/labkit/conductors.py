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

"""A second ironic-conductor, on the lab's Ironic database and message bus.

The lab's ``ironic`` process is Ironic's all-in-one (API and a conductor
with host name ``lab-ironic``). ``labctl conductor add`` starts beside it
an ``ironic-conductor`` process with host name ``lab-ironic-2``: the same
``ironic.conf`` (MariaDB database ``ironic``, RabbitMQ, hash ring reset
every 5 s, heartbeat timeout 20 s) plus ``ironic-conductor-2.conf``, which
sets only its host name. Ironic's hash ring then spreads the nodes over
both; ``kill`` ends it with SIGKILL (no clean deregistration), so that the
other conductor takes its nodes over once its heartbeat is 20 s old.
``up`` never starts it, and its absence does not make the lab "not
running"; ``down`` stops it.
"""

import os
import signal
import time

from labkit import configs
from labkit import procs
from labkit import services
from labkit import settings as s


class SecondConductor(services.Service):
    name = 'ironic-conductor-2'
    optional = True
    ready_timeout = 120

    def conf_files(self):
        etc = self.p.etc_of('ironic')
        return [os.path.join(etc, 'ironic.conf'),
                os.path.join(etc, configs.SECOND_CONDUCTOR_CONF)]

    def argv(self):
        argv = [self.p.venv_bin(self.p.ironic_venv, 'ironic-conductor')]
        for path in self.conf_files():
            argv += ['--config-file', path]
        return argv

    def config_files(self):
        return self.conf_files()

    def ready(self):
        """Registered, online, with a heartbeat newer than its start."""
        record = self.record()
        if not record:
            return False
        return conductor_online(self.lab, s.SECOND_IRONIC_HOST,
                                since=record['started_at'])


def conductor_online(lab, host, since=0.0):
    """Whether Ironic's conductors table has ``host`` online and beating.

    :param since: a UNIX time the last heartbeat must be newer than.
    """
    out = lab.by_name['mariadb'].sql(
        "SET time_zone = '+00:00'; "
        "SELECT online, UNIX_TIMESTAMP(COALESCE(updated_at, created_at)) "
        "FROM ironic.conductors WHERE hostname = '%s'" % host).split()
    return (len(out) == 2 and out[0] == '1'
            and float(out[1]) + 1 >= since)


def add(lab):
    """(Re)start the second conductor with today's code and files.

    :returns: its PID record.
    """
    svc = lab.by_name[SecondConductor.name]
    if svc.stop():
        lab.say('stopped the running %s' % svc.name)
    lab.write_configs()
    svc.start()
    svc.wait_ready()
    lab.say('%s (host %s) is online' % (svc.name, s.SECOND_IRONIC_HOST))
    return svc.record()


def kill(lab):
    """SIGKILL the second conductor (no deregistration); True if it ran."""
    svc = lab.by_name[SecondConductor.name]
    record = svc.record()
    if not record:
        return False
    procs.signal_group(record['pid'], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and procs.group_pids(record['pid']):
        time.sleep(0.1)
    lab.say('killed %s (pid %d)' % (svc.name, record['pid']))
    return True


def remove(lab):
    """Stop the second conductor cleanly (it deregisters)."""
    return lab.by_name[SecondConductor.name].stop()
