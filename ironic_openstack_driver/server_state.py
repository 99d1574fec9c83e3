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

"""What a Nova server's state means for Ironic, and what to do about it.

Pure functions over (vm_state, task_state, power_state): the power state
Ironic sees, and the next Nova action that brings a server towards a goal.
Nova refuses most actions in most states (409), so the one table of what is
legal where lives here, next to the mapping of states; the I/O loop that
applies these decisions is in ironic_openstack_driver.converge.

The node is on when its guest runs (power_state RUNNING), as on a real
machine, or when the hypervisor paused it (below). A boot (power on of a
node that is off, or any reboot) boots the node's boot device (PXE: Nova
rescue with the iPXE image; CDROM: Nova rescue with the node's virtual
media ISO, in the PXE column below; DISK: the server's own disk) and ends
with the guest running from it; power on of a node that is on does
nothing. What each state reads as, and the Nova actions of a boot:

==========================  =====  =======================  ===============
vm_state (guest)            reads  boot into PXE            boot into DISK
==========================  =====  =======================  ===============
active (running)            on     rescue                   reboot HARD
                                                            (SOFT if soft)
active (guest shut down)    off    rescue                   reboot HARD
stopped                     off    rescue                   os-start
rescued (running)           on     unrescue, rescue         unrescue
rescued (guest off)         off    unrescue, rescue         unrescue
paused                      off    unpause, rescue          reboot HARD
suspended                   off    resume, rescue           reboot HARD
shelved(_offloaded)         off    unshelve, rescue         unshelve
error                       error  rescue                   reboot HARD
active (hypervisor paused)  on     rescue                   reboot HARD
rescued (hypervisor paused) on     unrescue, rescue         unrescue
active (guest not found)    error  rescue                   reboot HARD
rescued (guest not found)   error  unrescue, rescue         unrescue
==========================  =====  =======================  ===============

Power off is os-stop from active and error, unrescue then os-stop from
rescued with the guest running (or paused by the hypervisor), and nothing
in every other state.

Decisions for the states a bare-metal machine does not have:

* rescued with the guest off is off; power off leaves it so (Nova can
  only unrescue, which would boot the tenant's disk just to stop it).
  Nova allows nothing but unrescue there, so a boot into PXE is unrescue,
  then rescue again: the disk runs for the length of one graceful stop.
* paused reads off: the guest's CPUs do not run, and Ironic's power
  sync and its "already in that state" check must let a power on through.
  Power off leaves it paused; a boot is a fresh one (hard reboot) for
  DISK, and for PXE unpause then rescue (rescue is refused in paused).
* suspended reads off; power off leaves it; a boot into DISK is a hard
  reboot (a fresh boot, not a resume of the old guest's memory), into PXE
  resume then rescue (rescue is refused in suspended).
* shelved and shelved_offloaded read off; power off leaves them; unshelve
  is the only way out and boots the disk, then rescue for PXE.
* error reads as Ironic's error state; power off is os-stop, power on a
  hard reboot or a rescue, both allowed there.
* a guest the hypervisor paused under a server Nova shows active or
  rescued (power_state PAUSED: libvirt pauses a guest on an I/O error, as
  ``virsh suspend`` does) reads on: its power is on, only its CPUs stop,
  like a hung machine (virtualbmc and sushy-tools report a paused libvirt
  domain on too). Nova's own power sync ignores it on purpose, and
  Ironic's, finding the node as recorded, never reboots, stops or starts
  it. Power on does nothing; power off is os-stop (unrescue first when
  rescued); a reboot is a hard one (no ACPI reboot of frozen CPUs), or a
  rescue for PXE.
* a guest the hypervisor does not find under a server Nova shows active
  or rescued (power_state NOSTATE: the compute restarting, a domain
  removed behind Nova's back) reads as Ironic's error state: Nova cannot
  tell, and ignores it too. Ironic's power sync then neither forces nor
  records a state; after [conductor]power_state_sync_max_retries failed
  reads it puts the node into maintenance (fault "power failure"), and
  its power failure recovery takes it out once Nova finds the guest.
  Power on is a hard reboot (rescue for PXE), power off os-stop.
"""

import enum

from ironic.common import boot_devices
from ironic.common import states

# OS-EXT-STS:power_state values (nova.compute.power_state).
NOSTATE = 0
RUNNING = 1
PAUSED = 3
SHUTDOWN = 4
CRASHED = 6
SUSPENDED = 7

# By power_state, for a server in any vm_state but those of
# RUNNING_VM_STATES (see power_state()).
GET_POWER_STATE_MAP = {
    NOSTATE: states.POWER_OFF,
    RUNNING: states.POWER_ON,
    # Nova's pause: the guest's CPUs do not run (see the module docstring).
    PAUSED: states.POWER_OFF,
    SHUTDOWN: states.POWER_OFF,
    CRASHED: states.POWER_OFF,
    SUSPENDED: states.POWER_OFF,
}

