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

"""What the scenario tests decide, without tempest (pure; no I/O).

* ``missing_settings``: the ``[openstack_driver]`` options a class needs
  that tempest.conf leaves unset (the class then fails with tempest's
  InvalidConfiguration: a test that cannot run fails, it does not skip);
* ``count_lines``: how many console lines carry a text (a boot is seen
  when the count grows: an older line in the log proves nothing);
* ``server_problems``: what in Nova's view of a node's server contradicts
  the boot the test expects.
"""

#: Options every deploy test needs: the node's address (DHCP leases), its
#: server in the host cloud, the instance image's console line.
DEPLOY_SETTINGS = ('dhcp_leases_file', 'host_clouds_yaml', 'host_cloud',
                   'instance_console_line')
#: Nova's power_state of a running guest.
RUNNING = 1


def missing_settings(group, names):
    """The names among ``names`` whose option in ``group`` is unset.

    :param group: tempest's ``CONF.openstack_driver`` (any object with the
        options as attributes).
    :param names: option names.
    """
    return [name for name in names if not getattr(group, name, None)]


def count_lines(text, marker):
    """How many lines of ``text`` contain ``marker``."""
    return sum(1 for line in (text or '').splitlines() if marker in line)


def server_problems(view, status):
    """What in Nova's view contradicts a guest running in ``status``.

    :param view: {'status', 'task_state', 'power_state'} of the server,
        or None when it does not exist.
    :param status: ACTIVE for a guest booted from its disk, RESCUE for one
        booted from the network (iPXE in Nova's rescue).
    :returns: a list of reasons, empty when the view agrees.
    """
    if view is None:
        return ['the server does not exist']
    problems = []
    if view.get('status') != status:
        problems.append('status %s, not %s' % (view.get('status'), status))
    if view.get('task_state'):
        problems.append('Nova task %s still runs' % view['task_state'])
    if view.get('power_state') != RUNNING:
        problems.append('power_state %s, not running (%d)' % (
            view.get('power_state'), RUNNING))
    return problems
