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

"""The contract between tests/unit/fake_nova.py and real Nova.

One list of scenarios (``SCENARIOS``: name, function, the answers real
Nova gives), run on two backends: FakeNova (tests/unit/fake_nova.FakeCloud,
``FakeBackend`` here) and the fast lab's Nova (tests/e2e/test_nova_contract
builds that one). A scenario drives the backend's compute proxies, an
openstacksdk Proxy for the lab, the autospecced one of FakeNova, with the
same calls, as a member of the servers' project (``b.member``) and as an
admin (``b.admin``), and returns what can be observed: the HTTP status of
each call (``'ok'`` for a 2xx) and the fields that matter (status, which
fields a view shows at a microversion). tests/unit/test_nova_contract.py
holds the fake to the answers; tests/e2e/test_nova_contract.py holds both
to them, so the two agree.

Left out, because the lab's Nova cannot show them:

* rescue of a volume-backed server below 2.87 (400) and from 2.87: the
  lab has no Cinder (tests/unit/test_nova_contract.py checks the fake's
  rule against Nova's code, nova/compute/api.py rescue);
* a guest that ignores ACPI, halts itself or is paused by the hypervisor:
  the lab's fake compute driver has no guest.
"""

import contextlib
import uuid

from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as sdk_exc

# Microversions where a server view changes: locked (2.9), host_status
# (2.16), the embedded flavor (2.47), the image properties (2.98).
VIEW_MICROVERSIONS = ('2.1', '2.9', '2.15', '2.16', '2.46', '2.47', '2.97',
                      '2.98')
WAIT_POLLS = 240


def answer(call, *args, **kwargs):
    """'ok' when a call succeeds, else the HTTP status Nova answered."""
    try:
        call(*args, **kwargs)
    except (sdk_exc.HttpException, ks_exc.HttpError) as e:
        return getattr(e, 'status_code', None) or e.http_status
    return 'ok'


def get(compute, url, microversion):
    """(HTTP status, JSON body) of a plain GET on the compute endpoint."""
    try:
        response = compute.get(url, microversion=microversion)
    except (sdk_exc.HttpException, ks_exc.HttpError) as e:
        return getattr(e, 'status_code', None) or e.http_status, None
    body = response.json() if response.status_code < 300 else None
    return response.status_code, body


def settle(b, server_id):
    """Wait until no task runs on the server; its status then."""
    for _ in range(WAIT_POLLS):
        server = b.admin.get_server(server_id)
        if server.task_state is None:
            return server.status
        b.pause()
    raise AssertionError('server %s kept task %s' % (server_id,
                                                     server.task_state))


def shape(body):
    """Which of the fields that vary by microversion and policy a view has."""
    shown = [k for k in ('OS-EXT-SRV-ATTR:host', 'locked', 'host_status')
             if k in body]
    if 'host_status' in body:
        shown.append('host_status=%s' % body['host_status'])
    flavor = body.get('flavor') or {}
    shown.append('flavor:embedded' if 'vcpus' in flavor else 'flavor:id')
    if isinstance(body.get('image'), dict) and 'properties' in body['image']:
        shown.append('image:properties')
    return shown


def start_of_an_active_server(b):
    s = b.server()
    return {'start': answer(b.member.start_server, s)}


def stop_then_start(b):
    s = b.server()
    out = {'stop': answer(b.member.stop_server, s)}
    out['after stop'] = settle(b, s)
    out['stop again'] = answer(b.member.stop_server, s)
    out['start'] = answer(b.member.start_server, s)
    out['after start'] = settle(b, s)
    return out


def rescue_of_a_stopped_server(b):
    s = b.server()
    b.member.stop_server(s)
    settle(b, s)
    out = {'rescue': answer(b.member.rescue_server, s,
                            image=b.rescue_image)}
    out['after rescue'] = settle(b, s)
    out['rescue again'] = answer(b.member.rescue_server, s,
                                 image=b.rescue_image)
    out['unrescue'] = answer(b.member.unrescue_server, s)
    out['after unrescue'] = settle(b, s)
    return out


