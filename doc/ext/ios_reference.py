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

"""Sphinx directives that render this driver's references from its code.

* ``.. driver-info-reference::`` - every driver_info field that the
  ``openstack`` hardware type's own interfaces accept (their
  ``get_properties()``), whether it is required, secret, and its help.
* ``.. hardware-type-interfaces::`` - for each interface kind, the
  implementations the ``openstack`` hardware type supports, by their
  entry point names (the values of ``enabled_<kind>_interfaces``), in
  order of preference: a node gets the first one that is enabled.
* ``.. cli-help:: [SUBCOMMAND]`` - ``--help`` of ``ironic-openstack-nodes``
  or of one of its subcommands, from the real argument parser.

Nothing here restates a field, an interface or an option: a new interface
(console, inspect, vendor ...) or a new driver_info field shows up in the
next docs build.
"""

import argparse
import importlib.metadata
import os

from docutils import nodes
from docutils.parsers.rst import Directive

HARDWARE_TYPE = 'openstack'
PACKAGE = 'ironic_openstack_driver'

# The order Ironic's own documentation lists interface kinds in.
INTERFACE_KINDS = ('boot', 'console', 'deploy', 'firmware', 'inspect',
                   'management', 'network', 'power', 'raid', 'rescue',
                   'storage', 'vendor', 'bios')


def _hardware_type():
    eps = importlib.metadata.entry_points(group='ironic.hardware.types')
    for ep in eps:
        if ep.name == HARDWARE_TYPE:
            return ep.load()()
    raise RuntimeError('hardware type %r has no entry point: install the '
                       'package before building the docs' % HARDWARE_TYPE)


def _interface_names(kind):
    """{class: entry point name} for one interface kind."""
    names = {}
    group = 'ironic.hardware.interfaces.%s' % kind
    for ep in importlib.metadata.entry_points(group=group):
        try:
            names.setdefault(ep.load(), ep.name)
        except Exception:   # another package's broken plugin is not ours
            continue
    return names


def _supported(hw, kind):
    attr = 'supported_%s_interfaces' % kind
    try:
        return list(getattr(hw, attr))
    except AttributeError:
        return []


def _own_interfaces(hw):
    """(kind, class) of the interfaces this package implements."""
    for kind in INTERFACE_KINDS:
        for cls in _supported(hw, kind):
            if cls.__module__.split('.')[0] == PACKAGE:
                yield kind, cls


def _table(headers, rows, widths):
    """A docutils table node."""
    table = nodes.table()
    group = nodes.tgroup(cols=len(headers))
    table += group
    for width in widths:
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    group += head
    head += _row(headers)
    body = nodes.tbody()
    group += body
    for row in rows:
        body += _row(row)
    return table


def _row(cells):
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        if isinstance(cell, nodes.Node):
            entry += cell
        else:
            entry += nodes.paragraph(text=str(cell))
        row += entry
    return row


def _literal(text):
    para = nodes.paragraph()
    para += nodes.literal(text=text)
    return para


class DriverInfoReference(Directive):
    """Table of the driver_info fields of the openstack hardware type."""

    has_content = False

    def run(self):
        hw = _hardware_type()
        fields = {}
        for kind, cls in _own_interfaces(hw):
            for name, help_text in cls().get_properties().items():
                entry = fields.setdefault(name, {'help': str(help_text),
                                                 'kinds': []})
                if kind not in entry['kinds']:
                    entry['kinds'].append(kind)
        if not fields:
            raise self.error('the %s hardware type has no driver_info '
                             'fields' % HARDWARE_TYPE)
        rows = []
        # Required fields first, then in the code's order.
        for name in sorted(fields,
                           key=lambda n: not _required(fields[n]['help'])):
            entry = fields[name]
            notes = ['required' if _required(entry['help'])
                     else 'optional']
            if _secret(name):
                notes.append('secret (masked by the API)')
            rows.append([_literal(name), ', '.join(notes),
                         ', '.join(entry['kinds']), entry['help']])
        return [_table(['field', 'status', 'used by', 'meaning'], rows,
                       [30, 14, 14, 42])]


def _required(help_text):
    return help_text.rstrip().endswith('Required.')


def _secret(name):
    # What Ironic's API masks in driver_info (ironic.common.utils
    # .remove_large_keys / mask_secrets): names with "password" or "secret".
    return 'password' in name or 'secret' in name


class HardwareTypeInterfaces(Directive):
    """Table of the interfaces the openstack hardware type supports."""

    has_content = False

    def run(self):
        hw = _hardware_type()
        rows = []
        for kind in INTERFACE_KINDS:
            classes = _supported(hw, kind)
            if not classes:
                continue
            names = _interface_names(kind)
            listed = []
            for cls in classes:
                name = names.get(cls)
                if name is None:
                    raise self.error('%s interface %s.%s has no entry '
                                     'point in ironic.hardware.interfaces.%s'
                                     % (kind, cls.__module__, cls.__name__,
                                        kind))
                listed.append((name, cls))
            para = nodes.paragraph()
            for i, (name, cls) in enumerate(listed):
                if i:
                    para += nodes.Text(', ')
                para += nodes.literal(text=name)
                if cls.__module__.split('.')[0] == PACKAGE:
                    para += nodes.Text(' (this driver)')
            rows.append([kind, _literal(listed[0][0]), para])
        return [_table(['interface', 'first choice',
                        'supported, in order of preference'],
                       rows, [14, 16, 70])]


class CliHelp(Directive):
    """The --help text of ironic-openstack-nodes or one subcommand."""

    optional_arguments = 1
    has_content = False

    def run(self):
        from ironic_openstack_driver.tools import cli

        parser = cli.build_parser()
        if self.arguments:
            wanted = self.arguments[0]
            subparsers = [a for a in parser._actions
                          if isinstance(a, argparse._SubParsersAction)]
            choices = subparsers[0].choices if subparsers else {}
            if wanted not in choices:
                raise self.error('ironic-openstack-nodes has no subcommand '
                                 '%r (it has %s)' % (wanted,
                                                     ', '.join(choices)))
            parser = choices[wanted]
        # argparse wraps to $COLUMNS; keep the page the same everywhere.
        columns = os.environ.get('COLUMNS')
        os.environ['COLUMNS'] = '79'
        try:
            text = parser.format_help()
        finally:
            if columns is None:
                del os.environ['COLUMNS']
            else:
                os.environ['COLUMNS'] = columns
        block = nodes.literal_block(text, text)
        block['language'] = 'none'
        return [block]


def setup(app):
    app.add_directive('driver-info-reference', DriverInfoReference)
    app.add_directive('hardware-type-interfaces', HardwareTypeInterfaces)
    app.add_directive('cli-help', CliHelp)
    return {'parallel_read_safe': True, 'parallel_write_safe': True,
            'version': '1'}
