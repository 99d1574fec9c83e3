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

"""Bring a Nova server to a goal state, one legal Nova action at a time.

Each round reads the server, asks a goal for the next step (the rules of
what Nova allows where are in server_state), acts, and watches the server
again: every FIRST_POLL_INTERVAL for the first FAST_POLLS reads, while a
quick Nova transition is likely to end, then backing off. A 409 from Nova (a
task still runs, or the state changed under us) is not a failure: the next
read shows what happened and the goal decides anew. Nothing sleeps a fixed
time.
"""

import time

from oslo_log import log

from ironic.common import exception
from ironic.common.i18n import _

from ironic_openstack_driver import boot_device
from ironic_openstack_driver.caches import CACHES
from ironic_openstack_driver import client as os_client
from ironic_openstack_driver.conf import CONF
from ironic_openstack_driver import driver_info as os_info
from ironic_openstack_driver import microversions
from ironic_openstack_driver import server_state
from ironic_openstack_driver.server_state import Step

LOG = log.getLogger(__name__)

FIRST_POLL_INTERVAL = 0.1
# Reads at FIRST_POLL_INTERVAL after each accepted action (about 1.5 s)
# before the interval grows by POLL_BACKOFF up to
# [openstack]state_poll_max_interval.
FAST_POLLS = 15
POLL_BACKOFF = 1.5
# How often Nova may accept the same action without the server getting
# anywhere before the driver gives up (a failing rescue, say).
MAX_ATTEMPTS_PER_STEP = 3
# How often Nova may refuse (409) the same action in the same, settled
# server state before the refusal counts as Nova's answer, not a race.
MAX_REFUSALS_PER_STATE = 3
# Seconds Ironic's power timeout should leave beyond Nova's graceful stop
# wait (the API call, the compute's RPC, our polling).
STOP_MARGIN = 10
# Actions for which Nova shuts a running guest down cleanly first, waiting
# for it up to the server's os_shutdown_timeout.
GRACEFUL_STOPS = frozenset([Step.STOP, Step.RESCUE])
# What caches.CACHES.warned holds for a slow graceful stop reported.
_SLOW_STOP = 'slow graceful stop'

# Nova's compute waits for a clean shutdown of the guest in these tasks.
_SLOW_TASK_HINTS = {
    task: _(' (Nova still waits for the guest to shut down cleanly, up to '
            'the os_shutdown_timeout of the image the server was built from '
            'or the compute\'s shutdown_timeout: see the driver\'s warning '
            'in the conductor log)')
    for task in ('powering-off', 'rescuing', 'shelving')}
# Nova's [DEFAULT]shutdown_timeout default.
DEFAULT_SHUTDOWN_TIMEOUT = 60


class PowerOn:
    """Goal: the guest runs; when it must boot, it boots ``device``.

    A guest found running is left alone, whatever it booted from (a real
    machine that is on stays on). Once Nova has accepted an action, the
    server is booting, and the goal is reached only when it runs from
    ``device``: a rescued server whose guest is off can only be unrescued,
    which boots the disk, so PXE then takes a rescue too.

    ``booted`` says, once the goal is reached, whether the node booted
    ``device`` on the way (every action of this goal is a boot, and it
    ends only with the guest running from ``device``): a one-time boot
    device is then used up. ``acted``: Nova accepted an action.
    """

    def __init__(self, device, any_device=True):
        self.device = device
        self.any_device = any_device
        self.acted = self.booted = False

    def next_step(self, server):
        return server_state.step_to_power_on(server, self.device,
                                             any_device=self.any_device)

    def accepted(self, step):
        self.any_device = False
        self.acted = self.booted = True


class PowerOff:
    """Goal: the guest is off and Nova's vm_state says so.

    It never boots the node's boot device (``booted`` stays False): from
    rescue, Nova's unrescue runs the disk only on the way to stopping it,
    so a pending one-time boot device stays for the next boot.
    """

    booted = False

    def __init__(self):
        self.acted = False

    def next_step(self, server):
        return server_state.step_to_power_off(server)

    def accepted(self, step):
        self.acted = True


class Reboot(PowerOn):
    """Goal: the guest restarted (or started) and runs from ``device``."""

    def __init__(self, device, soft=False):
        super().__init__(device, any_device=False)
        self.soft = soft
        self.restarted = False

    def next_step(self, server):
        if not self.restarted:
            if server.task_state:
                return Step.WAIT
            kick = server_state.step_to_reboot(server, self.device,
                                               soft=self.soft)
            if kick is not None:
                return kick
            self.restarted = True   # not running: a reboot is a power on
        return super().next_step(server)

    def accepted(self, step):
        super().accepted(step)
        self.restarted = True


