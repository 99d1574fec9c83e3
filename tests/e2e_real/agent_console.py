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

"""The node's console through Ironic: its log (vendor passthru) and noVNC.

What an operator sees of a node whose server runs the agent, used by the
real walks.
"""

import ast
import json
import sys
import time

# systemd in the agent's ramdisk prints this on ttyS0 (console=ttyS0 on
# its command line) when it starts the agent; iPXE before it writes to the
# screen only. (Not the kernel's first line: Nova answers only the last
# 100 KiB of a console log, which the agent's boot soon exceeds.)
AGENT_BOOT_LINE = 'Ironic Python Agent'
#: The provision states in which the node's server runs the agent.
AGENT_RUNNING = ('wait call-back', 'deploying')


def console_read(in_lab, node, lines=None):
    """The node's console log through Ironic's passthru: (text, error)."""
    args = ['--arg', 'lines=%d' % lines] if lines else []
    result = in_lab.openstack(
        'lab-admin', 'baremetal', 'node', 'passthru', 'call', *args,
        '--http-method', 'GET', node, 'console_output', check=False)
    if result.returncode != 0:
        return '', 'exit %d: %s' % (result.returncode,
                                    result.stderr.strip()[-2000:])
    return ast.literal_eval(result.stdout.strip())['output'], None


def console_output(in_lab, node, lines=None):
    """The node's console log through Ironic's passthru (text).

    A failed call fails the test with Ironic's answer: an empty string in
    its place would let two counts of the marker agree by accident.
    """
    output, error = console_read(in_lab, node, lines)
    assert error is None, 'console_output of %s failed, %s' % (node, error)
    return output


def look_inside_the_agent_boot(in_lab, node, seen):
    """What an operator sees of a booting agent, through Ironic alone.

    Called while the node waits for its agent (the server rescued with the
    iPXE image): the console log shows the agent's kernel booting, and the
    console (noVNC: the lab's Nova has no serial console, which libvirt
    would not give a rescued guest anyway) opens on the guest's screen.
    """
    # The agent's boot prints more than the default 100 lines at once:
    # ask for all that Nova keeps, as an operator would. The server runs
    # the agent until the deploy ends: a lean agent may call back, and
    # Ironic move on to deploying, between two looks.
    # A read may fail while Nova restarts the guest into rescue: it is
    # printed and looked at again, as long as the agent runs.
    t = time.monotonic()
    output, error = console_read(in_lab, node, lines=10000)
    errors = []
    while AGENT_BOOT_LINE not in output:
        if error:
            errors.append(error)
        state = in_lab.json('lab-admin', 'baremetal', 'node', 'show',
                            node)['provision_state']
        print('%5.0fs %s: %d characters of console log, no %r yet%s' % (
            time.monotonic() - t, state, len(output), AGENT_BOOT_LINE,
            ' (read failed, %s)' % error if error else ''))
        assert state in AGENT_RUNNING, (
            'no %r in the console log of %s while its agent ran (now %s; '
            'failed reads: %s):\n%s' % (AGENT_BOOT_LINE, node, state,
                                        errors or 'none', output[-2000:]))
        time.sleep(5)
        output, error = console_read(in_lab, node, lines=10000)
    seen['agent console log'] = [
        line for line in output.splitlines() if AGENT_BOOT_LINE in line][0]
    in_lab.openstack('lab-admin', 'baremetal', 'node', 'console', 'enable',
                     node)
    info = in_lab.json('lab-admin', 'baremetal', 'node', 'console', 'show',
                       node)['console_info']
    seen['console type'] = info['type']
    probe = json.loads(in_lab.run(
        sys.executable, '-m', 'tests.e2e_real.vnc_probe', info['url'],
        timeout=60).stdout)
    seen['console answers'] = probe
    in_lab.openstack('lab-admin', 'baremetal', 'node', 'console', 'disable',
                     node)
