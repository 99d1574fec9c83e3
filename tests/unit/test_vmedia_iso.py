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

"""vmedia_iso's pure parts: command line, network words, content key.

test_virtual_media.py builds real ISOs through Ironic's conductor and reads
them back; these tables check the inputs an ISO is made of.
"""

import copy
import hashlib
import json
import os
import tempfile
import types
import unittest
from unittest import mock

from ironic.common import exception
from ironic.tests.unit.objects import utils as obj_utils

from ironic_openstack_driver import vmedia_iso
from tests.unit import base

MAC = '52:54:00:12:34:56'
NETWORK_DATA = {
    'links': [{'id': 'port-0', 'type': 'phy',
               'ethernet_mac_address': MAC}],
    'networks': [{'id': 'net-0', 'type': 'ipv4', 'link': 'port-0',
                  'ip_address': '10.0.5.10', 'netmask': '255.255.255.0',
                  'routes': [{'network': '0.0.0.0', 'netmask': '0.0.0.0',
                              'gateway': '10.0.5.1'}]}],
    'services': [{'type': 'dns', 'address': '10.0.5.1'}],
}
IFNAME = 'ifname=ironic0:%s' % MAC
IP = 'ip=10.0.5.10::10.0.5.1:255.255.255.0::ironic0:none'


def network_data(change):
    """NETWORK_DATA changed by ``change(data)``."""
    data = copy.deepcopy(NETWORK_DATA)
    change(data)
    return data


def _second_network_first(data):
    data['links'].append({'id': 'port-1', 'ethernet_mac_address':
                          '52:54:00:ab:cd:ef'})
    data['networks'].insert(0, dict(data['networks'][0], id='net-1',
                                    link='port-1', ip_address='10.0.6.10'))


class NetworkKernelParamsTestCase(unittest.TestCase):

    TABLE = [
        ('no network_data', None, []),
        ('empty network_data', {}, []),
        ('static IPv4 with a gateway and DNS', NETWORK_DATA,
         [IFNAME, IP, 'nameserver=10.0.5.1']),
        ('the MAC in lower case',
         network_data(lambda d: d['links'][0].update(
             ethernet_mac_address=MAC.upper())),
         [IFNAME, IP, 'nameserver=10.0.5.1']),
        ('no default route: no gateway',
         network_data(lambda d: d['networks'][0].update(routes=[])),
         [IFNAME, 'ip=10.0.5.10:::255.255.255.0::ironic0:none',
          'nameserver=10.0.5.1']),
        ('IPv6 name servers left out',
         network_data(lambda d: d['services'].append(
             {'type': 'dns', 'address': 'fd00::1'})),
         [IFNAME, IP, 'nameserver=10.0.5.1']),
        ('no DNS service',
         network_data(lambda d: d.update(services=[])), [IFNAME, IP]),
        ('IPv6 only',
         network_data(lambda d: d['networks'][0].update(type='ipv6')), []),
        ('DHCP: no address',
         network_data(lambda d: d['networks'][0].pop('ip_address')), []),
        ('no netmask',
         network_data(lambda d: d['networks'][0].pop('netmask')), []),
        ('a link without a MAC',
         network_data(lambda d: d['links'][0].pop('ethernet_mac_address')),
         []),
        ('the first static IPv4 network wins',
         network_data(_second_network_first),
         ['ifname=ironic0:52:54:00:ab:cd:ef',
          'ip=10.0.6.10::10.0.5.1:255.255.255.0::ironic0:none',
          'nameserver=10.0.5.1']),
    ]

    def test_each_network_data_gives_the_tables_words(self):
        for case, data, expected in self.TABLE:
            with self.subTest(case):
                self.assertEqual(expected,
                                 vmedia_iso.network_kernel_params(data))


class NetworkDataFilesTestCase(unittest.TestCase):

    def test_no_network_data_injects_nothing(self):
        for data in (None, {}):
            with self.subTest(network_data=data):
                self.assertEqual({}, vmedia_iso.network_data_files(data))

    def test_network_data_goes_where_glean_reads_a_config_drive(self):
        files = vmedia_iso.network_data_files(NETWORK_DATA)
        (content, path), = files.items()
        self.assertEqual('openstack/latest/network_data.json', path)
        self.assertEqual(NETWORK_DATA, json.loads(content))