def _rescue_image(client, server, device):
    """UUID of the image a rescue into ``device`` boots.

    PXE: the iPXE rescue image for the server's boot mode; CDROM: the
    node's virtual media ISO, uploaded by the openstack-virtual-media boot
    interface.
    """
    microversions.check_boot_device(client, server, device)
    if device == server_state.CDROM:
        image = boot_device.vmedia_image(client.node)
        if not image:
            raise exception.MissingParameterValue(
                _('Node %s: boot device CDROM needs the node\'s virtual '
                  'media ISO, which only the boot interface '
                  'openstack-virtual-media uploads (while it prepares the '
                  'agent\'s boot); none is recorded.') % client.node.uuid)
        return image
    mode = client.boot_mode(server)
    ref = os_info.rescue_image_for(client.info, mode)
    if not ref:
        raise exception.MissingParameterValue(
            _('Node %(node)s: boot device PXE needs a rescue image: set '
              'driver_info openstack_rescue_image or %(option)s in '
              'ironic.conf.') % {
                  'node': client.node.uuid,
                  'option': ('[openstack]uefi_rescue_image' if mode == 'uefi'
                             else '[openstack]rescue_image')})
    return client.image_id(ref)


def _warn_slow_stop(client, server, timeout):
    """Say once per server when Nova's graceful stop can outlast Ironic's.

    A guest that ignores ACPI (iPXE, a blank disk) takes Nova's whole wait,
    longer than Ironic's power timeout.
    """
    wait, source = client.shutdown_timeout(server)
    if wait is None:
        wait, source = DEFAULT_SHUTDOWN_TIMEOUT, _(
            '%s; Nova then waits [DEFAULT]shutdown_timeout of the compute, '
            '60 s unless the cloud changed it') % source
    if wait + STOP_MARGIN <= timeout or not CACHES.warned.add(
            (_SLOW_STOP, server.id, wait)):
        return
    LOG.warning('Node %(node)s: Nova stops server %(server)s gracefully, '
                'waiting up to %(wait)s s for a guest that ignores ACPI '
                '(%(source)s), and Ironic waits %(timeout)s s for the power '
                'action: it fails when the guest does not shut down. Build '
                'the servers from an image with a short os_shutdown_timeout '
                '(10 s, say: openstack image set --property '
                'os_shutdown_timeout=10 IMAGE; it counts for servers '
                'created afterwards) or raise [conductor]'
                'power_state_change_timeout above %(needed)s s.',
                {'node': client.node.uuid, 'server': server.id, 'wait': wait,
                 'source': source, 'timeout': timeout,
                 'needed': wait + STOP_MARGIN})


def _refused(node, server, step, reason):
    return exception.DriverOperationError(
        driver=os_client.DRIVER,
        reason=_('node %(node)s: Nova refused %(step)s %(count)d times '
                 'while server %(server)s stayed in vm_state %(vm)s, '
                 'power_state %(power)s: %(reason)s') % {
                     'node': node.uuid, 'step': step.value,
                     'count': MAX_REFUSALS_PER_STATE, 'server': server.id,
                     'vm': server.vm_state, 'power': server.power_state,
                     'reason': reason})


def _stuck(node, server, step):
    fault = (getattr(server, 'fault', None) or {}).get('message')
    return exception.DriverOperationError(
        driver=os_client.DRIVER,
        reason=_('node %(node)s: Nova accepted %(step)s %(count)d times but '
                 'server %(server)s stays in vm_state %(vm)s, power_state '
                 '%(power)s%(fault)s') % {
                     'node': node.uuid, 'step': step.value,
                     'count': MAX_ATTEMPTS_PER_STEP, 'server': server.id,
                     'vm': server.vm_state, 'power': server.power_state,
                     'fault': ': %s' % fault if fault else ''})


