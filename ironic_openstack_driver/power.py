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

"""Power interface: Nova server actions as a bare-metal node's power."""

from oslo_log import log

from ironic.common import exception
from ironic.common.i18n import _
from ironic.common import states
from ironic.conductor import task_manager
from ironic.conductor import utils as manager_utils
from ironic.drivers import base

from ironic_openstack_driver import boot_device
from ironic_openstack_driver import boot_mode_check
from ironic_openstack_driver.conf import CONF
from ironic_openstack_driver import converge
from ironic_openstack_driver import driver_info as os_info
from ironic_openstack_driver import node_access
from ironic_openstack_driver import server_state
from ironic_openstack_driver import text

LOG = log.getLogger(__name__)

SUPPORTED_POWER_STATES = [states.POWER_ON, states.POWER_OFF, states.REBOOT,
                          states.SOFT_REBOOT, states.SOFT_POWER_OFF]

# driver_internal_info key: the power action last asked of the driver while
# it may be unfinished, {'target': the power state asked, 'recorded': the
# node's power_state when it was asked}. Written before the driver acts;
# removed when the action ends as asked and when Ironic reads the power
# state under its exclusive lock (it then records that read or asks anew).
UNFINISHED_ACTION = 'openstack_unfinished_power_action'
# The key earlier releases wrote instead; removed at the next action.
OLD_REQUESTED_POWER_STATE = 'openstack_requested_power_state'

#: The power states the change_power_state step takes (Ironic's names).
STEP_POWER_STATES = (states.POWER_ON, states.POWER_OFF, states.REBOOT,
                     states.SOFT_POWER_OFF, states.SOFT_REBOOT)
STEP_ARGSINFO = {
    'state': {
        'description': 'the power state to reach: %s' % ', '.join(
            '"%s"' % state for state in STEP_POWER_STATES),
        'required': True,
    },
}


def _log_failure(task, what, error):
    # Ironic records a failed power action in last_error only.
    LOG.error('Node %(node)s: %(what)s of server %(server)s failed: '
              '%(error)s',
              {'node': task.node.uuid, 'what': what,
               'server': text.shown((task.node.driver_info or {}).get(
                   'openstack_server')),
               'error': error})


def _drive(task, goal, target, timeout):
    try:
        _converge(task, goal, target, timeout)
    except Exception as e:
        _log_failure(task, _('power action %s') % target, e)
        raise


def _converge(task, goal, target, timeout):
    node = task.node
    node.set_driver_internal_info(UNFINISHED_ACTION, {
        'target': target, 'recorded': node.power_state})
    node.del_driver_internal_info(OLD_REQUESTED_POWER_STATE)
    node.save()
    client = node_access.node_client(task)
    last_read = node_access.recent_read(task)    # used up by any action
    if isinstance(goal, converge.Reboot):
        last_read = None    # a reboot must see the server before it kicks
    try:
        booted = converge.run(client, goal, target, timeout, last_read)
    except Exception:
        if not goal.acted:
            # Nova took no action of ours that could still end later.
            node.del_driver_internal_info(UNFINISHED_ACTION)
            node.save()
        raise
    node.del_driver_internal_info(UNFINISHED_ACTION)
    if booted:
        boot_device.consume_one_time(node)
    node.save()
    LOG.info('Node %(node)s: server %(server)s reached %(target)s',
             {'node': task.node.uuid, 'server': client.info.server,
              'target': target})


