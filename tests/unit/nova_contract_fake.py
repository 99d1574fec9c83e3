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

"""FakeNova as a backend of tests/nova_contract.py.

The member of the servers' project and an admin of another project (as
in the lab: project demo and project admin) on one FakeCloud, which
switches credentials for each call.
"""

import contextlib

from tests.unit import fake_cloud


class _As:
    """FakeNova's compute proxy as the member or as an admin."""

    def __init__(self, nova, admin):
        self._nova, self._admin = nova, admin
        # The lab's admin is of another project than the servers'.
        self._project = nova.OTHER_PROJECT_ID if admin else nova.PROJECT_ID

    def __getattr__(self, name):
        call = getattr(self._nova.compute, name)

        def as_them(*args, **kwargs):
            self._nova.admin = self._admin
            self._nova.project_id = self._project
            return call(*args, **kwargs)
        return as_them


class FakeBackend:
    """FakeNova (FakeCloud: servers with flavors) with both credentials."""

    def __init__(self, nova=None):
        nova = nova or fake_cloud.FakeCloud()
        self.nova = nova
        self.member = _As(nova, False)
        self.admin = _As(nova, True)
        self.rescue_image = nova.add_image('ipxe', hw_rescue_device='cdrom',
                                           hw_rescue_bus='sata').id

    def server(self, volume_backed=False):
        return self.nova.add_server(
            name='contract-%d' % len(self.nova.servers),
            **({'image_id': ''} if volume_backed else {})).id

    def plain_image(self):
        return self.nova.add_image('plain').id

    @contextlib.contextmanager
    def microversion(self, version):
        self.nova.compute.default_microversion = version
        try:
            yield
        finally:
            self.nova.compute.default_microversion = None

    def deleted_image(self):
        image = self.nova.add_image('gone')
        self.nova.delete_image(image)
        return image.id

    @contextlib.contextmanager
    def task_running(self, server_id, start):
        # An action whose end nobody has read yet: its task still runs.
        start(server_id)
        yield

    def pause(self):
        pass