def timed_out(node, server, target, timeout):
    """The PowerStateFailure of a wait that ran out of time.

    Its message (the node's last_error) carries what Nova shows: its task
    may still run and finish later.
    """
    return exception.PowerStateFailure(
        _('Node %(node)s: server %(server)s did not reach %(target)s within '
          '%(timeout)s s; Nova shows vm_state %(vm)s, task_state %(task)s, '
          'power_state %(power)s%(hint)s') % {
              'node': node.uuid, 'server': server.id, 'target': target,
              'timeout': timeout, 'vm': server.vm_state,
              'task': server.task_state, 'power': server.power_state,
              'hint': _SLOW_TASK_HINTS.get(server.task_state, '')})


def settle(client, server, timeout):
    """Wait while Nova carries out a task that changes the server's power.

    :param server: the server as just read fresh.
    :param timeout: seconds to wait at most.
    :returns: the server as read once no such task runs.
    :raises: PowerStateFailure when the task outlasts ``timeout``.
    """
    deadline = time.monotonic() + timeout
    polls = 0
    while server_state.power_changing(server):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise timed_out(client.node, server,
                            _('the end of Nova\'s %s') % server.task_state,
                            timeout)
        if polls == 0:
            LOG.info('Node %(node)s: Nova still runs %(task)s on server '
                     '%(server)s; waiting for it before deciding',
                     {'node': client.node.uuid, 'task': server.task_state,
                      'server': server.id})
        time.sleep(min(poll_interval(polls), remaining))
        polls += 1
        server = client.get_server(deadline=deadline)
    return server


def run(client, goal, target, timeout, last_read=None):
    """Drive the node's server to ``goal`` within ``timeout`` seconds.

    :param client: the node's client.NodeClient.
    :param goal: PowerOn, PowerOff or Reboot.
    :param target: the Ironic power state being reached, for messages.
    :param timeout: seconds; None means [conductor]power_state_change_timeout.
    :param last_read: the server as read fresh moments ago under the same
        exclusive lock, or None; not for Reboot, whose goal remembers what
        it saw. It may choose the first action (a stale choice costs one 409
        and a read); it never ends the run, because only a fresh read may
        say the goal is reached.
    :returns: True when the node booted its boot device on the way
        (``goal.booted``: a one-time boot device is then used up).
    :raises: PowerStateFailure when the goal is not reached in time.
    """
    timeout = timeout or CONF.conductor.power_state_change_timeout
    with client.acting():
        return _run(client, goal, target, timeout, last_read)


def _run(client, goal, target, timeout, last_read):
    deadline = time.monotonic() + timeout
    polls = 0
    attempts = {}
    refusals = {}
    node = client.node
    checked = False
    while True:
        reused = last_read is not None
        server, last_read = (last_read or client.get_server(
            deadline=deadline)), None
        with client.translate_errors(_('reach %s') % target):
            step = goal.next_step(server)
        if reused and step in (Step.DONE, Step.WAIT):
            continue    # only a fresh read may end or delay the run
        if step is Step.DONE:
            return goal.booted
        if step is not Step.WAIT and not checked:
            # Before the first action: a boot device this cloud cannot
            # boot on this server is refused with nothing done.
            checked = True
            device = getattr(goal, 'device', None)
            if device:
                microversions.check_boot_device(client, server, device)
        if step is not Step.WAIT:
            if attempts.get(step, 0) >= MAX_ATTEMPTS_PER_STEP:
                raise _stuck(node, server, step)
            image = (_rescue_image(client, server, goal.device)
                     if step is Step.RESCUE else None)
            if step in GRACEFUL_STOPS and (
                    server_state.guest_running(server)
                    or server_state.hypervisor_paused(server)):
                _warn_slow_stop(client, server, timeout)
            if client.act(server, step, image):
                attempts[step] = attempts.get(step, 0) + 1
                goal.accepted(step)
                polls = 0
            elif not reused:
                # A race ends with the server's state changing; the same
                # refusal in the same settled state is Nova's answer.
                state = (step, server.vm_state, server.task_state,
                         server.power_state)
                refusals[state] = refusals.get(state, 0) + 1
                if refusals[state] >= MAX_REFUSALS_PER_STATE:
                    raise _refused(node, server, step, client.last_refusal)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise timed_out(node, server, target, timeout)
        time.sleep(min(poll_interval(polls), remaining))
        polls += 1


def poll_interval(polls):
    """Seconds to wait before the next read, ``polls`` reads after an act."""
    backoffs = max(0, polls - FAST_POLLS + 1)
    return min(FIRST_POLL_INTERVAL * POLL_BACKOFF ** backoffs,
               CONF.openstack.state_poll_max_interval)