class OpenStackPower(base.PowerInterface):
    """Power of a Nova server: start, stop, reboot, rescue, unrescue."""

    def get_properties(self):
        return os_info.COMMON_PROPERTIES.copy()

    def validate(self, task):
        """Check driver_info; before a deploy or cleaning, the boot mode.

        Elsewhere nothing is asked of the cloud: the server's mark for the
        node (binding.py) is checked on every read of the server instead:
        Ironic validates through the API and before each action, and the
        action's own read of the server, under the same lock, decides.
        In the states where Ironic validates just before it boots the
        agent (available, cleaning: boot_mode_check.CHECKED_STATES) a boot
        mode the node asks for explicitly (its boot_mode capability, or
        boot_mode in its instance_info) must be its server's firmware; the
        server comes from the shared listing and its image properties from
        what the driver remembers. A node that asks for none is not read:
        Ironic's boot mode sync gives it its server's firmware.

        :raises: InvalidParameterValue, MissingParameterValue.
        :raises: InvalidParameterValue when the node asks for a boot mode
            that is not its server's firmware (boot_mode_check.check).
        """
        os_info.parse_driver_info(task.node)
        if task.node.provision_state in boot_mode_check.CHECKED_STATES:
            boot_mode_check.check(task)

    def get_power_state(self, task):
        """The node's power state, as Nova reports it.

        Under a shared lock (Ironic's periodic power sync) and during verify, a
        listing of all servers of the cloud answers (node_access.read_server);
        under any other exclusive lock (Ironic is about to act on the node) the
        server is read on its own. Under an exclusive lock, verify's included,
        a Nova task that changes the server's power is waited for first
        (converge.settle).

        :raises: DriverOperationError when the server cannot be read or is
            deleted.
        """
        if task.shared:
            # Ironic's power sync logs its own failures.
            return self._power_state(task)
        try:
            return self._power_state(task)
        except Exception as e:
            # Ironic is about to act and logs nothing when this read fails.
            _log_failure(task, _('the power state read'), e)
            raise

    def _power_state(self, task):
        client = node_access.node_client(task)
        server = node_access.read_server(task, client)
        if not task.shared:
            # Ironic is about to act on the node, or (verify) to record
            # the read: a power change Nova still carries out must end
            # first (Ironic would skip an action that the read says is
            # done, and a verify would record the state Nova leaves).
            server = converge.settle(
                client, server, CONF.conductor.power_state_change_timeout)
            if not node_access.verifying(task):
                node_access.remember_read(task, server)
            # Ironic records this read or asks a new action next: an
            # unfinished earlier action no longer holds its power sync.
            if task.node.del_driver_internal_info(UNFINISHED_ACTION):
                task.node.save()
        with client.translate_errors(_('read the power state')):
            return server_state.power_state(server)

    def supports_power_sync(self, task):
        """Whether Ironic's power sync may force its recorded state.

        Not while the record is still the one Ironic had when an action
        that did not end as asked (it failed or timed out while Nova's task
        went on) was asked: Nova may have finished it since, and forcing
        that record would undo the action last asked for. Once Ironic has
        recorded a power state since (the action's end, the sync, a skipped
        action, verify, its maximum of sync retries or its power failure
        recovery), the sync forces Ironic's record as usual.
        """
        node = task.node
        return server_state.sync_may_force(
            node.power_state,
            (node.driver_internal_info or {}).get(UNFINISHED_ACTION))

    def get_supported_power_states(self, task):
        return list(SUPPORTED_POWER_STATES)

    @task_manager.require_exclusive_lock
    def set_power_state(self, task, power_state, timeout=None):
        """Turn the node's server on or off and wait until it is.

        Power on boots the recorded boot device (PXE: rescue with the iPXE
        image); a server that already runs is left alone, and a server that
        is booted ends running that device (a rescued server whose guest
        is off is unrescued, then rescued again for PXE). Power off and
        soft power off are both Nova's graceful stop, which forces the
        guest off after the server's os_shutdown_timeout; a server whose
        guest is off already (also in RESCUE) gets no action.

        :raises: PowerStateFailure when the state is not reached in time.
        :raises: InvalidParameterValue for an unsupported power state.
        """
        if power_state == states.POWER_ON:
            goal = converge.PowerOn(boot_device.next_boot(task.node))
            _drive(task, goal, states.POWER_ON, timeout)
        elif power_state in (states.POWER_OFF, states.SOFT_POWER_OFF):
            if task.node.disable_power_off:
                raise exception.PowerStateFailure(pstate=power_state)
            _drive(task, converge.PowerOff(), states.POWER_OFF, timeout)
        elif power_state in (states.REBOOT, states.SOFT_REBOOT):
            self._reboot(task, timeout, soft=power_state == states.SOFT_REBOOT)
        else:
            raise exception.InvalidParameterValue(
                _('Node %(node)s: the openstack driver cannot set power state '
                  '%(state)s; it supports %(supported)s.') % {
                      'node': task.node.uuid, 'state': power_state,
                      'supported': ', '.join(SUPPORTED_POWER_STATES)})

    @task_manager.require_exclusive_lock
    def reboot(self, task, timeout=None):
        """Hard-reboot the node into its boot device; power it on if off."""
        self._reboot(task, timeout, soft=False)

    @base.service_step(priority=0, argsinfo=STEP_ARGSINFO,
                       requires_ramdisk=False)
    @base.clean_step(priority=0, argsinfo=STEP_ARGSINFO,
                     requires_ramdisk=False)
    def change_power_state(self, task, state):
        """Service and clean step: power the server on, off or reboot it.

        Out of band (no agent): servicing and manual cleaning with
        disable_ramdisk, and runbooks, can power-cycle the node's server
        with it. Ironic 39 drops the conductor's own power_on, power_off
        and reboot steps from a requested step list before it runs it.
        The action goes through Ironic's node_power_action, which records
        the node's new power state, as for any power request.

        :param state: one of STEP_POWER_STATES.
        :raises: InvalidParameterValue for any other state.
        :raises: PowerStateFailure when the state is not reached in time.
        """
        if state not in STEP_POWER_STATES:
            raise exception.InvalidParameterValue(
                _('Node %(node)s: step change_power_state: argument state '
                  'must be one of %(states)s, not "%(state)s".') % {
                      'node': task.node.uuid,
                      'states': ', '.join(STEP_POWER_STATES),
                      'state': text.shown(state)})
        manager_utils.node_power_action(task, state)

    def _reboot(self, task, timeout, soft):
        # A reboot never stops the server, so node.disable_power_off holds:
        # Nova reboots, rescues or unrescues it, each a reset in one step.
        goal = converge.Reboot(boot_device.next_boot(task.node), soft=soft)
        _drive(task, goal, states.POWER_ON, timeout)
