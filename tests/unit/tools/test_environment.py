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

"""ironic-openstack-nodes environment: the steps chained, re-run, undone.

The fake host cloud's baremetal proxy plays the Ironic on the host (the
connection through --clouds-file) as well as an existing Ironic
(--ironic-cloud): base.ToolTestCase hands the same fake for every cloud.
"""

import argparse
import os
from unittest import mock

from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as sdk_exc
import yaml

from ironic_openstack_driver.tools import cli
from ironic_openstack_driver.tools import enroll
from ironic_openstack_driver.tools import env_options
from ironic_openstack_driver.tools import environment
from ironic_openstack_driver.tools import ironic_host
from ironic_openstack_driver.tools import servers
from tests.unit.tools import base


class EnvironmentTest(base.HostCloudTestCase):

    def make_cloud(self):
        cloud = super().make_cloud()
        cloud.add_image('ipxe-rescue')
        return cloud

    def env(self, *extra, network='prov'):
        return self.run_tool(
            'environment', '--count', '2', '--node-flavor', 'bm.small',
            '--node-image', 'ipxe-rescue', '--network', network,
            '--host-image', 'debian-12', '--host-flavor', 'bm.small',
            '--key-name', 'mykey', '--provisioning-address',
            '192.168.24.1/24', '--access-network', 'public',
            '--allow-from', '203.0.113.0/24', '--driver-source',
            'https://wheels.example/driver.whl', '--clouds-file',
            self.clouds_file, *extra)

    def state(self):
        c = self.cloud
        return (sorted(s['name'] for s in c.servers.values()),
                sorted(p['name'] for p in c.ports.values()),
                sorted(g['name'] for g in c.security_groups.values()),
                sorted(a['name'] for a in c.app_credentials.values()),
                sorted(n['name'] for n in c.nodes.values()),
                len(c.bm_ports))

    def row(self, out, step):
        """The summary table's cells of ``step``."""
        for line in out.splitlines():
            cells = [c.strip() for c in line.strip('|').split('|')]
            if cells[0] == step:
                return cells
        self.fail('no row %s in:\n%s' % (step, out))

    def test_a_first_run_makes_everything(self):
        rc, out, err = self.env('--manage')
        self.assertEqual(0, rc, err)
        self.assertEqual((
            ['baremetal-0', 'baremetal-1', 'ironic-host'],
            ['baremetal-0-provisioning', 'baremetal-1-provisioning',
             'ironic-host-access', 'ironic-host-provisioning'],
            ['ironic-host'], ['ironic-host'],
            ['baremetal-0', 'baremetal-1'], 2), self.state())
        # enroll went to the host's Ironic, through the entry ironic-host
        # wrote, with the host's own cloud for the driver.
        self.assertIn(('ironic-host', self.clouds_file, 'clouds-file'),
                      self.connected)
        for node in self.cloud.nodes.values():
            self.assertEqual('host', node['driver_info']['openstack_cloud'])
            self.assertEqual('manageable', node['provision_state'])
        self.assertEqual(['create-nodes', 'done', '2 made', ''],
                         self.row(out, 'create-nodes'))
        host = self.row(out, 'ironic-host')
        self.assertEqual(['done', '5 made'], host[1:3])
        self.assertRegex(host[3], r'^http://[\d.]+:6385$')
        self.assertEqual(['ironic-api', 'done', '', 'answered'],
                         self.row(out, 'ironic-api'))
        self.assertEqual(['done', '2 made'], self.row(out, 'enroll')[1:3])
        self.assertIn('Ironic: %s (cloud ironic-host in %s)' % (
            host[3], self.clouds_file), out)
        for node in self.cloud.nodes.values():
            server = node['driver_info']['openstack_server']
            self.assertEqual([node['name'], node['id'], server,
                              'manageable'], self.row(out, node['name']))

    def test_secrets_stay_out_of_the_output(self):
        rc, out, err = self.env()
        self.assertEqual(0, rc, err)
        with open(self.clouds_file) as f:
            password = yaml.safe_load(f)['clouds']['ironic-host']['auth'][
                'password']
        cred_id, = self.cloud.app_credentials
        for secret in (password, 'SECRET-of-%s' % cred_id):
            self.assertNotIn(secret, out)
            self.assertNotIn(secret, err)

    def test_virtual_media_reaches_every_step(self):
        self.cloud.subnets.append({
            'id': 'subnet-prov', 'network_id': self.cloud.prov.id,
            'cidr': '192.168.24.0/24', 'gateway_ip': '192.168.24.254',
            'dns_nameservers': [], 'host_routes': [], 'ip_version': 4})
        rc, out, err = self.env('--boot', 'virtual-media')
        self.assertEqual(0, rc, err)
        host_port = [p for p in self.cloud.ports.values()
                     if p['name'] == 'ironic-host-provisioning'][0]
        self.assertEqual('192.168.24.1',
                         host_port['fixed_ips'][0]['ip_address'])
        self.assertEqual({'openstack-virtual-media'}, {
            n['boot_interface'] for n in self.cloud.nodes.values()})

    def test_the_provisioning_physnet_reaches_enroll(self):
        rc, out, err = self.env(network='prov:physnet1')
        self.assertEqual(0, rc, err)
        self.assertEqual({'physnet1'}, {
            p.get('physical_network') for p in self.cloud.bm_ports.values()})

    def test_a_second_run_makes_nothing_and_says_what_it_found(self):
        self.assertEqual(0, self.env()[0])
        before = self.state()
        calls = (self.cloud.compute.create_server.call_count,
                 self.cloud.network.create_port.call_count,
                 self.cloud.baremetal.create_node.call_count,
                 self.cloud.baremetal.create_port.call_count)
        rc, out, err = self.env()
        self.assertEqual(0, rc, err)
        self.assertEqual(before, self.state())
        self.assertEqual(calls, (
            self.cloud.compute.create_server.call_count,
            self.cloud.network.create_port.call_count,
            self.cloud.baremetal.create_node.call_count,
            self.cloud.baremetal.create_port.call_count))
        self.assertEqual('2 found', self.row(out, 'create-nodes')[2])
        self.assertEqual('4 found', self.row(out, 'ironic-host')[2])
        self.assertEqual('2 found', self.row(out, 'enroll')[2])
        self.assertNotIn('made', out)

    def test_delete_removes_exactly_what_was_made(self):
        self.cloud.add_server('other-0', mac='52:54:00:00:00:01')
        beyond = self.cloud.add_server('baremetal-2')    # --count 2
        other_sg = self.cloud._create_sg(name='mine')
        self.assertEqual(0, self.env()[0])
        rc, out, err = self.env('--delete')
        self.assertEqual(0, rc, err)
        self.assertIn('baremetal-2 (%s) is beyond --count 2; left alone'
                      % beyond, err)
        self.assertEqual(['baremetal-2', 'other-0'], self.state()[0])
        self.assertEqual(['other-0-provisioning'], self.state()[1])
        self.assertEqual([other_sg.id], list(self.cloud.security_groups))
        self.assertEqual({}, self.cloud.app_credentials)
        self.assertFalse(os.path.exists(self.clouds_file))
        # Reverse order; the nodes went with the host's Ironic.
        self.assertEqual(['ironic-host', 'create-nodes'], [
            line.split('|')[1].strip() for line in out.splitlines()
            if line.startswith('| ') and 'deleted' in line])
        self.cloud.baremetal.delete_node.assert_not_called()
        rc, out, err = self.env('--delete')
        self.assertEqual(0, rc, err)
        self.assertNotIn('deleted', out)

    def test_an_existing_ironic_gets_the_nodes_and_loses_them(self):
        self.cloud.nodes['n-other'] = {
            'id': 'n-other', 'name': 'lab-0', 'driver': 'openstack',
            'driver_info': {}, 'provision_state': 'available'}
        rc, out, err = self.env('--ironic-cloud', 'lab', '--provide')
        self.assertEqual(0, rc, err)
        self.assertIn(('lab', None, 'ironic-cloud'), self.connected)
        self.assertEqual((['baremetal-0', 'baremetal-1'], [], []),
                         self.state()[0:1] + self.state()[2:4])
        self.assertEqual(['baremetal-0', 'baremetal-1', 'lab-0'],
                         self.state()[4])
        self.assertNotIn('ironic-host', out)
        self.assertIn('Ironic: cloud lab (--ironic-cloud)', out)
        for node in self.cloud.nodes.values():
            if node['name'] != 'lab-0':
                self.assertEqual('host',
                                 node['driver_info']['openstack_cloud'])
        rc, out, err = self.env('--ironic-cloud', 'lab', '--delete')
        self.assertEqual(0, rc, err)
        self.assertEqual(([], ['lab-0'], 0), (
            self.state()[0], self.state()[4], len(self.cloud.bm_ports)))
        self.assertEqual('2 deleted', self.row(out, 'enroll')[2])

    def test_a_node_ironic_keeps_stops_the_delete_before_the_servers(self):
        self.assertEqual(0, self.env('--ironic-cloud', 'lab')[0])
        node = [n for n in self.cloud.nodes.values()
                if n['name'] == 'baremetal-1'][0]
        node['provision_state'] = 'active'
        rc, out, err = self.env('--ironic-cloud', 'lab', '--delete')
        self.assertEqual(1, rc)
        self.assertIn('error: step enroll: Ironic kept node(s) baremetal-1',
                      err)
        self.assertEqual(['failed', '1 deleted'],
                         self.row(out, 'enroll')[1:3])
        self.assertEqual('not run', self.row(out, 'create-nodes')[1])
        self.assertEqual(['baremetal-0', 'baremetal-1'], self.state()[0])

    def test_a_failed_middle_step_is_named_and_what_exists_listed(self):
        self.cloud.network.create_security_group.side_effect = (
            sdk_exc.ForbiddenException(
                message='Quota exceeded for resources: '
                        '[\'security_group\'].', http_status=403))
        rc, out, err = self.env()
        self.assertEqual(1, rc)
        self.assertIn('error: step ironic-host: cannot create security '
                      'group ironic-host: HTTP 403', err)
        self.assertIn('--delete', err)
        self.assertEqual(['done', '2 made'],
                         self.row(out, 'create-nodes')[1:3])
        self.assertEqual(['failed', '1 made'],
                         self.row(out, 'ironic-host')[1:3])
        self.assertEqual('not run', self.row(out, 'ironic-api')[1])
        self.assertEqual('not run', self.row(out, 'enroll')[1])
        for name in ('baremetal-0', 'baremetal-1'):
            self.assertEqual('', self.row(out, name)[1])
        self.cloud.baremetal.create_node.assert_not_called()
        # What was made goes with --delete.
        rc, out, err = self.env('--delete')
        self.assertEqual(0, rc, err)
        self.assertEqual(([], [], [], []), self.state()[:4])

    def test_a_first_step_failing_part_way_stops_the_run(self):
        self.cloud.fail_create_server.add('baremetal-1')
        rc, out, err = self.env()
        self.assertEqual(1, rc)
        self.assertIn('error: cannot create server baremetal-1', err)
        self.assertIn('error: step create-nodes: failed (see above)', err)
        # create-nodes printed its table; it is not printed twice.
        self.assertEqual(1, err.count('| baremetal-0 '))
        self.assertEqual(['failed', '1 made, 1 failed'],
                         self.row(out, 'create-nodes')[1:3])
        self.assertEqual('not run', self.row(out, 'ironic-host')[1])
        self.assertEqual(['baremetal-0'], self.state()[0])

    def test_an_api_not_yet_answering_is_waited_for(self):
        answers = [ks_exc.ConnectFailure('Connection refused'),
                   sdk_exc.HttpException(message='Bad Gateway',
                                         http_status=502)]
        nodes = self.cloud.baremetal.nodes.side_effect

        def listing(**query):
            if answers:
                raise answers.pop(0)
            return nodes(**query)
        self.cloud.baremetal.nodes.side_effect = listing
        rc, out, err = self.env()
        self.assertEqual(0, rc, err)
        self.assertIn('Waiting for the Ironic API at http://', err)
        self.assertEqual('done', self.row(out, 'enroll')[1])

    def test_an_api_silent_past_the_timeout_stops_before_enroll(self):
        self.cloud.baremetal.nodes.side_effect = ks_exc.ConnectFailure(
            'Connection refused')
        rc, out, err = self.env('--api-timeout', '0')
        self.assertEqual(1, rc)
        self.assertRegex(err, r'error: step ironic-api: timed out after 0s '
                              r'waiting for the Ironic API at http://\S+ '
                              r'\(last error: Connection refused\): '
                              r'cloud-init may still be installing it')
        self.assertEqual('not run', self.row(out, 'enroll')[1])
        self.assertEqual(['baremetal-0', 'baremetal-1', 'ironic-host'],
                         self.state()[0])
        self.cloud.baremetal.create_node.assert_not_called()

    def test_refused_credentials_are_not_waited_for(self):
        self.cloud.baremetal.nodes.side_effect = sdk_exc.HttpException(
            message='Unauthorized', http_status=401)
        rc, out, err = self.env()
        self.assertEqual(1, rc)
        self.assertIn('refuses the credentials of --clouds-file', err)
        self.assertEqual(1, self.cloud.baremetal.nodes.call_count)

    def test_skip_enroll_makes_the_servers_and_the_host_only(self):
        rc, out, err = self.env('--skip-enroll')
        self.assertEqual(0, rc, err)
        self.assertEqual([], self.state()[4])
        self.assertNotIn('ironic-api', out)
        self.cloud.baremetal.nodes.assert_not_called()

    def test_a_missing_option_is_named_as_given_here(self):
        rc, out, err = self.run_tool(
            'environment', '--count', '2', '--node-flavor', 'bm.small',
            '--node-image', 'ipxe-rescue', '--network', 'prov',
            '--allow-from', '203.0.113.0/24')
        self.assertEqual(1, rc)
        self.assertIn('error: --host-image is needed to create the '
                      'environment (ironic-host --image)', err)
        self.assertEqual(([], []), self.state()[:2])


