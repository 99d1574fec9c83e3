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

"""The servers of tests/unit/fake_nova.FakeNova, and Nova's views of them.

Nova's vm_state/task_state rules (nova/compute/api.py, summarised in
shared/reference/facts.md) as tables, a FakeClock, and FakeServer: one
server's state, shown as Nova shows it at a microversion and to
credentials whose policy allows what (by Nova's default policy, the host
``OS-EXT-SRV-ATTR:host`` and, from microversion 2.16, ``host_status`` to
admins only; ``locked`` from 2.9; the standard image properties Nova kept
from 2.98), with the status (ACTIVE, SHUTOFF, RESCUE, ERROR, ...) Nova's
API derives from vm_state and task_state.
"""

import time

from keystoneauth1 import discover
from openstack.compute.v2 import server as sdk_server

ACTIVE, STOPPED, RESCUED, ERROR = 'active', 'stopped', 'rescued', 'error'
PAUSED, SUSPENDED, RESIZED = 'paused', 'suspended', 'resized'
SHELVED, SHELVED_OFFLOADED = 'shelved', 'shelved_offloaded'
RUNNING, SHUTDOWN = 1, 4
# power_state of a guest the hypervisor paused (libvirt on an I/O error,
# virsh suspend) or does not find, under a server Nova means to run.
GUEST_PAUSED, NOSTATE = 3, 0

# action -> (vm_states Nova allows, task_state while it runs,
#            vm_state and power_state at the end)
ACTIONS = {
    'os-start': ({STOPPED}, 'powering-on', ACTIVE, RUNNING),
    'os-stop': ({ACTIVE, ERROR}, 'powering-off', STOPPED, SHUTDOWN),
    'reboot SOFT': ({ACTIVE}, 'reboot_started', ACTIVE, RUNNING),
    'reboot HARD': ({ACTIVE, STOPPED, PAUSED, SUSPENDED, ERROR},
                    'reboot_started_hard', ACTIVE, RUNNING),
    'rescue': ({ACTIVE, STOPPED, ERROR}, 'rescuing', RESCUED, RUNNING),
    'unrescue': ({RESCUED}, 'unrescuing', ACTIVE, RUNNING),
    'unpause': ({PAUSED}, 'unpausing', ACTIVE, RUNNING),
    'resume': ({SUSPENDED}, 'resuming', ACTIVE, RUNNING),
    'unshelve': ({SHELVED, SHELVED_OFFLOADED}, 'unshelving', ACTIVE,
                 RUNNING),
}
# task_states in which Nova accepts an action: none running, except for a
# hard reboot (nova/compute/task_states.py ALLOW_REBOOT: it overrides a
# soft reboot, a resume, a pause or an unpause that hangs) and a change
# of metadata (None: whatever task runs; update_instance_metadata's
# check_instance_state(task_state=None) checks no task).
TASKS_ALLOWED = {
    'reboot HARD': {None, 'rebooting', 'reboot_pending', 'reboot_started',
                    'resuming', 'rebooting_hard', 'unpausing', 'pausing',
                    'suspending'},
    'update metadata': None,
}
CRASH_DUMP_STATES = {ACTIVE, PAUSED, RESCUED, RESIZED, ERROR}
# vm_states in which Nova changes server metadata.
METADATA_STATES = {ACTIVE, PAUSED, SUSPENDED, STOPPED}
# Actions during which Nova's compute shuts a running guest down cleanly.
GRACEFUL_STOPS = {'os-stop', 'rescue'}
# nova.conf [DEFAULT]shutdown_timeout.
COMPUTE_SHUTDOWN_TIMEOUT = 60
# Seconds a guest that honours ACPI takes to shut down.
ACPI_SHUTDOWN_SECONDS = 2
# Seconds beyond the clean shutdown wait until an ACPI-deaf guest is off
# (the destroy; measured 61.3 s for a 60 s wait, 6.8 s for 5 s).
FORCE_OFF_SECONDS = 1.5
# The standard image properties Nova 2.98 embeds (ImageMetaProps fields);
# os_shutdown_timeout is not one of them.
EMBEDDED_PROPERTIES = {'hw_firmware_type', 'hw_machine_type',
                       'hw_rescue_device', 'hw_rescue_bus',
                       'hw_architecture', 'os_distro', 'os_secure_boot'}


# Nova's API status of a vm_state, and where a task_state changes it
# (nova/api/openstack/common.py _STATE_MAP, the states the fake uses).
STATUS = {
    ACTIVE: ('ACTIVE', {'reboot_started': 'REBOOT',
                        'reboot_started_hard': 'HARD_REBOOT'}),
    STOPPED: ('SHUTOFF', {}), RESCUED: ('RESCUE', {}),
    ERROR: ('ERROR', {}), PAUSED: ('PAUSED', {}),
    SUSPENDED: ('SUSPENDED', {}), RESIZED: ('VERIFY_RESIZE', {}),
    SHELVED: ('SHELVED', {}), SHELVED_OFFLOADED: ('SHELVED_OFFLOADED', {}),
    'building': ('BUILD', {}), 'deleted': ('DELETED', {}),
    'soft-delete': ('SOFT_DELETED', {}),
}
# Compute host of a new server.
COMPUTE_HOST = 'compute-1'


