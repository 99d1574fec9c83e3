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

"""The lab's import graph stays layered: no cycle, no hidden import.

Every Python module under lab/ (``labctl``, ``labkit.*``, the lab's
plugins ``ios_lab_plugins.*``) is parsed, not imported. An import of a lab
module inside a function is refused (it is how a cycle hides); so is any
cycle among the modules, counting the package a submodule import runs
first. Imports of other packages inside functions are the modules'
business (openstacksdk is optional to the lab, say).
"""

import ast
import os
import shutil
import tempfile
import textwrap
import unittest

LAB = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))), 'lab')
#: (importer, imported): why this function-local import of a lab module
#: is not about a cycle.
ALLOWED_LOCAL = {
    ('ios_lab_plugins.compute', 'ios_lab_plugins.fake_compute'):
        "nova.cmd.compute must set Nova's threading mode before "
        'fake_compute imports nova (the launcher runs it first)',
    ('ios_lab_plugins.libvirt_compute',
     'ios_lab_plugins.libvirt_loader_compat'):
        "nova.cmd.compute must set Nova's threading mode before "
        'libvirt_loader_compat imports nova (the launcher runs it first)',
}


def lab_modules(root):
    """{module name: path} of every Python file of the lab at ``root``."""
    found = {'labctl': os.path.join(root, 'labctl.py')}
    for top, base in (('labkit', root),
                      ('ios_lab_plugins', os.path.join(root, 'plugins'))):
        for dirpath, dirnames, filenames in os.walk(os.path.join(base, top)):
            dirnames[:] = sorted(d for d in dirnames if d != '__pycache__')
            for name in filenames:
                if not name.endswith('.py'):
                    continue
                path = os.path.join(dirpath, name)
                parts = os.path.relpath(path, base)[:-3].split(os.sep)
                if parts[-1] == '__init__':
                    parts.pop()
                found['.'.join(parts)] = path
    return {name: path for name, path in found.items()
            if os.path.exists(path)}


def _ancestors(name):
    parts = name.split('.')
    return ['.'.join(parts[:i]) for i in range(1, len(parts))]


def _targets(node, importer, modules):
    """The lab modules an import statement names, and all those it runs.

    :returns: (named, run): the modules named, and with them the packages
        their import runs first (not the importer's own).
    """
    names = []
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ''
        if node.level:
            package = importer.split('.')
            if not modules[importer].endswith('__init__.py'):
                package.pop()
            package = package[:len(package) - node.level + 1]
            base = '.'.join(package + ([base] if base else []))
        for alias in node.names:
            full = '%s.%s' % (base, alias.name)
            names.append(full if full in modules else base)
    named = {name for name in names if name in modules and name != importer}
    # The packages an import runs first; the importer's own packages have
    # run before it, whatever it imports.
    own = set(_ancestors(importer) + [importer])
    run = named | {package for name in names for package in _ancestors(name)
                   if package in modules and package not in own}
    return named, run


def import_graph(root):
    """({importer: {imported}}, [(importer, imported, line)] local ones)."""
    modules = lab_modules(root)
    graph = {name: set() for name in modules}
    local = []
    for name, path in sorted(modules.items()):
        with open(path) as f:
            tree = ast.parse(f.read(), path)
        functions = [node for node in ast.walk(tree) if isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]
        inner = {id(sub) for func in functions for sub in ast.walk(func)}
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            named, run = _targets(node, name, modules)
            graph[name] |= run
            if id(node) in inner:
                local += [(name, target, node.lineno) for target in named]
    return graph, sorted(local)


def cycles(graph):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def refused_local_imports(local):
    return ['%s:%d imports %s' % (importer, line, imported)
            for importer, imported, line in local
            if (importer, imported) not in ALLOWED_LOCAL]


class LabImportGraphTest(unittest.TestCase):

    def test_the_lab_is_found(self):
        modules = lab_modules(LAB)
        for name in ('labctl', 'labkit.lab', 'labkit.services',
                     'labkit.compute.fake', 'labkit.network.bridge',
                     'ios_lab_plugins.compute'):
            self.assertIn(name, modules)

    def test_no_import_cycle(self):
        graph, _ = import_graph(LAB)
        self.assertEqual([], cycles(graph))

    def test_no_function_local_import_of_a_lab_module(self):
        _, local = import_graph(LAB)
        self.assertEqual([], refused_local_imports(local))


class CheckerTest(unittest.TestCase):
    """The checks above find what they look for."""

    def tree(self, files):
        root = tempfile.mkdtemp(prefix='ios-lab-graph-test-')
        self.addCleanup(shutil.rmtree, root)
        files = dict({'labctl.py': '', 'labkit/__init__.py': ''}, **files)
        for rel, text in files.items():
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'w') as f:
                f.write(textwrap.dedent(text))
        return root

    def test_a_cycle_through_a_local_import_is_found(self):
        root = self.tree({
            'labkit/services.py': '''
                def all_services():
                    from labkit import infra
                    return infra
            ''',
            'labkit/infra.py': 'from labkit import services\n'})
        graph, local = import_graph(root)
        self.assertEqual([['labkit.infra', 'labkit.services']],
                         cycles(graph))
        self.assertEqual(['labkit.services:3 imports labkit.infra'],
                         refused_local_imports(local))

    def test_a_package_that_imports_its_importer_is_a_cycle(self):
        root = self.tree({
            'labkit/compute/__init__.py':
                'from labkit.compute import libvirt\n',
            'labkit/compute/fake.py': '',
            'labkit/lab.py': 'from labkit.compute import fake\n',
            'labkit/configs.py': 'from labkit import lab\n',
            'labkit/compute/libvirt.py': 'from labkit import configs\n'})
        graph, _ = import_graph(root)
        self.assertEqual([['labkit.compute', 'labkit.compute.libvirt',
                           'labkit.configs', 'labkit.lab']], cycles(graph))

    def test_relative_and_third_party_imports(self):
        root = self.tree({
            'labkit/network/__init__.py': '',
            'labkit/network/bridge.py': 'from . import ml2\n',
            'labkit/network/ml2.py': '''
                def conf():
                    import openstack
                    return openstack
            '''})
        graph, local = import_graph(root)
        self.assertEqual({'labkit.network.ml2'},
                         graph['labkit.network.bridge'])
        self.assertEqual([], local)
        self.assertEqual([], cycles(graph))