def rescue_of_an_errored_server(b):
    s = b.server()
    out = {'member resets': answer(b.member.reset_server_state, s, 'error'),
           'admin resets': answer(b.admin.reset_server_state, s, 'error')}
    out['status'] = settle(b, s)
    out['rescue'] = answer(b.member.rescue_server, s, image=b.rescue_image)
    return out


def locks_member_and_admin(b):
    s = b.server()
    out = {'lock': answer(b.member.lock_server, s)}
    out['member rescue'] = answer(b.member.rescue_server, s,
                                  image=b.rescue_image)
    out['member metadata'] = answer(b.member.set_server_metadata, s,
                                    contract='member')
    out['member crash dump'] = answer(b.member.trigger_server_crash_dump, s)
    out['admin metadata'] = answer(b.admin.set_server_metadata, s,
                                   contract='admin')
    out['admin rescue'] = answer(b.admin.rescue_server, s,
                                 image=b.rescue_image)
    out['after admin rescue'] = settle(b, s)
    out['unlock'] = answer(b.member.unlock_server, s)
    out['member unrescue'] = answer(b.member.unrescue_server, s)
    settle(b, s)
    out['admin lock'] = answer(b.admin.lock_server, s)
    out['member unlock'] = answer(b.member.unlock_server, s)
    out['admin unlock'] = answer(b.admin.unlock_server, s)
    return out


def rescue_images_nova_cannot_find(b):
    s = b.server()
    return {'unknown image': answer(b.member.rescue_server, s,
                                    image=str(uuid.uuid4())),
            'deleted image': answer(b.member.rescue_server, s,
                                    image=b.deleted_image()),
            'status': settle(b, s)}


def crash_dumps(b):
    s = b.server(on_pausable_host=True)
    out = {'active': answer(b.member.trigger_server_crash_dump, s)}
    with b.task_running(s):
        out['in a task'] = answer(b.member.trigger_server_crash_dump, s)
    out['after the task'] = settle(b, s)
    out['stopped'] = answer(b.member.trigger_server_crash_dump, s)
    return out


def views_by_microversion_and_credentials(b):
    s = b.server()
    out = {}
    for who in ('member', 'admin'):
        for mv in VIEW_MICROVERSIONS:
            status, body = get(getattr(b, who), '/servers/%s' % s, mv)
            out['%s %s' % (who, mv)] = (shape(body['server']) if body
                                        else status)
    return out


def listing_status_per_server(b):
    servers = {'active': b.server(), 'stopped': b.server(),
               'error': b.server(), 'rescued': b.server()}
    b.member.stop_server(servers['stopped'])
    b.admin.reset_server_state(servers['error'], 'error')
    b.member.rescue_server(servers['rescued'], image=b.rescue_image)
    for s in servers.values():
        settle(b, s)
    out = {}
    for mv in ('2.1', '2.16'):
        status, body = get(b.member, '/servers/detail', mv)
        listed = {raw['id']: raw for raw in body['servers']}
        for name, s in servers.items():
            out['%s %s' % (name, mv)] = (
                listed[s]['status'],
                'host_status' in listed[s])
    return out


def compute_services(b):
    s = b.server()
    out = {'member': get(b.member, '/os-services?binary=nova-compute',
                         '2.11')[0]}
    status, body = get(b.admin, '/os-services?binary=nova-compute', '2.11')
    host = b.admin.get_server(s).compute_host
    out['admin'] = status
    out['host listed'] = [(x['state'], x['status'], x['forced_down'])
                          for x in body['services'] if x['host'] == host]
    return out