class DecisionTest(base.unittest.TestCase):

    def test_plan_of_each_run(self):
        plan = environment.plan
        self.assertEqual(['create-nodes', 'ironic-host', 'ironic-api',
                          'enroll'], plan())
        self.assertEqual(['create-nodes', 'enroll'],
                         plan(ironic_cloud='lab'))
        self.assertEqual(['create-nodes', 'ironic-host'],
                         plan(skip_enroll=True))
        self.assertEqual(['ironic-host', 'create-nodes'], plan(delete=True))
        self.assertEqual(['enroll', 'create-nodes'],
                         plan(delete=True, ironic_cloud='lab'))

    def test_the_summary_counts_each_step_and_joins_the_nodes(self):
        outcome = environment.Outcome
        text = environment.render([
            outcome('create-nodes', 'done', servers.COLUMNS, [
                ['bm-0', 'srv-0', 'created', 'SHUTOFF', 'mac', 'p'],
                ['bm-1', 'srv-1', 'exists', 'SHUTOFF', 'mac', 'p']], ''),
            outcome('ironic-host', 'done', ironic_host.COLUMNS, [
                ['port', 'h-provisioning', 'p1', 'exists'],
                ['server', 'h', 's', 'created']], 'http://10.0.0.5:6385'),
            outcome('ironic-api', 'done', (), [], ''),
            outcome('enroll', 'failed', enroll.COLUMNS, [
                ['bm-0', 'uuid-0', 'created, now manageable', 'manageable',
                 'mac'],
                ['bm-1', '', 'failed', '', '']], '')],
            'http://10.0.0.5:6385 (cloud h in h-clouds.yaml)')
        self.assertEqual(
            '+--------------+--------+------------------+'
            '----------------------+\n'
            '| Step         | Result | What             | Details'
            '              |\n'
            '+--------------+--------+------------------+'
            '----------------------+\n'
            '| create-nodes | done   | 1 made, 1 found  |'
            '                      |\n'
            '| ironic-host  | done   | 1 made, 1 found  | '
            'http://10.0.0.5:6385 |\n'
            '| ironic-api   | done   |                  |'
            '                      |\n'
            '| enroll       | failed | 1 made, 1 failed |'
            '                      |\n'
            '+--------------+--------+------------------+'
            '----------------------+\n'
            'Ironic: http://10.0.0.5:6385 (cloud h in h-clouds.yaml)\n'
            '+------+-----------+-----------+-----------------+\n'
            '| Node | Node UUID | Server ID | Provision state |\n'
            '+------+-----------+-----------+-----------------+\n'
            '| bm-0 | uuid-0    | srv-0     | manageable      |\n'
            '| bm-1 |           | srv-1     |                 |\n'
            '+------+-----------+-----------+-----------------+', text)

    def test_an_option_two_steps_declare_differently_is_refused(self):
        parser = argparse.ArgumentParser()
        with mock.patch.dict(env_options.RENAMES['enroll'],
                             {'--network': '--network'}):
            self.assertRaisesRegex(ValueError, '--network of enroll',
                                   env_options.borrow, parser)

    def test_every_option_of_a_step_reaches_it(self):
        args = cli.build_parser().parse_args([
            'environment', '--count', '3', '--node-image', 'img',
            '--network', 'prov:physnet1', '--network', 'data',
            '--create-network', '--host-image', 'deb', '--allow-from',
            '10.0.0.0/8', '--allow-from', '10.1.0.0/16', '--provide',
            '--enroll-timeout', '30', '--timeout', '60'])
        self.assertEqual(
            ['--count=3', '--prefix=baremetal', '--image=img',
             '--network=prov:physnet1', '--network=data', '--boot=pxe',
             '--create-network', '--timeout=60', '--shutdown-timeout=5'],
            env_options.command_line(args, 'create-nodes'))
        host = env_options.step_args(args, 'ironic-host',
                                     [('--network', 'prov')])
        self.assertEqual(('deb', ['10.0.0.0/8', '10.1.0.0/16'], 60, 'prov',
                          'ironic-host'), (host.image, host.allow_from,
                                           host.timeout, host.network,
                                           host.name))
        enrolling = env_options.step_args(args, 'enroll')
        self.assertEqual((True, 30, None), (
            enrolling.provide, enrolling.timeout, enrolling.prefix))
