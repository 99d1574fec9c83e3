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
Nova gives), run on two backends: FakeNova
(tests/unit/nova_contract_fake.FakeBackend) and the fast lab's Nova
(tests/e2e/nova_lab.LabBackend). A scenario drives the backend's compute
proxies, an openstacksdk Proxy for the lab, the autospecced one of
FakeNova, with the same calls, as a member of the servers' project
(``b.member``) and as an admin of another project (``b.admin``), and
returns what can be observed: the HTTP status of each call (``'ok'`` for
a 2xx) and the fields that matter (status, which fields a view shows at
a microversion). tests/unit/test_nova_contract.py
holds the fake to the answers; tests/e2e/test_nova_contract.py holds both
to them, so the two agree.

``FAKE_ONLY``: scenarios the lab's Nova cannot run, each with its reason,
run on FakeNova only (their answers are read from Nova's code) and named
as such by both halves: rescue of a volume-backed server (the lab has no
Cinder). Left out altogether:

* a guest that ignores ACPI, halts itself or is paused by the hypervisor:
  the lab's fake compute driver has no guest.
"""

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


def status(b, server_id):
    """The status Nova shows now (a plain GET: FakeNova's tasks go on)."""
    return get(b.admin, '/servers/%s' % server_id, '2.1')[1]['server'][
        'status']


def actions_refused_on_an_active_server(b):
    s = b.server()
    return {'start': answer(b.member.start_server, s),
            'unrescue': answer(b.member.unrescue_server, s),
            'unpause': answer(b.member.unpause_server, s),
            'resume': answer(b.member.resume_server, s),
            'unshelve': answer(b.member.unshelve_server, s)}


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
    out['stop while rescued'] = answer(b.member.stop_server, s)
    out['soft reboot while rescued'] = answer(b.member.reboot_server, s,
                                              'SOFT')
    out['hard reboot while rescued'] = answer(b.member.reboot_server, s,
                                              'HARD')
    out['metadata while rescued'] = answer(b.member.set_server_metadata, s,
                                           contract='rescued')
    out['crash dump while rescued'] = answer(
        b.member.trigger_server_crash_dump, s)
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
    out['member lock over it'] = answer(b.member.lock_server, s)
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
    s = b.server()
    out = {'active': answer(b.member.trigger_server_crash_dump, s)}
    with b.task_running(s, b.admin.stop_server):
        out['in a task'] = answer(b.member.trigger_server_crash_dump, s)
        out['metadata in a task'] = answer(b.member.set_server_metadata,
                                           s, contract='task')
        out['hard reboot in a stop'] = answer(b.member.reboot_server, s,
                                              'HARD')
    out['after the task'] = settle(b, s)
    out['stopped'] = answer(b.member.trigger_server_crash_dump, s)
    return out


def reboots(b):
    s = b.server()
    b.member.stop_server(s)
    settle(b, s)
    out = {'soft of a stopped server': answer(b.member.reboot_server, s,
                                              'SOFT'),
           'hard of a stopped server': answer(b.member.reboot_server, s,
                                              'HARD')}
    out['after the hard reboot'] = settle(b, s)
    with b.task_running(s, lambda s: b.member.reboot_server(s, 'SOFT')):
        out['in a soft reboot'] = status(b, s)
        out['soft over it'] = answer(b.member.reboot_server, s, 'SOFT')
        out['hard over it'] = answer(b.member.reboot_server, s, 'HARD')
        out['in the hard reboot'] = status(b, s)
    out['after both'] = settle(b, s)
    return out


def rescue_of_a_volume_backed_server(b):
    s = b.server(volume_backed=True)
    out = {}
    with b.microversion('2.86'):
        out['2.86, stable device image'] = answer(
            b.member.rescue_server, s, image=b.rescue_image)
    with b.microversion('2.87'):
        out['2.87, plain image'] = answer(b.member.rescue_server, s,
                                          image=b.plain_image())
        out['2.87, no image'] = answer(b.member.rescue_server, s)
        out['2.87, stable device image'] = answer(
            b.member.rescue_server, s, image=b.rescue_image)
    out['after rescue'] = settle(b, s)
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
    ('actions refused on an ACTIVE server',
     actions_refused_on_an_active_server,
     {'start': 409, 'unrescue': 409, 'unpause': 409, 'resume': 409,
      'unshelve': 409}),
    ('stop, then start', stop_then_start,
     {'stop': 'ok', 'after stop': 'SHUTOFF', 'stop again': 409,
      'start': 'ok', 'after start': 'ACTIVE'}),
    ('rescue of a stopped server', rescue_of_a_stopped_server,
     {'rescue': 'ok', 'after rescue': 'RESCUE', 'rescue again': 409,
      'stop while rescued': 409, 'soft reboot while rescued': 409,
      'hard reboot while rescued': 409, 'metadata while rescued': 409,
      'crash dump while rescued': 'ok',
      'unrescue': 'ok', 'after unrescue': 'ACTIVE'}),
    ('rescue of an errored server', rescue_of_an_errored_server,
     {'member resets': 403, 'admin resets': 'ok', 'status': 'ERROR',
      'rescue': 'ok'}),
    ('locks, member and admin', locks_member_and_admin,
     {'lock': 'ok', 'member rescue': 409, 'member metadata': 409,
      'member crash dump': 409, 'admin metadata': 'ok',
      'admin rescue': 'ok', 'after admin rescue': 'RESCUE',
      'unlock': 'ok', 'member unrescue': 'ok', 'admin lock': 'ok',
      'member lock over it': 'ok', 'member unlock': 403,
      'admin unlock': 'ok'}),
    ('rescue images Nova cannot find', rescue_images_nova_cannot_find,
     {'unknown image': 400, 'deleted image': 400, 'status': 'ACTIVE'}),
    ('crash dumps', crash_dumps,
     {'active': 'ok', 'in a task': 409, 'metadata in a task': 'ok',
      'hard reboot in a stop': 409, 'after the task': 'SHUTOFF',
      'stopped': 409}),
    ('reboots', reboots,
     {'soft of a stopped server': 409, 'hard of a stopped server': 'ok',
      'after the hard reboot': 'ACTIVE', 'in a soft reboot': 'REBOOT',
      'soft over it': 409, 'hard over it': 'ok',
      'in the hard reboot': 'HARD_REBOOT', 'after both': 'ACTIVE'}),
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


# (name, scenario, what Nova's code answers, why the lab cannot run it).
FAKE_ONLY = [
    ('rescue of a volume-backed server', rescue_of_a_volume_backed_server,
     {'2.86, stable device image': 400, '2.87, plain image': 400,
      '2.87, no image': 400, '2.87, stable device image': 'ok',
      'after rescue': 'RESCUE'},
     "the fast lab has no Cinder; answers read from nova/compute/api.py "
     "rescue (400 below 2.87, or without hw_rescue_bus and "
     "hw_rescue_device on the rescue image)"),
]


def differences(got, expected):
    """{key: (answer, Nova's answer)} where they differ."""
    return {key: (got.get(key), expected.get(key))
            for key in set(got) | set(expected)
            if got.get(key) != expected.get(key)}


def fake_only_note():
    """The scenarios only FakeNova runs, and why, one line each."""
    return '\n'.join('fake only, not checked against real Nova: %s (%s)'
                     % (name, reason) for name, _, _, reason in FAKE_ONLY)
