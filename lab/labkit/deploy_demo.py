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

"""The real-mode demo: Ironic cleans, deploys and re-deploys QEMU guests.

Runs inside the lab's namespace (``labctl demo --virt qemu`` puts it
there), with openstacksdk from the lab's Ironic venv. N servers (default
2) on the provisioning network are created and enrolled with the
functions of ``ironic-openstack-nodes`` (``create-nodes``, ``enroll
--manage --provide``: automated cleaning), then deployed with the
lab's instance image, undeployed (cleaning again) and deployed again.
After each step it prints Ironic's view beside Nova's, and after each
deploy the line the instance image printed on the server's serial console:
the guest booted from the disk that Ironic's agent wrote.
"""

import concurrent.futures
import logging
import sys
import time

from labkit import demo_output
from labkit import settings
from labkit import walk_logs

PREFIX = 'lab-deploy'
STEP_TIMEOUT = 1800
# step, provision action, Ironic state expected, Nova statuses accepted
STEPS = (
    ('deploy', 'active', 'active', ('ACTIVE',)),
    ('undeploy (cleaning)', 'deleted', 'available', ('SHUTOFF', 'RESCUE')),
    ('deploy again', 'active', 'active', ('ACTIVE',)),
)


def agree(v, state, statuses):
    """Whether a view (``DeployDemo.view``) is in ``state``/``statuses``."""
    on = v['power'] == 'power on'
    return (v['provision'] == state and v['status'] in statuses
            and v['task_state'] is None and not v['last_error']
            and on == (v['power_state'] == 1))


def table(title, views, state, statuses, seconds):
    """Print Ironic's view beside Nova's per node, with a verdict each.

    :returns: True when every node agrees.
    """
    print('\n== %s (%.0fs)  expected: Ironic %s | Nova %s' % (
        title, seconds, state, ' or '.join(statuses)))
    head = ('node', 'provision', 'Ironic power', 'boot dev',
            'Nova status', 'vm_state', 'power_state', 'verdict')
    rows = []
    ok = True
    for v in views:
        agrees = agree(v, state, statuses)
        ok = ok and agrees
        rows.append((v['node'], v['provision'], v['power'] or '-',
                     v['boot'] or '-', v['status'], v['vm_state'],
                     demo_output.power_name(v['power_state']),
                     'agree' if agrees else 'DISAGREE'))
        if v['last_error']:
            rows.append(('', 'last_error: %s' % v['last_error'],
                         '', '', '', '', '', ''))
    demo_output.print_table(head, rows)
    return ok