def at_least(microversion, version):
    """Whether a request's microversion is ``version`` or later."""
    return discover.version_between(version, None, microversion)


class FakeClock:
    """time.monotonic and time.sleep of a test, without real waiting."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class FakeServer:
    """One server's state in the fake Nova.

    Setting a state field or the name stamps updated_at (wall clock, like
    Nova's TimestampMixin), which changes-since listings filter on.
    """

    STATE_FIELDS = ('vm_state', 'power_state', 'task_state', 'image_id',
                    'deleted', 'name')

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        if name in self.STATE_FIELDS:
            super().__setattr__('updated_at', time.time())

    def __init__(self, server_id, name, vm_state=ACTIVE, power_state=RUNNING,
                 task_state=None, image_id='disk-image-id'):
        self.id = server_id
        self.name = name
        self.vm_state = vm_state
        self.power_state = power_state
        self.task_state = task_state
        self.image_id = image_id
        self.rescue_image = None
        self.pending = None   # (reads left, vm_state, power_state)
        self.deleted = False
        self.ready_at = None  # FakeClock time the pending task ends
        # False, or who locked it (Nova's locked_by): 'owner' (or True),
        # 'admin' (credentials of another project).
        self.locked = False
        # Properties Nova copied from the image at build time (system
        # metadata): they outlive the image in Glance. None: those of
        # image_id as uploaded to the FakeNova.
        self.image_properties = None
        self.ignores_acpi = False
        self.halt_after = None   # reads until the guest powers itself off
        # Shown to admins only (OS-EXT-SRV-ATTR:host), as is the
        # host_status (FakeNova.host_status, from its compute services);
        # '': no host.
        self.compute_host = COMPUTE_HOST
        self.metadata = {}
        # The server's project; None: the FakeNova's (its credentials').
        self.project_id = None

    def halt(self, after_reads=0):
        """The guest powers itself off (IPA's in-band power off, a halt).

        Nova learns it from the hypervisor only later (libvirt delays the
        event by 15 s): ``after_reads`` reads still show the guest running.
        """
        if after_reads:
            self.halt_after = after_reads
        else:
            self.power_state = SHUTDOWN

    def shutdown_timeout(self, kept):
        """Nova's clean shutdown wait for this server's guest."""
        value = kept.get('os_shutdown_timeout')
        return int(value) if value is not None else COMPUTE_SHUTDOWN_TIMEOUT

    @property
    def status(self):
        """The status Nova's API shows (ACTIVE, SHUTOFF, RESCUE, ...)."""
        default, by_task = STATUS[self.vm_state]
        return by_task.get(self.task_state, default)

    def as_sdk(self, microversion='2.1', kept=None, admin=False,
               host_status=None):
        """The server as openstacksdk reads it at ``microversion``.

        :param admin: the credentials pass Nova's admin-only policies.
        :param host_status: Nova's host_status of the server's host.
        """
        body = self.as_nova(microversion, kept, admin, host_status)
        return sdk_server.Server.existing(
            id=self.id, name=self.name, status=body['status'],
            vm_state=self.vm_state, task_state=self.task_state,
            power_state=self.power_state,
            is_locked=body.get('locked', False), image=body['image'],
            microversion=microversion,
            compute_host=body.get('OS-EXT-SRV-ATTR:host'),
            host_status=body.get('host_status'),
            metadata=dict(self.metadata))

    def as_nova(self, microversion='2.1', kept=None, admin=False,
                host_status=None):
        """The server as Nova's server view shows it (a GET, a listing).

        :param kept: the image properties Nova kept (shown from 2.98).
        :param admin: the credentials pass Nova's admin-only policies
            (os-extended-server-attributes, servers:show:host_status).
        :param host_status: Nova's host_status of the server's host.
        """
        image = ''
        if self.image_id:
            image = {'id': self.image_id, 'links': []}
            if at_least(microversion, (2, 98)):
                image['properties'] = {
                    k: v for k, v in (kept or {}).items()
                    if k in EMBEDDED_PROPERTIES}
        body = {'id': self.id, 'name': self.name,
                'status': 'DELETED' if self.deleted else self.status,
                'OS-EXT-STS:vm_state': self.vm_state,
                'OS-EXT-STS:task_state': self.task_state,
                'OS-EXT-STS:power_state': self.power_state,
                'image': image, 'metadata': dict(self.metadata)}
        if at_least(microversion, (2, 9)):
            body['locked'] = bool(self.locked)
        if admin:
            body['OS-EXT-SRV-ATTR:host'] = self.compute_host or None
            if at_least(microversion, (2, 16)):
                body['host_status'] = host_status or ''
        return body