# OS-EXT-STS:vm_state values (nova.compute.vm_states).
ACTIVE = 'active'
BUILDING = 'building'
PAUSED_VM = 'paused'
SUSPENDED_VM = 'suspended'
STOPPED = 'stopped'
RESCUED = 'rescued'
RESIZED = 'resized'
SOFT_DELETED = 'soft-delete'
DELETED = 'deleted'
ERROR = 'error'
SHELVED = 'shelved'
SHELVED_OFFLOADED = 'shelved_offloaded'

GONE_VM_STATES = frozenset([DELETED, SOFT_DELETED])
# vm_states in which Nova means the guest to run. There the hypervisor's
# PAUSED and NOSTATE are not Nova's doing, and Nova's own power sync
# (ComputeManager._sync_instance_power_state) ignores them.
RUNNING_VM_STATES = frozenset([ACTIVE, RESCUED])
# What power_state those two read as in RUNNING_VM_STATES.
UNEXPECTED_POWER_STATES = {
    PAUSED: states.POWER_ON,
    NOSTATE: states.ERROR,
}
# Off for good until asked: no guest runs and no action of ours is needed.
OFF_VM_STATES = frozenset([STOPPED, SUSPENDED_VM, SHELVED, SHELVED_OFFLOADED,
                           PAUSED_VM])

PXE = boot_devices.PXE
CDROM = boot_devices.CDROM
DISK = boot_devices.DISK
#: Boot devices that are a Nova rescue: PXE with the iPXE image, CDROM with
#: the node's virtual media ISO. Nova shows neither which rescue image a
#: rescued server runs, so a boot into one of them from the other is a
#: reboot (unrescue, rescue).
RESCUE_DEVICES = frozenset([PXE, CDROM])


# Nova task_states during which the guest's power is changing: what a
# power state read shows then is about to be wrong.
POWER_TASKS = frozenset([
    'powering-off', 'powering-on', 'rebooting', 'reboot_pending',
    'reboot_started', 'rebooting_hard', 'reboot_pending_hard',
    'reboot_started_hard', 'rescuing', 'unrescuing', 'pausing',
    'unpausing', 'suspending', 'resuming', 'shelving',
    'shelving_image_pending_upload', 'shelving_image_uploading',
    'shelving_offloading', 'unshelving'])


class Step(enum.Enum):
    """A Nova server action, or what to do instead of one."""

    DONE = 'done'
    WAIT = 'wait'              # a Nova task runs; watch the server
    START = 'os-start'
    STOP = 'os-stop'
    HARD_REBOOT = 'reboot HARD'
    SOFT_REBOOT = 'reboot SOFT'
    RESCUE = 'rescue'
    UNRESCUE = 'unrescue'
    UNPAUSE = 'unpause'
    RESUME = 'resume'
    UNSHELVE = 'unshelve'


class UnsupportedServerState(Exception):
    """The server is in a state the driver must not act on by itself."""


class ServerGone(Exception):
    """The server is deleted (or soft-deleted, waiting to be reclaimed)."""


def guest_running(server):
    """Whether the guest runs (Nova's power_state RUNNING)."""
    return server.power_state == RUNNING


def hypervisor_paused(server):
    """Whether the hypervisor paused the guest of a server meant to run.

    vm_state active or rescued with power_state PAUSED: not Nova's pause
    (that is vm_state paused), but libvirt's on an I/O error, or
    ``virsh suspend``.
    """
    return (server.vm_state in RUNNING_VM_STATES
            and server.power_state == PAUSED)


def is_on(server):
    """Whether the node reads on: its guest runs or the hypervisor paused it.

    Only for a server Nova means to run (vm_state active or rescued); a
    running guest in vm_state error reads as Ironic's error state.
    """
    return server.vm_state in RUNNING_VM_STATES and (
        server.power_state == RUNNING or hypervisor_paused(server))


def power_state(server):
    """The Ironic power state of a Nova server.

    Read from power_state, which Nova updates as soon as the hypervisor
    reports a change: a guest that shut itself down reads POWER_OFF before
    Nova's vm_state catches up, and a rescued guest that runs reads POWER_ON.
    In vm_state active or rescued, a guest the hypervisor paused reads
    POWER_ON and one it does not find (NOSTATE) ERROR: Ironic's power sync
    then leaves the server alone, as Nova's does (module docstring).

    :raises: ServerGone for a (soft-)deleted server.
    """
    if server.vm_state in GONE_VM_STATES:
        raise ServerGone(server.vm_state)
    if server.vm_state == ERROR:
        return states.ERROR
    if (server.vm_state in RUNNING_VM_STATES
            and server.power_state in UNEXPECTED_POWER_STATES):
        return UNEXPECTED_POWER_STATES[server.power_state]
    return GET_POWER_STATE_MAP.get(server.power_state, states.ERROR)


def power_changing(server):
    """Whether a Nova task that changes the guest's power still runs.

    Before deciding a new power action, wait for it: a guest still
    running while Nova stops it reads "on", and a power on decided on that
    read would do nothing while the server then goes off.
    """
    return server.task_state in POWER_TASKS


