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

"""How FakeNova refuses, in the order nova-api does.

A mixin of tests/unit/fake_nova.FakeNova: the policy check of the API
(403, context.can()), then nova.compute.api's check_instance_lock (409
"Instance <uuid> is locked", which admins pass: ``context.is_admin``),
then check_instance_state (409, vm_state and task_state; a hard reboot
overrides some tasks, fake_nova_server.TASKS_ALLOWED), then the rescue's
own checks (400): the rescue image must be one Glance has, and a
volume-backed server is rescued only from microversion 2.87, with a
rescue image that asks for stable device rescue. Locks are kept as Nova
keeps them: ``locked_by`` is 'owner' for credentials of the server's
project, 'admin' for others, and only an admin lifts a lock the other
side set (os-lock-server:unlock:unlock_override).
"""

from keystoneauth1 import discover
from openstack import exceptions as sdk_exc

from tests.unit import fake_nova_server as fns
from tests.unit import fake_nova_views

# The Nova policy rule of each action (nova/policies/*.py).
POLICIES = {
    'os-start': 'os_compute_api:servers:start',
    'os-stop': 'os_compute_api:servers:stop',
    'reboot SOFT': 'os_compute_api:servers:reboot',
    'reboot HARD': 'os_compute_api:servers:reboot',
    'rescue': 'os_compute_api:os-rescue',
    'unrescue': 'os_compute_api:os-unrescue',
    'unpause': 'os_compute_api:os-pause-server:unpause',
    'resume': 'os_compute_api:os-suspend-server:resume',
    'unshelve': 'os_compute_api:os-shelve:unshelve',
    'trigger_crash_dump': 'os_compute_api:servers:trigger_crash_dump',
    'update metadata': 'os_compute_api:server-metadata:create',
}
# Image properties that ask for stable device rescue (nova/compute/api.py
# rescue: both are needed to rescue a volume-backed server).
STABLE_RESCUE_PROPERTIES = ('hw_rescue_bus', 'hw_rescue_device')


def _refuse(status, kind, message):
    sdk_exc.raise_from_response(fake_nova_views.json_response(status, {
        kind: {'code': status, 'message': message}}))


class NovaRefusals:
    """FakeNova's refusals (a mixin: servers, images, admin, denied)."""

    def _conflict(self, fake, action, message):
        """Refuse as nova-api does: 409 with a conflictingRequest body."""
        self.refused.append((fake.id, action))
        _refuse(409, 'conflictingRequest', message)

    def _bad_request(self, fake, action, message):
        """Refuse as nova-api does: 400 with a badRequest body."""
        self.refused.append((fake.id, action))
        _refuse(400, 'badRequest', message)

    def _forbidden(self, rule):
        _refuse(403, 'forbidden',
                "Policy doesn't allow %s to be performed." % rule)

    def check_policy(self, rule):
        """Nova's policy check of the API (403), before anything else."""
        if rule in self.denied:
            self._forbidden(rule)

    def _check(self, fake, action, allowed=None):
        """Nova's check_instance_lock, then check_instance_state (409)."""
        self.check_policy(POLICIES[action])
        if allowed is None:
            allowed = fns.ACTIONS[action][0]
        if fake.locked and not self.admin:
            # nova.compute.api.check_instance_lock, before the state check.
            self._conflict(fake, action, 'Instance %s is locked' % fake.id)
        tasks = fns.TASKS_ALLOWED.get(action, {None})
        in_task = tasks is not None and fake.task_state not in tasks
        if fake.vm_state not in allowed or in_task:
            # Nova checks the vm_state first.
            attr, state = (('vm_state', fake.vm_state)
                           if fake.vm_state not in allowed
                           else ('task_state', fake.task_state))
            self._conflict(fake, action,
                           "Cannot '%s' instance %s while it is in %s %s"
                           % ('reboot' if action.startswith('reboot')
                              else action, fake.id, attr, state))

    def _check_rescue(self, fake, image_id):
        """The rescue's own checks, after lock and state (400)."""
        if image_id is not None and image_id not in self.images:
            self._bad_request(fake, 'rescue', 'Image %s is unacceptable: '
                              'Rescue image is unsupported.' % image_id)
        if fake.image_id:
            return
        # Volume-backed: the rescue image's properties (or the server's
        # own, without one) must ask for stable device rescue, from 2.87.
        properties = (self.image_properties.get(image_id, {})
                      if image_id is not None
                      else self.kept_properties(fake))
        if not (discover.version_between((2, 87), None, self.microversion())
                and all(p in properties for p in STABLE_RESCUE_PROPERTIES)):
            self._bad_request(fake, 'rescue', 'Instance %s cannot be '
                              'rescued: Cannot rescue a volume-backed '
                              'instance' % fake.id)

    def _is_owner(self, fake):
        return (fake.project_id or self.PROJECT_ID) == self.project_id

    def lock_server(self, server, locked_reason=None):
        """os-lock: locked_by owner or admin; the owner keeps a lock."""
        fake = self._lookup(server)
        is_owner = self._is_owner(fake)
        if fake.locked and is_owner:
            return
        fake.locked = 'owner' if is_owner else 'admin'

    def unlock_server(self, server):
        """os-unlock; only an admin lifts a lock the other side set."""
        fake = self._lookup(server)
        locked_by = 'owner' if fake.locked is True else fake.locked
        expected = 'owner' if self._is_owner(fake) else 'admin'
        if locked_by and locked_by != expected and not self.admin:
            self._forbidden('os_compute_api:os-lock-server:unlock:'
                            'unlock_override')
        fake.locked = False

    def reset_state(self, server, state):
        """os-resetState (admins): vm_state active or error, no task."""
        fake = self._lookup(server)
        if not self.admin:
            self._forbidden('os_compute_api:os-admin-actions:reset_state')
        fake.vm_state, fake.task_state, fake.pending = state, None, None
