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

"""The options of ``environment``: its steps' own, declared once there.

borrow() runs each sub-tool's add_parser against a stand-in parser that
puts every option into a group of the environment's parser, under the
name RENAMES gives it (None: the environment sets it itself). An option
of the same name in two sub-tools (--prefix, --boot, --timeout ...) is
one option of the environment, given to both; its kind (store, append,
store_true) and type must then agree. step_args() turns the
environment's values back into the sub-tool's command line and parses
it with the sub-tool's own parser: its defaults and checks apply as
when it runs alone.
"""

import argparse
import collections

from ironic_openstack_driver.tools.common import ToolError
from ironic_openstack_driver.tools import enroll
from ironic_openstack_driver.tools import ironic_host
from ironic_openstack_driver.tools import servers

MODULES = collections.OrderedDict([('create-nodes', servers),
                                   ('ironic-host', ironic_host),
                                   ('enroll', enroll)])
# Per step, its options the environment names otherwise; None: set by
# the environment (environment.Run.derived) or not used.
RENAMES = {
    'create-nodes': {'--image': '--node-image', '--flavor': '--node-flavor'},
    'ironic-host': {'--name': '--host-name', '--image': '--host-image',
                    '--flavor': '--host-flavor', '--network': None,
                    '--delete': None},
    'enroll': {'--file': None, '--server': None, '--prefix': None,
               '--network': None, '--adopt': None,
               '--timeout': '--enroll-timeout'},
}
GLOBALS = ('os_cloud', 'os_config_file', 'os_region_name')

# flag: the sub-tool's; dest: the environment's; required: by the
# sub-tool's parser (the environment checks it only when creating).
Option = collections.namedtuple('Option', 'flag env_flag dest required')


def _kind(kwargs):
    """What two steps' options of one name must share to be one."""
    return (kwargs.get('action'), kwargs.get('type'),
            tuple(kwargs.get('choices') or ()), kwargs.get('default'))


class _Borrower:
    """Stands for a sub-tool's parser: its options go to ``group``."""

    def __init__(self, step, group, taken):
        self.step = step
        self.group = group
        self.taken = taken      # env flag -> (action, kwargs)
        self.options = []

    def add_argument(self, *flags, **kwargs):
        """Declare the option here, or map it to one declared already.

        :raises: ValueError when an option of that name, declared by an
            earlier step, is of another kind (_kind).
        """
        flag = [f for f in flags if f.startswith('--')][0]
        env_flag = RENAMES[self.step].get(flag, flag)
        if env_flag is None:
            return
        required = kwargs.pop('required', False)
        if env_flag in self.taken:
            action, first = self.taken[env_flag]
            if _kind(first) != _kind(kwargs):
                raise ValueError('%s of %s differs from the same option of '
                                 'an earlier step: rename one (RENAMES)'
                                 % (flag, self.step))
        else:
            action = self.group.add_argument(env_flag, **kwargs)
            self.taken[env_flag] = (action, kwargs)
        self.options.append(Option(flag, env_flag, action.dest, required))

    def set_defaults(self, **kwargs):
        """The sub-tool's func and columns: not the environment's."""


class _Subparsers:

    def __init__(self, borrower):
        self.borrower = borrower

    def add_parser(self, name, **kwargs):
        return self.borrower


def borrow(parser):
    """Add every step's options to ``parser``, a group per step."""
    taken = {}
    borrowed = {}
    for step, module in MODULES.items():
        group = parser.add_argument_group(
            '%s options' % step, 'as for ironic-openstack-nodes %s' % step)
        borrower = _Borrower(step, group, taken)
        module.add_parser(_Subparsers(borrower))
        borrowed[step] = borrower.options
    parser.set_defaults(env_options=borrowed)


def columns(step):
    """The columns of the step's table (none for a step without one)."""
    module = MODULES.get(step)
    return module.COLUMNS if module else ()


def check_needed(args, steps):
    """Each option a step needs to create is given.

    :raises: ToolError naming the environment's option and the step's.
    """
    for step in steps:
        needed = [o for o in args.env_options[step] if o.required]
        if step == 'ironic-host':
            needed += [o for o in args.env_options[step]
                       if o.flag[2:].replace('-', '_') in ironic_host.NEEDED]
        for option in needed:
            if getattr(args, option.dest) in (None, []):
                raise ToolError('%s is needed to create the environment (%s '
                                '%s)' % (option.env_flag, step, option.flag))


def _argv(flag, value):
    if value is None or value is False:
        return []
    if value is True:
        return [flag]
    if isinstance(value, list):
        return ['%s=%s' % (flag, v) for v in value]
    return ['%s=%s' % (flag, value)]


def command_line(args, step, derived=()):
    """The step's options as its sub-tool takes them.

    :param derived: (flag, value) pairs the environment sets itself.
    """
    argv = []
    for option in args.env_options[step]:
        argv += _argv(option.flag, getattr(args, option.dest))
    for flag, value in derived:
        argv += _argv(flag, value)
    return argv


def step_args(args, step, derived=()):
    """The step's arguments, parsed by its sub-tool's own parser.

    :raises: ToolError when that parser refuses them (its message is on
        stderr).
    """
    parser = argparse.ArgumentParser(prog='ironic-openstack-nodes')
    MODULES[step].add_parser(parser.add_subparsers(dest='command'))
    try:
        parsed = parser.parse_args([step] + command_line(args, step,
                                                         derived))
    except SystemExit:
        raise ToolError('step %s: its options were refused (see above)'
                        % step)
    for name in GLOBALS:
        setattr(parsed, name, getattr(args, name))
    return parsed
