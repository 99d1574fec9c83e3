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

"""What the two demos share: their connection and their tables."""

#: Nova's power_state codes, as the demos' tables name them.
POWER_NAMES = {0: 'NOSTATE', 1: 'RUNNING', 3: 'PAUSED', 4: 'SHUTDOWN',
               6: 'CRASHED', 7: 'SUSPENDED'}


def connect(clouds_yaml, cloud):
    """An openstacksdk Connection to ``cloud`` of the lab's clouds.yaml."""
    # openstacksdk is optional for the lab (up, status and down need only
    # the standard library): imported only by the demos that need it.
    import openstack.config
    import openstack.connection
    config = openstack.config.OpenStackConfig(config_files=[clouds_yaml])
    return openstack.connection.Connection(
        config=config.get_one(cloud=cloud))


def power_name(code):
    """'1 RUNNING' for Nova's power_state 1."""
    return '%s %s' % (code, POWER_NAMES.get(code, '?'))


def print_table(head, rows):
    """Print rows under a head, each column as wide as its widest cell."""
    widths = [max(len(str(r[i])) for r in rows + [head])
              for i in range(len(head))]
    fmt = '  '.join('%%-%ds' % w for w in widths)
    print(fmt % head)
    print(fmt % tuple('-' * w for w in widths))
    for row in rows:
        print(fmt % row)
    print(flush=True)