def sync_may_force(recorded, unfinished):
    """Whether Ironic's power sync may force its recorded power state.

    :param recorded: the node's power_state in Ironic's database.
    :param unfinished: the driver's last power action while it may be
        unfinished (kept in driver_internal_info), {'target': the power
        state asked, 'recorded': the node's power_state when asked}, or
        None.
    :returns: False while Ironic's record is still the one it had when
        that action was asked, and is not what it asked for: the action
        failed or timed out while Nova's task went on, and forcing the
        record would undo it (Ironic then records what the server shows).
        True once Ironic has recorded another state since.
    """
    if not isinstance(unfinished, dict):
        return True
    return not (recorded == unfinished.get('recorded')
                and recorded != unfinished.get('target'))


def booted_device(server):
    """The device a running server booted from: PXE when rescued."""
    return PXE if server.vm_state == RESCUED else DISK


def is_rescue(device):
    """Whether booting ``device`` is a Nova rescue (PXE or CDROM)."""
    return device in RESCUE_DEVICES


def _check_actionable(server):
    if server.vm_state in GONE_VM_STATES:
        raise ServerGone(server.vm_state)
    if server.vm_state == RESIZED:
        raise UnsupportedServerState(
            'the server waits for its resize to be confirmed or reverted')


def step_to_power_on(server, device, any_device=False):
    """Next action towards a running guest booted from ``device``.

    :param device: PXE, CDROM or DISK: the boot device to use if the
        server boots (PXE and CDROM are both a rescue).
    :param any_device: a running server counts as done whatever it booted
        from, as on a real machine that is already on (power on).
    :raises: UnsupportedServerState, ServerGone.
    """
    _check_actionable(server)
    vm = server.vm_state
    if server.task_state or vm == BUILDING:
        return Step.WAIT
    if is_on(server):
        if any_device or (vm == RESCUED) == is_rescue(device):
            return Step.DONE
        return Step.RESCUE if vm == ACTIVE else Step.UNRESCUE
    if vm == RESCUED:
        # The guest in the rescue image is off: only unrescue is allowed,
        # and it boots the disk; from there, rescue again if PXE is wanted
        # (the caller asks again with any_device=False).
        return Step.UNRESCUE
    if vm == PAUSED_VM:
        # Rescue is refused while paused: unpause first. DISK: a fresh boot.
        return Step.UNPAUSE if is_rescue(device) else Step.HARD_REBOOT
    if vm == SUSPENDED_VM:
        return Step.RESUME if is_rescue(device) else Step.HARD_REBOOT
    if vm in (SHELVED, SHELVED_OFFLOADED):
        return Step.UNSHELVE
    if is_rescue(device) and vm in (ACTIVE, STOPPED, ERROR):
        return Step.RESCUE
    if vm == STOPPED:
        return Step.START
    # ACTIVE with the guest off (it shut itself down and Nova has not
    # synced yet), or ERROR: os-start is refused there, a hard reboot
    # is allowed and boots the disk.
    return Step.HARD_REBOOT


def step_to_power_off(server):
    """Next action towards a server whose guest is off.

    :raises: UnsupportedServerState, ServerGone.
    """
    _check_actionable(server)
    vm = server.vm_state
    if server.task_state or vm == BUILDING:
        return Step.WAIT
    if vm in OFF_VM_STATES:
        return Step.DONE
    if vm == RESCUED and not is_on(server):
        # The rescue guest is off already (IPA powered it off in-band):
        # unrescue would boot the tenant's disk only to stop it again.
        return Step.DONE
    if vm in (ACTIVE, ERROR):
        # Also when the guest already shut itself down: os-stop brings
        # Nova's vm_state in line, so that os-start works later.
        return Step.STOP
    if vm == RESCUED:
        # Nova cannot stop a rescued server: unrescue (it boots the disk)
        # and stop on the next round.
        return Step.UNRESCUE
    raise UnsupportedServerState('vm_state %s' % vm)


def step_to_reboot(server, device, soft=False):
    """The action that restarts a running guest into ``device``.

    Returns None when the node is not on (nothing to restart: a reboot
    then is a power on) or while a Nova task runs. A guest the hypervisor
    paused is restarted too, with a hard reboot (its CPUs cannot take an
    ACPI reboot).
    """
    _check_actionable(server)
    if server.task_state or not is_on(server):
        return None
    if server.vm_state == RESCUED:
        # Hard reboot is refused in RESCUED; leaving rescue is the restart.
        return Step.UNRESCUE
    if is_rescue(device):
        return Step.RESCUE
    if soft and guest_running(server):
        return Step.SOFT_REBOOT
    return Step.HARD_REBOOT


def is_locked_refusal(reason):
    """Whether Nova's 409 says the server is locked.

    Nova's check_instance_lock answers "Instance <uuid> is locked".
    """
    return bool(reason) and str(reason).rstrip('.').endswith('is locked')