class KernelCommandLineTestCase(base.DbTestCase):

    TABLE = [
        # (append params of the node, params, extra words, command line)
        (None, {}, (), 'nofb'),
        (None, {'ipa-api-url': 'http://192.0.2.1:6385'}, (),
         'nofb ipa-api-url=http://192.0.2.1:6385'),
        # Parameters in name order; None or '' gives the bare name.
        (None, {'b': '2', 'a': '1', 'c': None, 'd': ''}, (),
         'nofb a=1 b=2 c d'),
        (None, {'a': '1'}, ('ip=dhcp',), 'nofb ip=dhcp a=1'),
        ('console=ttyS0 %default%', {'a': '1'}, (),
         'console=ttyS0 nofb a=1'),
        ('', {'a': '1'}, (), 'a=1'),
    ]

    def test_each_input_gives_the_tables_command_line(self):
        self.config(kernel_append_params='nofb', group='pxe')
        for append, params, extra, expected in self.TABLE:
            info = ({} if append is None
                    else {'kernel_append_params': append})
            node = types.SimpleNamespace(instance_info={}, driver_info=info)
            with self.subTest(append=append, params=params, extra=extra):
                self.assertEqual(expected, vmedia_iso.kernel_command_line(
                    node, params, extra))


class ContentKeyTestCase(unittest.TestCase):

    def setUp(self):
        super().setUp()
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.files = {}
        for name in ('kernel', 'ramdisk', 'esp', 'other', 'extra'):
            self.files[name] = os.path.join(tmp.name, name)
            with open(self.files[name], 'wb') as f:
                f.write(name.encode() * 100)

    def _key(self, boot_mode='bios', kernel='kernel', ramdisk='ramdisk',
             cmdline='a=1', inject=None, esp=None):
        inject = {b'{}': 'openstack/latest/network_data.json'} \
            if inject is None else inject
        return vmedia_iso.content_key(
            boot_mode, self.files[kernel], self.files[ramdisk], cmdline,
            inject, self.files[esp] if esp else None)

    def test_the_same_inputs_give_the_same_key(self):
        self.assertEqual(self._key(), self._key())
        self.assertEqual(64, len(self._key()))

    def test_every_input_changes_the_key(self):
        changes = [
            ('boot mode', {'boot_mode': 'uefi'}),
            ('kernel', {'kernel': 'other'}),
            ('ramdisk', {'ramdisk': 'other'}),
            ('command line (an agent token)', {'cmdline': 'a=2'}),
            ('injected content', {'inject': {
                b'{"x": 1}': 'openstack/latest/network_data.json'}}),
            ('injected path', {'inject': {b'{}': 'other/path'}}),
            ('nothing injected', {'inject': {}}),
            ('an ESP image', {'esp': 'esp'}),
        ]
        keys = {'unchanged': self._key()}
        for case, change in changes:
            with self.subTest(case):
                keys[case] = self._key(**change)
        self.assertEqual(len(keys), len(set(keys.values())), keys)

    def test_injected_bytes_and_a_file_of_the_same_content_match(self):
        with open(self.files['extra'], 'wb') as f:
            f.write(b'{}')
        self.assertEqual(
            self._key(),
            self._key(inject={self.files['extra']:
                              'openstack/latest/network_data.json'}))

    def test_injection_order_does_not_matter(self):
        first = {b'1': 'a', b'2': 'b'}
        second = {b'2': 'b', b'1': 'a'}
        self.assertEqual(self._key(inject=first), self._key(inject=second))

    def test_a_file_is_hashed_in_chunks(self):
        with mock.patch.object(vmedia_iso, 'CHUNK', 7):
            self.assertEqual(
                hashlib.sha256(b'kernel' * 100).hexdigest(),
                vmedia_iso.file_sha256(self.files['kernel']))


class EspImageTestCase(base.DbTestCase):

    def test_uefi_without_an_esp_image_names_the_fields_and_the_node(self):
        self.config(esp_image=None)
        self.config(bootloader=None, group='conductor')
        node = obj_utils.get_test_node(self.context, driver='openstack')
        task = types.SimpleNamespace(node=node, context=None)
        exc = self.assertRaises(exception.MissingParameterValue,
                                vmedia_iso._esp_image, task, '/tmp', None)
        self.assertIn(node.uuid, str(exc))
        self.assertIn('driver_info bootloader', str(exc))

    def test_a_configured_esp_image_is_used_as_it_is(self):
        self.config(esp_image='/srv/esp.img')
        self.config(bootloader=None, group='conductor')
        node = obj_utils.get_test_node(self.context, driver='openstack')
        task = types.SimpleNamespace(node=node, context=None)
        self.assertEqual('/srv/esp.img',
                         vmedia_iso._esp_image(task, '/tmp', None))
