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

"""The secrets of the run appear in no log, last_error or API answer.

Runs last (conftest moves it there): the suite's distinctive secrets
(the suite user's password, the token test user's, wrong passwords, an
application credential secret) were carried by nodes under correctly
named keys all along. They must appear 0 times in every lab log, every
node's last_error and every Ironic API answer the suite received.
"""

import glob
import os

from tests.faults import ironic as ironic_api
from tests.faults import tools


def test_no_secret_anywhere(lab, ironic, suite_user, nodes, row):
    # One more node with inline credentials, read back in full.
    node, _server = nodes.node()
    ironic.call('get', '/nodes/detail')
    ironic.node(node)
    ironic.validate(node)
    places = {}
    for log in sorted(glob.glob(os.path.join(lab['state_dir'], 'logs',
                                             '*.log'))):
        with open(log, 'rb') as f:
            places['log ' + os.path.basename(log)] = f.read().decode(
                'utf-8', 'replace')
    errors = [r['observed'] for r in tools.ROWS]
    for shown in ironic.call('get', '/nodes/detail').json()['nodes']:
        errors.append(shown.get('last_error') or '')
    places['last_error and table'] = '\n'.join(str(e) for e in errors)
    places['Ironic API answers'] = '\n'.join(ironic_api.RESPONSES)
    found = ['%s: %d x %s...' % (where, text.count(value), value[:8])
             for where, text in places.items()
             for value in tools.SECRETS if value in text]
    r = row('secrets scan (%d secrets)' % len(tools.SECRETS),
            '0 hits in %d logs, last_errors, %d API answers' % (
                len(places) - 2, len(ironic_api.RESPONSES)))
    r['observed'] = '; '.join(found) or '0 hits'
    assert len(tools.SECRETS) >= 1
    assert not found, found