class DeployDemo:

    def __init__(self, status, count):
        self.status = status
        self.count = count
        self.user = demo_output.connect(status['clouds_yaml'],
                                        status['cloud'])
        self.admin = demo_output.connect(status['clouds_yaml'],
                                         status['admin_cloud'])
        self.t0 = time.monotonic()
        self.ok = True

    def say(self, text):
        print('[demo %6.1fs] %s' % (time.monotonic() - self.t0, text),
              flush=True)

    def _each(self, func, items):
        with concurrent.futures.ThreadPoolExecutor(max(1, len(items))) as ex:
            return list(ex.map(func, items))

    def create_servers(self):
        """The servers, as ``create-nodes`` makes them (its function).

        The lab's blank disk image, a port on the provisioning network,
        stopped; as the lab's normal user. Prints create-nodes' table.
        """
        from ironic_openstack_driver.tools import common
        from ironic_openstack_driver.tools import servers
        net = self.status['provisioning_network']
        self.say('create-nodes --count %d --prefix %s --network %s'
                 % (self.count, PREFIX, net))
        report = common.Report(servers.COLUMNS, out=sys.stdout,
                               err=sys.stdout)
        ok = servers.create_nodes(self.user, report, PREFIX, self.count,
                                  self.status['flavor'],
                                  self.status['disk_image'], net)
        report.table()
        if not ok:
            raise RuntimeError('create-nodes failed (see above)')

    def enroll(self):
        """Their nodes, as ``enroll --manage --provide`` makes them.

        As the lab's system admin (its functions): a node per server
        PREFIX-N with the provisioning MAC as its port, each server marked
        for its node, then cleaned (automated cleaning) on the way to
        available. Prints enroll's table.

        :returns: the nodes' names.
        """
        from ironic_openstack_driver.tools import common
        from ironic_openstack_driver.tools import enroll
        from ironic_openstack_driver.tools import nodes_file
        net = self.status['provisioning_network']
        self.say('enroll --prefix %s --network %s --manage --provide'
                 % (PREFIX, net))
        network_id = common.find_one(self.user.network.find_network,
                                     'network', net, '--network').id
        specs = [nodes_file.node_for_server(self.user, server,
                                            self.status['cloud'],
                                            network_id=network_id)
                 for server in nodes_file.select_servers(self.user,
                                                         prefix=PREFIX)]
        report = common.Report(enroll.COLUMNS, out=sys.stdout,
                               err=sys.stdout)
        ok = enroll.enroll(self.admin.baremetal, report, specs,
                           self.user.compute, manage=True, provide=True,
                           timeout=STEP_TIMEOUT)
        report.table()
        if not ok:
            raise RuntimeError('enroll failed (see above)')
        return [spec['name'] for spec in specs]

    def cleanup(self):
        bm = self.admin.baremetal
        old = [n for n in bm.nodes(details=True)
               if (n.name or '').startswith(PREFIX)]
        for node in old:
            if node.provision_state == 'active':
                bm.set_node_maintenance(node, reason='demo cleanup')
            bm.delete_node(node, ignore_missing=True)
        servers = [sv for sv in self.user.compute.servers()
                   if sv.name.startswith(PREFIX)]
        for server in servers:
            self.user.compute.delete_server(server, ignore_missing=True)
        for server in servers:
            self.user.compute.wait_for_delete(server, wait=300)
        if old or servers:
            self.say('removed %d node(s) and %d server(s) of an earlier run'
                     % (len(old), len(servers)))

    def view(self, node):
        n = self.admin.baremetal.get_node(node)
        boot = self.admin.baremetal.get_node_boot_device(n.id) or {}
        sv = self.user.compute.get_server(n.driver_info['openstack_server'])
        return {'node': n.name, 'provision': n.provision_state,
                'power': n.power_state, 'boot': boot.get('boot_device'),
                'last_error': n.last_error, 'status': sv.status,
                'vm_state': sv.vm_state, 'task_state': sv.task_state,
                'power_state': sv.power_state, 'server': sv.id}

    def settled(self, node, state, statuses):
        deadline = time.monotonic() + 120
        while True:
            v = self.view(node)
            if agree(v, state, statuses) or \
                    time.monotonic() > deadline:
                return v
            time.sleep(3)

    def marker(self, v):
        marker = self.status['instance_marker']
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            log = self.user.compute.get_server_console_output(
                v['server']).get('output', '')
            for line in log.splitlines():
                if marker in line:
                    return line.strip()
            time.sleep(5)
        self.ok = False
        return '(no marker after 300 s)'

    def act(self, node, action):
        bm = self.admin.baremetal
        if action == 'active':
            bm.update_node(node, instance_info={
                'image_source': self.status['instance_image'],
                'image_checksum': self.status['instance_image_checksum'],
                'image_disk_format': self.status.get(
                    'instance_image_format', 'raw')})
        bm.set_node_provision_state(node, action, wait=True,
                                    timeout=STEP_TIMEOUT)

    def run(self):
        self.cleanup()
        self.create_servers()
        t = time.monotonic()
        nodes = self.enroll()
        statuses = ('SHUTOFF', 'RESCUE')
        self.ok = table('enroll + provide (automated cleaning)', self._each(
            lambda n: self.settled(n, 'available', statuses), nodes),
            'available', statuses, time.monotonic() - t) and self.ok
        for title, action, state, statuses in STEPS:
            t = time.monotonic()
            errors = []

            def step(node):
                try:
                    self.act(node, action)
                except Exception as exc:  # noqa: BLE001 - reported below
                    errors.append('%s: %s' % (node, exc))
                return self.settled(node, state, statuses)

            views = self._each(step, nodes)
            self.ok = table(title, views, state, statuses,
                            time.monotonic() - t) and self.ok
            for error in errors:
                self.ok = False
                print('   error: %s' % error)
            if action == 'active':
                for v, line in zip(views, self._each(self.marker, views)):
                    print('   %s console: %s' % (v['node'], line))
        walk_logs.print_phases(settings.paths(), [
            self.admin.baremetal.get_node(n).id for n in nodes])
        total = time.monotonic() - self.t0
        print('\nVERDICT: %s - %d node(s) cleaned, deployed, undeployed and '
              'deployed again (%.0fs)' % ('PASS' if self.ok else 'FAIL',
                                          self.count, total))
        return 0 if self.ok else 1


def main(status, nodes=2):
    logging.getLogger('keystoneauth').setLevel(logging.ERROR)
    if not status.get('exec_prefix'):
        print('demo: the lab does not run in a real mode', file=sys.stderr)
        return 1
    return DeployDemo(status, nodes).run()
