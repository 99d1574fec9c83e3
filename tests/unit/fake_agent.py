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

"""ironic-python-agent in a FakeNova server, at Ironic's HTTP boundary.

Ironic's AgentClient talks to the agent with ``requests.Session.post``
(``POST /v1/commands/?wait=...&agent_token=...``) and ``.get`` (``GET
/v1/commands/``): FakeAgent answers both, as IPA's API does, for the
commands a cleaning and a ``direct`` deploy send. The agent runs only
while its server is in Nova's rescue (boot device PXE or CDROM) with the
guest running: otherwise a request fails to connect, as it would. Each
rescue of the server is a fresh boot: the agent's command history starts
empty (IPA keeps it in memory), and ``boots`` counts them. Like IPA, it
answers only requests that carry the token its lookup was handed (401
otherwise).

IPA's asynchronous commands (execute_clean_step, execute_deploy_step)
answer RUNNING and have finished by the next status read; standby's
power_off halts the guest, which Nova sees a few reads later (libvirt's
lifecycle event), as in the lab.
"""

import json
from unittest import mock

import requests

from ironic import objects

from tests.unit import fake_nova as fn

AGENT_URL = 'https://192.0.2.10:9999'
AGENT_VERSION = '11.0.0'
#: What Ironic's lookup answers when the token was pre-generated.
MASKED_TOKEN = '******'
HARDWARE_MANAGERS = {'generic_hardware_manager': '1.2'}
#: The clean step the lab runs ([deploy]erase_devices_metadata_priority).
ERASE_METADATA = {'step': 'erase_devices_metadata', 'priority': 10,
                  'interface': 'deploy', 'reboot_requested': False,
                  'abortable': True}
#: IPA's in-band deploy step that Ironic's write_image step runs.
WRITE_IMAGE = {'step': 'write_image', 'priority': 0, 'interface': 'deploy',
               'reboot_requested': False, 'argsinfo': None}
#: The root UUID of a whole-disk image (an MBR's disk identifier).
DISK_IDENTIFIER = '0x3a1f0c2e'
#: Reads of the server after the agent's in-band power off that still show
#: the guest running.
HALT_AFTER_READS = 2


class FakeAgent:
    """The agent of one FakeNova server.

    :param nova: the FakeNova.
    :param server: the FakeServer the agent boots in.
    """

    def __init__(self, nova, server):
        self.nova = nova
        self.server = server
        self.boots = 0
        self.commands = []      # this boot's history, as IPA answers it
        self.sent = []          # (boot, command name) of every POST
        self.token = None       # what Ironic's lookup handed this boot
        self._rescues_seen = 0

    def running(self):
        """Whether the agent runs: the server rescued, its guest running."""
        self._follow_boots()
        return (self.server.vm_state == fn.RESCUED
                and not self.server.task_state
                and self.server.power_state == fn.RUNNING)

    def _follow_boots(self):
        rescues = sum(1 for server_id, action in self.nova.actions
                      if server_id == self.server.id and action == 'rescue')
        if rescues != self._rescues_seen:
            self._rescues_seen = rescues
            self.boots += 1
            self.commands = []
            self.token = None

    def heartbeat(self, conductor, context, node_uuid):
        """The agent's lookup (once per boot), then a heartbeat.

        As IPA does: Ironic's lookup hands a booted agent its token, and
        every heartbeat carries it.

        :returns: False when the agent does not run (nothing is sent).
        """
        if not self.running():
            return False
        if self.token is None:
            node = conductor.get_node_with_token(context, node_uuid)
            self.token = node.driver_internal_info['agent_secret_token']
            if self.token == MASKED_TOKEN:
                # A token pre-generated for a virtual media boot: the
                # agent reads it from its ISO's kernel command line.
                self.token = objects.Node.get(
                    context, node_uuid).driver_internal_info[
                        'agent_secret_token']
        conductor.heartbeat(context, node_uuid, AGENT_URL, AGENT_VERSION,
                            agent_token=self.token)
        return True

    def patch(self, test):
        """Answer every AgentClient request of ``test`` (a TestCase)."""
        for method in ('post', 'get'):
            patcher = mock.patch.object(requests.Session, method,
                                        autospec=True,
                                        side_effect=getattr(self, method))
            patcher.start()
            test.addCleanup(patcher.stop)

    def _check(self, url):
        if not url.startswith(AGENT_URL + '/v1/commands'):
            raise AssertionError('unexpected agent URL %s' % url)
        if not self.running():
            raise requests.ConnectionError(
                'No route to host: %s (server %s in vm_state %s, power '
                'state %s)' % (url, self.server.id, self.server.vm_state,
                               self.server.power_state))

    def _refused(self, params):
        """IPA's answer to a request without its lookup's token, or None."""
        if (params or {}).get('agent_token') != self.token:
            return _response({'faultstring': 'Invalid or missing agent '
                              'token received.'}, status=401)
        return None

    def post(self, session, url, params=None, data=None, **kwargs):
        self._check(url)
        refused = self._refused(params)
        if refused is not None:
            return refused
        body = json.loads(data)
        name, args = body['name'], body.get('params') or {}
        self.sent.append((self.boots, name))
        answer = getattr(self, '_' + name.replace('.', '_'), None)
        if answer is None:
            raise AssertionError('unexpected agent command %s' % name)
        status, result = answer(args)
        command = {'id': str(len(self.commands)),
                   'command_name': name.split('.', 1)[1],
                   'command_params': args, 'command_status': status,
                   'command_error': None, 'command_result': result}
        self.commands.append(dict(command, command_status='SUCCEEDED'))
        return _response(command)

    def get(self, session, url, params=None, **kwargs):
        self._check(url)
        return self._refused(params) or _response(
            {'commands': list(self.commands)})

    # The commands (IPA's extensions), each (status, result).
    def _clean_get_clean_steps(self, args):
        return 'SUCCEEDED', {
            'clean_steps': {'GenericHardwareManager': [dict(ERASE_METADATA)]},
            'hardware_manager_version': HARDWARE_MANAGERS}

    def _clean_execute_clean_step(self, args):
        return 'RUNNING', {'clean_step': args['step'], 'clean_result': None}

    def _deploy_get_deploy_steps(self, args):
        return 'SUCCEEDED', {
            'deploy_steps': {'GenericHardwareManager': [dict(WRITE_IMAGE)]},
            'hardware_manager_version': HARDWARE_MANAGERS}

    def _deploy_execute_deploy_step(self, args):
        return 'RUNNING', {'deploy_step': args['step'],
                           'deploy_result': None}

    def _standby_get_partition_uuids(self, args):
        return 'SUCCEEDED', {'root uuid': DISK_IDENTIFIER}

    def _standby_sync(self, args):
        return 'SUCCEEDED', None

    def _standby_power_off(self, args):
        self.server.halt(after_reads=HALT_AFTER_READS)
        return 'SUCCEEDED', None

    def names(self, boot=None):
        """The commands sent (to boot number ``boot`` only, if given)."""
        return [name for b, name in self.sent if boot in (None, b)]


def _response(body, status=200):
    response = mock.Mock(spec=['json', 'status_code', 'text'])
    response.json.return_value = body
    response.status_code = status
    response.text = json.dumps(body)
    return response