# (name, scenario, what real Nova answers).
SCENARIOS = [
    ('start of an ACTIVE server', start_of_an_active_server,
     {'start': 409}),
    ('stop, then start', stop_then_start,
     {'stop': 'ok', 'after stop': 'SHUTOFF', 'stop again': 409,
      'start': 'ok', 'after start': 'ACTIVE'}),
    ('rescue of a stopped server', rescue_of_a_stopped_server,
     {'rescue': 'ok', 'after rescue': 'RESCUE', 'rescue again': 409,
      'unrescue': 'ok', 'after unrescue': 'ACTIVE'}),
    ('rescue of an errored server', rescue_of_an_errored_server,
     {'member resets': 403, 'admin resets': 'ok', 'status': 'ERROR',
      'rescue': 'ok'}),
    ('locks, member and admin', locks_member_and_admin,
     {'lock': 'ok', 'member rescue': 409, 'member metadata': 409,
      'member crash dump': 409, 'admin metadata': 'ok',
      'admin rescue': 'ok', 'after admin rescue': 'RESCUE',
      'unlock': 'ok', 'member unrescue': 'ok', 'admin lock': 'ok',
      'member unlock': 403, 'admin unlock': 'ok'}),
    ('rescue images Nova cannot find', rescue_images_nova_cannot_find,
     {'unknown image': 400, 'deleted image': 400, 'status': 'ACTIVE'}),
    ('crash dumps', crash_dumps,
     {'active': 'ok', 'in a task': 409, 'after the task': 'SHUTOFF',
      'stopped': 409}),
    ('views by microversion and credentials',
     views_by_microversion_and_credentials, dict(
         [('member %s' % mv, ['flavor:id']) for mv in ('2.1',)]
         + [('member %s' % mv, ['locked', 'flavor:id'])
            for mv in ('2.9', '2.15', '2.16', '2.46')]
         + [('member %s' % mv, ['locked', 'flavor:embedded'])
            for mv in ('2.47', '2.97')]
         + [('member 2.98', ['locked', 'flavor:embedded',
                             'image:properties'])]
         + [('admin 2.1', ['OS-EXT-SRV-ATTR:host', 'flavor:id'])]
         + [('admin %s' % mv, ['OS-EXT-SRV-ATTR:host', 'locked',
                               'flavor:id']) for mv in ('2.9', '2.15')]
         + [('admin %s' % mv, ['OS-EXT-SRV-ATTR:host', 'locked',
                               'host_status', 'host_status=UP',
                               'flavor:id']) for mv in ('2.16', '2.46')]
         + [('admin %s' % mv, ['OS-EXT-SRV-ATTR:host', 'locked',
                               'host_status', 'host_status=UP',
                               'flavor:embedded']) for mv in ('2.47', '2.97')]
         + [('admin 2.98', ['OS-EXT-SRV-ATTR:host', 'locked', 'host_status',
                            'host_status=UP', 'flavor:embedded',
                            'image:properties'])])),
    ('listing: status per server', listing_status_per_server,
     {'active 2.1': ('ACTIVE', False), 'stopped 2.1': ('SHUTOFF', False),
      'error 2.1': ('ERROR', False), 'rescued 2.1': ('RESCUE', False),
      'active 2.16': ('ACTIVE', False), 'stopped 2.16': ('SHUTOFF', False),
      'error 2.16': ('ERROR', False), 'rescued 2.16': ('RESCUE', False)}),
    ('compute services', compute_services,
     {'member': 403, 'admin': 200,
      'host listed': [('up', 'enabled', False)]}),
]


class _As:
    """FakeNova's compute proxy as the member or as an admin."""

    def __init__(self, nova, admin):
        self._nova, self._admin = nova, admin

    def __getattr__(self, name):
        call = getattr(self._nova.compute, name)

        def as_them(*args, **kwargs):
            self._nova.admin = self._admin
            return call(*args, **kwargs)
        return as_them


class FakeBackend:
    """FakeNova (FakeCloud: servers with flavors) with both credentials."""

    def __init__(self, nova):
        self.nova = nova
        self.member = _As(nova, False)
        self.admin = _As(nova, True)
        self.rescue_image = nova.add_image('ipxe', hw_rescue_device='cdrom',
                                           hw_rescue_bus='sata').id

    def server(self, on_pausable_host=False):
        return self.nova.add_server(
            name='contract-%d' % len(self.nova.servers)).id

    def deleted_image(self):
        image = self.nova.add_image('gone')
        self.nova.delete_image(image)
        return image.id

    @contextlib.contextmanager
    def task_running(self, server_id):
        # A stop whose end nobody has read yet: its task still runs.
        self.admin.stop_server(server_id)
        yield

    def pause(self):
        pass
