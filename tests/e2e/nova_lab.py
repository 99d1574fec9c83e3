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

"""The lab's Nova as a backend of tests/nova_contract.py, and its hosts.

``LabBackend``: the member (project demo, clouds.yaml entry ``lab``) and
the project admin (``lab-project-admin``) of the fast lab, acting on
servers the member creates; ``paused_compute``: a compute host of the lab
whose nova-compute stops answering (SIGSTOP, ``labctl fault pause``) for
the block, and runs again (SIGCONT) when the block ends, however it ends.
"""

import contextlib
import time

import openstack.config

from tests.e2e import cli
from tests import lab_runs


def compute_service(host):
    """The lab service of a Nova compute host: lab-compute[-i]."""
    prefix = 'lab-compute'
    if host == prefix:
        return 'nova-compute'
    if host and host.startswith(prefix + '-'):
        return 'nova-compute' + host[len(prefix):]
    raise AssertionError('%r is not a compute host of the lab' % host)


def _fault(action, service):
    result = lab_runs.labctl('fault', action, service)
    if result.returncode != 0:
        raise AssertionError('labctl fault %s %s failed (exit %d):\n%s' % (
            action, service, result.returncode, result.stdout))


@contextlib.contextmanager
def paused_compute(host):
    """nova-compute of ``host`` stopped (SIGSTOP) while the block runs.

    Its heartbeat stops: after Nova's service_down_time (60 s) the host
    reads down. SIGSTOP keeps the fake compute's guests, which a restart
    would lose (lab/README.rst "Fresh Nova on every Nova start").
    """
    service = compute_service(host)
    _fault('pause', service)
    try:
        yield service
    finally:
        _fault('resume', service)


def credentials(lab, cloud_key):
    """Inline driver_info credentials of a clouds.yaml entry of the lab."""
    config = openstack.config.OpenStackConfig(
        config_files=[lab['clouds_yaml']]).get_one(lab[cloud_key])
    auth = config.auth
    return {'openstack_auth_url': auth['auth_url'],
            'openstack_username': auth['username'],
            'openstack_password': auth['password'],
            'openstack_project_name': auth['project_name']}


class LabBackend:
    """The lab's Nova with a member's and an admin's credentials."""

    def __init__(self, lab, member_conn, admin_conn):
        self.lab = lab
        self.member_conn = member_conn
        self.member = member_conn.compute
        self.admin = admin_conn.compute
        self.rescue_image = lab['rescue_image']
        self.servers = []
        self.images = []

    def server(self):
        name = 'contract-%d-%d' % (time.monotonic_ns(), len(self.servers))
        server = cli.create_server(self.member_conn, self.lab, name)
        self.servers.append(server.id)
        return server.id

    def deleted_image(self):
        image = self.member_conn.image.create_image(
            name='contract-gone', data=b'\0' * 512, disk_format='raw',
            container_format='bare')
        self.member_conn.image.delete_image(image)
        return image.id

    @contextlib.contextmanager
    def task_running(self, server_id, start):
        # An action Nova's API accepted (``start(server_id)``) and sent to
        # a compute that does not answer: its task runs until the compute
        # resumes.
        host = self.admin.get_server(server_id).compute_host
        with paused_compute(host):
            start(server_id)
            yield

    def pause(self):
        time.sleep(cli.POLL_SECONDS)

    def cleanup(self):
        for server_id in self.servers:
            try:
                self.admin.unlock_server(server_id)
            except Exception:   # already unlocked, or gone
                pass
            self.admin.delete_server(server_id, ignore_missing=True)
