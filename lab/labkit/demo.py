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

"""The demo: Ironic's ``openstack`` hardware type driving Nova servers.

Makes its nodes as an operator does, with the functions of
``ironic-openstack-nodes`` (ironic_openstack_driver/tools): creates N
stopped servers (blank disk image, no network) as the lab's normal user
(``create-nodes``), enrolls each in Ironic (driver ``openstack``,
driver_info ``openstack_server`` + ``openstack_cloud``) as the lab's
system admin, marks each server for its node (the driver drives only a
server marked for the node) and moves it to manageable (``enroll
--manage``), and walks them through:

    power on -> boot device pxe + reboot (Nova: RESCUE)
    -> boot device disk + reboot (ACTIVE) -> power off (SHUTOFF)

After every step it prints Ironic's view beside Nova's and checks that they
agree. Exit status 0 only if every node agreed after every step. Servers and
nodes of an earlier run (name prefix ``lab-demo-``) are removed first.

Needs openstacksdk (the ``tox -e lab`` env, or the lab's Ironic venv) and
the repository's ironic_openstack_driver (labctl.py puts it on the path).
"""

import concurrent.futures
import logging
import sys
import time

from labkit import demo_output
from labkit import lab as labmod
from labkit import settings as s

PREFIX = 'lab-demo'
SETTLE_TIMEOUT = 60
SERVER_TIMEOUT = 180
MANAGE_TIMEOUT = 120

# Step name, action, and what both sides must show afterwards:
# (Ironic power state, Ironic boot device or None for "any",
#  Nova status, Nova power_state).
STEPS = (
    ('power on', [('power', 'power on')],
     ('power on', None, 'ACTIVE', 1)),
    ('boot device pxe + reboot', [('boot', 'pxe'), ('power', 'rebooting')],
     ('power on', 'pxe', 'RESCUE', 1)),
    ('boot device disk + reboot', [('boot', 'disk'), ('power', 'rebooting')],
     ('power on', 'disk', 'ACTIVE', 1)),
    ('power off', [('power', 'power off')],
     ('power off', None, 'SHUTOFF', 4)),
)


def agree(v, expect):
    """Whether a view (``Demo.view``) is what a step ``expect``s."""
    power, boot, status, nova_power = expect
    return (v['power'] == power and (boot is None or v['boot'] == boot)
            and v['status'] == status and v['task_state'] is None
            and v['power_state'] == nova_power)


def table(title, views, expect, seconds):
    """Print Ironic's view beside Nova's per node, with a verdict each.

    :returns: True when every node agrees with ``expect``.
    """
    print()
    print('== %s (%.1fs)  expected: Ironic %s%s | Nova %s, power_state '
          '%s' % (title, seconds, expect[0],
                  ', boot %s' % expect[1] if expect[1] else '',
                  expect[2], demo_output.POWER_NAMES[expect[3]]))
    head = ('node', 'Ironic power', 'boot dev', 'Nova status',
            'vm_state', 'task', 'power_state', 'rescue image', 'verdict')
    rows = []
    ok = True
    for v in views:
        agrees = agree(v, expect) if expect else True
        rows.append((v['node'], v['power'] or '-', v['boot'] or '-',
                     v['status'], v['vm_state'] or '-',
                     v['task_state'] or '-',
                     demo_output.power_name(v['power_state']),
                     s.RESCUE_IMAGE_NAME if v['status'] == 'RESCUE'
                     else '-', 'agree' if agrees else 'DISAGREE'))
        if not agrees:
            ok = False
            if v['last_error']:
                rows.append(('', 'last_error: %s' % v['last_error'],
                             '', '', '', '', '', '', ''))
    demo_output.print_table(head, rows)
    return ok


