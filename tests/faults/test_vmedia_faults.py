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

"""A virtual media node deleted mid-boot (in maintenance).

The fast lab enables the boot interface openstack-virtual-media: Ironic
builds and uploads the agent's ISO for real (from small stand-in agent
files) and the fake compute rescues the server with it.
"""

import glob
import os
import re
import subprocess
import tempfile
import time

from ironic_openstack_driver.tools import waiting
from tests.faults import checks
from tests.faults import ironic as ironic_api
from tests.faults import tools

CLEAN_STEPS = [{'interface': 'deploy', 'step': 'erase_devices_metadata'}]
#: What one run of the clean-up may take beyond its interval (unrescue
#: and stop of the server, Glance deletes).
RUN_MARGIN = 30


def _agent_files(lab):
    directory = tools.ironic_setting(lab, 'conductor',
                                     'file_url_allowed_paths', '')
    assert directory, 'the lab allows no file:// agent files'
    os.makedirs(directory, exist_ok=True)
    urls = {}
    for name in ('kernel', 'ramdisk'):
        path = os.path.join(directory, 'faults-%s' % name)
        with open(path, 'wb') as f:
            f.write(name.encode() * 4096)
        urls['deploy_%s' % name] = 'file://' + path
    return urls


def _isos(nova, node):
    return [image for image in nova.image.images()
            if (image.name or '').startswith('ironic-vmedia-%s-' % node)]


def _iso_token(nova, image):
    """The agent token on the ISO's kernel command line."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'boot.iso')
        nova.image.download_image(image, output=path)
        cfg = subprocess.run(
            ['isoinfo', '-R', '-i', path, '-x', '/isolinux/isolinux.cfg'],
            capture_output=True, check=True, text=True).stdout
    tokens = set(re.findall(r'ipa-agent-token=(\S+)', cfg))
    assert len(tokens) == 1, cfg
    return tokens.pop()


def _places_with(lab, ironic, value):
    """Where a secret shows: lab logs, last_errors, Ironic API answers."""
    places = {}
    for log in glob.glob(os.path.join(lab['state_dir'], 'logs', '*.log')):
        with open(log, 'rb') as f:
            places[os.path.basename(log)] = f.read().decode('utf-8',
                                                            'replace')
    places['last_error'] = '\n'.join(
        shown.get('last_error') or '' for shown in ironic.call(
            'get', '/nodes/detail').json()['nodes'])
    places['Ironic API answers'] = '\n'.join(ironic_api.RESPONSES)
    return sorted(where for where, text in places.items() if value in text)


def test_vmedia_node_deleted_mid_boot(lab, ironic, nova, nodes, row):
    interval = tools.ironic_option(lab, 'openstack',
                                   'vmedia_cleanup_interval', 600)
    cache = tools.ironic_setting(lab, 'openstack', 'vmedia_cache_dir', '')
    r = row('virtual media node deleted mid-boot (maintenance)',
            'ISO gone from Glance and cache, server not rescued, '
            'within %ds; token nowhere' % interval)
    node, server = nodes.node(manage=True, **_agent_files(lab))
    ironic.patch(node, [
        {'op': 'replace', 'path': '/boot_interface',
         'value': 'openstack-virtual-media'},
        {'op': 'replace', 'path': '/deploy_interface', 'value': 'direct'}])
    ironic.call('put', '/nodes/%s/states/provision' % node, expect=(202,),
                json={'target': 'clean', 'clean_steps': CLEAN_STEPS})
    waiting.wait_for('clean wait', lambda: ironic.node(node)[
        'provision_state'] in ('clean wait', 'clean failed'), 180)
    shown = ironic.node(node)
    assert shown['provision_state'] == 'clean wait', shown['last_error']
    ironic_api.wait_server(nova, server, 'RESCUE')
    (iso,) = _isos(nova, node)
    assert iso.visibility == 'private', iso.visibility
    assert glob.glob(os.path.join(cache, node + '-*.iso'))
    # The agent's token is on the ISO, and nowhere Ironic shows things.
    token = _iso_token(nova, iso)
    tools.SECRETS.append(token)
    assert shown['driver_internal_info'].get(
        'agent_secret_token') == '******', shown['driver_internal_info']

    since = checks.before(nova, server)
    ironic.call('put', '/nodes/%s/maintenance' % node, expect=(202,),
                json={'reason': 'faults: deleted mid-boot'})
    ironic.call('delete', '/nodes/%s' % node, expect=(204,))
    deleted = time.monotonic()

    def cleaned():
        view = ironic_api.server_view(nova, server)
        return (not _isos(nova, node)
                and not glob.glob(os.path.join(cache, node + '-*'))
                and view['status'] == 'SHUTOFF'
                and view['task_state'] is None)

    waiting.wait_for('ISO, cached ISO and rescue gone', cleaned,
                     interval + RUN_MARGIN, interval=1)
    took = time.monotonic() - deleted
    # The clean-up task leaves rescue, then stops the server.
    actions = checks.new_actions(nova, server, since)
    assert actions == ['unrescue', 'stop'], actions
    found = _places_with(lab, ironic, token)
    r['observed'] = ('gone after %.0f s (interval %d s); server SHUTOFF '
                     '(unrescue, stop); token in: %s' % (
                         took, interval, ', '.join(found) or 'nowhere'))
    assert not found, found
