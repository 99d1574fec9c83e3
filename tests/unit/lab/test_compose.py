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

"""The lab composed from its mode's backends (no process starts here).

Which services each mode runs and in what order (``status`` lists them
so, ``down`` stops them in reverse), and what each backend adds to the
shared configuration files.
"""

import os
import sys
from unittest import mock

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(REPO, 'lab'))

from labkit.compute import fake  # noqa: E402
from labkit.compute import libvirt  # noqa: E402
from labkit import configs  # noqa: E402
from labkit import lab as labmod  # noqa: E402
from labkit.network import bridge  # noqa: E402
from labkit.network import nodataplane  # noqa: E402
from labkit import settings as s  # noqa: E402
from tests.unit.lab import lab_home  # noqa: E402

SHARED_HEAD = ['mariadb', 'epmd', 'rabbitmq']
SHARED_MIDDLE = ['keystone', 'glance', 'placement', 'neutron', 'nova-api',
                 'nova-conductor', 'nova-scheduler']
SECRETS = {name: 'pw-' + name for name in
           ('db', 'admin', 'demo', 'rabbit') + s.SERVICE_USERS}


class ComposeTestCase(lab_home.LabHomeTestCase):

    def setUp(self):
        super().setUp()
        os.environ.pop(s.COMPUTE_HOSTS_ENV, None)
        self.p = s.paths()

    def lab(self, virt='fake', hosts=None):
        return labmod.Lab(verbose=False, virt=virt, compute_hosts=hosts)


class ServicesInOrderTest(ComposeTestCase):

    def test_fast_mode(self):
        lab = self.lab(hosts=2)
        self.assertEqual(
            SHARED_HEAD + SHARED_MIDDLE
            + ['nova-compute', 'nova-compute-2', 'ironic',
               'lab-guest-console', 'nova-serialproxy', 'nova-novncproxy',
               'ironic-conductor-2'],
            [svc.name for svc in lab.services])

    def test_real_mode(self):
        for virt in ('qemu', 'kvm'):
            lab = self.lab(virt=virt)
            self.assertEqual(
                SHARED_HEAD + ['dnsmasq', 'http-boot'] + SHARED_MIDDLE
                + ['libvirtd', 'nova-compute', 'ironic', 'console-recorder',
                   'nova-serialproxy', 'nova-novncproxy',
                   'ironic-conductor-2'],
                [svc.name for svc in lab.services])

    def test_groups_of_the_real_mode(self):
        stack = self.lab(virt='qemu').stack
        self.assertEqual(['libvirtd'],
                         [svc.name for svc in stack.compute_helpers])
        self.assertEqual(['nova-compute'],
                         [svc.name for svc in stack.computes])
        self.assertEqual(['placement', 'nova-api', 'nova-conductor',
                          'nova-scheduler', 'nova-compute'],
                         [svc.name for svc in stack.nova_group])
        self.assertEqual(['ironic-conductor-2'], [
            svc.name for svc in stack.services if svc.optional])

    def test_status_and_down_act_on_the_mode_last_brought_up(self):
        s.save_mode(self.p, 'qemu', 1)
        self.assertIn('libvirtd', [svc.name for svc in
                                   labmod.Lab(verbose=False).services])


class BackendsTest(ComposeTestCase):

    def test_the_mode_picks_the_backends(self):
        fast = self.lab(hosts=3).mode
        self.assertIsInstance(fast.compute, fake.Fake)
        self.assertEqual(3, fast.compute.hosts)
        self.assertIsInstance(fast.network, nodataplane.NoDataplane)
        real = self.lab(virt='kvm').mode
        self.assertIsInstance(real.compute, libvirt.Libvirt)
        self.assertEqual('kvm', real.compute.virt)
        self.assertIsInstance(real.network, bridge.Bridge)
        # The libvirt backend installs the bridge's hook.
        self.assertEqual(bridge.libvirt_hook(), real.compute.hook)

    def test_compute_backend_fills_nova_conf(self):
        for virt, driver, serial in (('fake', 'lab_fake.LabFakeDriver',
                                      'true'),
                                     ('qemu', 'lab_libvirt.'
                                      'LoaderSecureCompatLibvirtDriver',
                                      'false')):
            mode = self.lab(virt=virt).mode
            text = configs.nova(self.p, SECRETS, mode.compute.nova_conf(
                self.p, SECRETS))['nova.conf']
            self.assertIn('compute_driver = %s' % driver, text)
            serial_section = text.split('[serial_console]')[1]
            self.assertIn('enabled = %s' % serial,
                          serial_section.split('\n[')[0])

    def test_network_backend_fills_ml2(self):
        for virt, driver in (('fake', 'lab_nodataplane'),
                             ('qemu', 'lab_tapbridge')):
            mode = self.lab(virt=virt).mode
            text = configs.neutron(self.p, SECRETS, mode.network.ml2_conf())[
                'plugins/ml2/ml2_conf.ini']
            self.assertIn('mechanism_drivers = %s' % driver, text)

    def test_only_the_real_mode_adds_a_deploying_ironic(self):
        self.assertEqual({}, self.lab().mode.ironic_conf())
        images = {'deploy_kernel': '/i/ipa.kernel',
                  'deploy_ramdisk': '/i/ipa.initramfs'}
        mode = self.lab(virt='qemu').mode
        with mock.patch('labkit.images.recorded', return_value=images):
            conf = mode.ironic_conf()
        self.assertEqual('file:///i/ipa.kernel',
                         conf['conductor']['deploy_kernel'])
        text = configs.ironic(self.p, SECRETS, mode_conf=conf)['ironic.conf']
        self.assertIn('default_deploy_interface = direct', text)
        self.assertNotIn('default_deploy_interface',
                         configs.ironic(self.p, SECRETS)['ironic.conf'])

    def test_the_real_mode_enables_agent_rescue_with_the_agents_ramdisk(self):
        images = {'deploy_kernel': '/i/ipa.kernel',
                  'deploy_ramdisk': '/i/ipa.initramfs'}
        mode = self.lab(virt='qemu').mode
        with mock.patch('labkit.images.recorded', return_value=images):
            conf = mode.ironic_conf()
        text = configs.ironic(self.p, SECRETS, mode_conf=conf)['ironic.conf']
        # no-rescue first: Ironic's default for a node that names none.
        self.assertIn('enabled_rescue_interfaces = no-rescue,agent', text)
        self.assertIn('rescue_kernel = file:///i/ipa.kernel', text)
        self.assertIn('rescue_ramdisk = file:///i/ipa.initramfs', text)
        self.assertNotIn('enabled_rescue_interfaces',
                         configs.ironic(self.p, SECRETS)['ironic.conf'])