class Demo:

    def __init__(self, status, nodes):
        self.status = status
        self.count = nodes
        self.user = demo_output.connect(status['clouds_yaml'],
                                        status['cloud'])
        self.admin = demo_output.connect(status['clouds_yaml'],
                                         status['admin_cloud'])
        self.ok = True
        self.t0 = time.monotonic()

    def say(self, text):
        print('[demo %6.1fs] %s' % (time.monotonic() - self.t0, text),
              flush=True)

    def _each(self, func, items):
        with concurrent.futures.ThreadPoolExecutor(max(1, len(items))) as ex:
            return list(ex.map(func, items))

    # -- set-up ---------------------------------------------------------
    def cleanup(self):
        """Remove nodes and servers of an earlier run (by name prefix)."""
        old_nodes = [n for n in self.admin.baremetal.nodes(details=True)
                     if (n.name or '').startswith(PREFIX + '-')]
        for node in old_nodes:
            self.admin.baremetal.delete_node(node, ignore_missing=True)
        old_servers = [sv for sv in self.user.compute.servers()
                       if sv.name.startswith(PREFIX + '-')]
        for server in old_servers:
            self.user.compute.delete_server(server, ignore_missing=True)
        for server in old_servers:
            self.user.compute.wait_for_delete(server, wait=120)
        if old_nodes or old_servers:
            self.say('removed %d node(s) and %d server(s) of an earlier run'
                     % (len(old_nodes), len(old_servers)))

    def create_servers(self):
        """PREFIX-0 ... as the normal user, stopped: create-nodes' way.

        Servers of the blank disk image without a network (the fast lab
        has no dataplane), made and stopped by ironic-openstack-nodes'
        own function (tools/servers.py), so that the first step is a real
        power on.
        """
        from ironic_openstack_driver.tools import common
        from ironic_openstack_driver.tools import servers as tool
        report = common.Report(tool.COLUMNS, out=sys.stdout, err=sys.stdout)
        ok, rows = tool.create_servers(
            self.user, report, PREFIX, self.count, self.status['flavor'],
            self.status['disk_image'], None, timeout=SERVER_TIMEOUT)
        if not ok:
            raise RuntimeError('creating the servers failed (see above)')
        servers = [self.user.compute.get_server(rows[name][0])
                   for name in tool.server_names(PREFIX, self.count)]
        self.say('created %d servers (stopped): %s' % (
            len(servers), ', '.join(sv.name for sv in servers)))
        return servers

    def enroll(self, servers):
        """Enroll, mark and manage a node per server: enroll's way.

        As the lab's system admin, with ironic-openstack-nodes' own
        functions (tools/nodes_file.py, tools/enroll.py): driver
        ``openstack``, driver_info ``openstack_server`` +
        ``openstack_cloud``, properties from the flavor, no ports (the
        servers have none); each server marked for its node (the driver
        drives only a server marked for the node), then manageable.
        """
        from ironic_openstack_driver.tools import common
        from ironic_openstack_driver.tools import enroll as tool
        from ironic_openstack_driver.tools import nodes_file
        specs = [nodes_file.node_for_server(self.user, server,
                                            self.status['cloud'],
                                            with_port=False)
                 for server in servers]
        report = common.Report(tool.COLUMNS, out=sys.stdout, err=sys.stdout)
        ok, enrolled = tool.enroll_nodes(
            self.admin.baremetal, report, specs, self.user.compute,
            manage=True, timeout=MANAGE_TIMEOUT)
        if not ok:
            raise RuntimeError('enrolling the nodes failed (see above)')
        nodes = [node for _name, node, _result in enrolled]
        self.say('enrolled %d nodes with driver openstack (now manageable)'
                 % len(nodes))
        return nodes

    # -- steps ----------------------------------------------------------
    def act(self, node, actions):
        bm = self.admin.baremetal
        for kind, value in actions:
            if kind == 'boot':
                # Persistent, so that the table shows the device the node
                # booted from (a one-time choice reverts after the boot).
                bm.set_node_boot_device(node, value, persistent=True)
            else:
                bm.set_node_power_state(node, value, wait=True, timeout=120)

    def view(self, node, server_id):
        bm = self.admin.baremetal
        n = bm.get_node(node.id)
        boot = bm.get_node_boot_device(node.id) or {}
        sv = self.user.compute.get_server(server_id)
        return {
            'node': n.name,
            'power': n.power_state,
            'target': n.target_power_state,
            'last_error': n.last_error,
            'boot': boot.get('boot_device'),
            'status': sv.status,
            'vm_state': sv.vm_state,
            'task_state': sv.task_state,
            'power_state': sv.power_state,
        }

    def settled_view(self, node, server_id, expect):
        """Nova's and Ironic's views once no task is pending (or timeout)."""
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while True:
            v = self.view(node, server_id)
            if agree(v, expect) or time.monotonic() > deadline:
                return v
            if v['task_state'] is None and v['target'] is None:
                return v
            time.sleep(0.25)

    def run(self):
        self.cleanup()
        servers = self.create_servers()
        nodes = self.enroll(servers)
        pairs = list(zip(nodes, [sv.id for sv in servers]))
        start_expect = ('power off', None, 'SHUTOFF', 4)
        self.ok = table('enrolled', self._each(
            lambda pr: self.settled_view(pr[0], pr[1], start_expect),
            pairs), start_expect, time.monotonic() - self.t0) and self.ok
        for title, actions, expect in STEPS:
            t = time.monotonic()
            errors = []

            def step(pair):
                try:
                    self.act(pair[0], actions)
                except Exception as exc:  # noqa: BLE001 - reported below
                    errors.append('%s: %s' % (pair[0].name, exc))
                return self.settled_view(pair[0], pair[1], expect)

            views = self._each(step, pairs)
            self.ok = table(title, views, expect,
                            time.monotonic() - t) and self.ok
            for error in errors:
                self.ok = False
                print('   error: %s' % error)
        total = time.monotonic() - self.t0
        if self.ok:
            print('VERDICT: PASS - Ironic and Nova agree on all %d nodes '
                  'after every step (%d steps, %.1fs)' % (
                      len(pairs), len(STEPS), total))
            return 0
        print('VERDICT: FAIL - Ironic and Nova disagree (see DISAGREE rows '
              'above; Ironic log: %s)' % self.status['services']['ironic'][
                  'log'])
        return 1


def main(nodes=3):
    status = labmod.Lab(verbose=False).status()
    if not status['running']:
        down = [n for n, e in status['services'].items() if not e['running']]
        print('demo: the lab is not fully running (%s); run '
              '`python3 lab/labctl.py up`' % ', '.join(down), file=sys.stderr)
        return 1
    if not status['driver_enabled']:
        print('demo: the driver (ironic_openstack_driver/hardware_type.py) '
              'is not in the tree yet', file=sys.stderr)
        return 1
    # keystoneauth warns on every retried 409 (node locked); the table says
    # what matters.
    logging.getLogger('keystoneauth').setLevel(logging.ERROR)
    return Demo(status, nodes).run()
