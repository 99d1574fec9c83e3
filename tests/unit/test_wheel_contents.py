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

"""What the wheel ships: the driver, its CLI and the tempest plugin only.

The wheel is built from a copy of the checkout's source files (what git
tracks or would track) with pip, pbr and setuptools of the test
environment, offline: a copy, so that a ``build/`` directory left in the
checkout by an earlier build cannot add stale modules. PBR_VERSION spares
pbr the git history. About two seconds.
"""

import ast
import configparser
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
DRIVER = 'ironic_openstack_driver'
PLUGIN = 'ironic_openstack_driver_tempest_plugin'


def source_files(root):
    """Paths, relative to ``root``, of the files git tracks or would."""
    out = subprocess.run(
        ['git', 'ls-files', '-z', '--cached', '--others',
         '--exclude-standard'],
        cwd=root, check=True, capture_output=True).stdout.decode()
    return [p for p in filter(None, out.split('\0'))
            if os.path.isfile(os.path.join(root, p))]


def build_wheel(root, workdir):
    """Build the project at ``root`` in ``workdir``; the wheel's path."""
    src = os.path.join(workdir, 'src')
    for path in source_files(root):
        target = os.path.join(src, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(root, path), target)
    out = os.path.join(workdir, 'out')
    result = subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '--no-deps',
         '--no-build-isolation', '--no-index', '--no-cache-dir',
         '--disable-pip-version-check', '--quiet', '-w', out, src],
        env=dict(os.environ, PBR_VERSION='0.0.0'),
        capture_output=True, text=True)
    if result.returncode:
        raise AssertionError('pip wheel failed (%d):\n%s%s' % (
            result.returncode, result.stdout, result.stderr))
    wheels = [n for n in os.listdir(out) if n.endswith('.whl')]
    if len(wheels) != 1:
        raise AssertionError('pip wheel made %s' % wheels)
    return os.path.join(out, wheels[0])


def imported_modules(source, module):
    """The absolute module names ``source`` (module ``module``) imports.

    ``from a import b`` counts as both ``a`` and ``a.b`` (b may be a
    module); relative imports are resolved against ``module``.
    """
    found = set()
    package = module.rsplit('.', 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                parts = package.split('.')
                parts = parts[:len(parts) - node.level + 1]
                base = '.'.join(parts + ([base] if base else []))
            found.add(base)
            found.update('%s.%s' % (base, alias.name)
                         for alias in node.names)
    return found


def module_name(path):
    """``a/b/c.py`` -> ``a.b.c``; ``a/b/__init__.py`` -> ``a.b``."""
    parts = path[:-len('.py')].split('/')
    if parts[-1] == '__init__':
        parts.pop()
    return '.'.join(parts)


def loaded_by_tempest(modules, roots):
    """The modules among ``modules`` that importing ``roots`` reaches.

    :param modules: {module name: source} of the plugin in the wheel.
    :param roots: the module names tempest imports itself.
    """
    reached = set()
    todo = [m for m in roots if m in modules]
    while todo:
        name = todo.pop()
        if name in reached:
            continue
        reached.add(name)
        parents = name.split('.')
        for i in range(1, len(parents)):
            todo.append('.'.join(parents[:i]))
        for imported in imported_modules(modules[name], name):
            if imported in modules:
                todo.append(imported)
    return reached


class WheelContentsTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workdir = tempfile.mkdtemp(prefix='ios-wheel-')
        try:
            path = build_wheel(REPO, cls.workdir)
            with zipfile.ZipFile(path) as wheel:
                cls.names = wheel.namelist()
                cls.sources = {n: wheel.read(n).decode()
                               for n in cls.names if n.endswith('.py')}
                info = [n for n in cls.names
                        if n.endswith('.dist-info/entry_points.txt')]
                cls.entry_points = wheel.read(info[0]).decode()
        except BaseException:
            shutil.rmtree(cls.workdir, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.workdir, ignore_errors=True)
        super().tearDownClass()

    def test_only_the_driver_and_the_tempest_plugin_are_packages(self):
        tops = {n.split('/', 1)[0] for n in self.names
                if not n.split('/', 1)[0].endswith('.dist-info')}
        self.assertEqual({DRIVER, PLUGIN}, tops)

    def test_no_lab_bench_test_or_developer_module_ships(self):
        for name in self.names:
            parts = name.split('/')
            self.assertFalse(
                {'lab', 'bench', 'devtools', 'tempest_lab', 'unit',
                 'e2e', 'e2e_real', 'faults'} & set(parts), name)

    def test_the_plugin_ships_only_what_tempest_loads(self):
        # Tempest imports the entry point's module and discovers the test
        # modules under tests/ (plugin.load_tests); anything else in the
        # package must be imported by those.
        plugin = {module_name(n): src for n, src in self.sources.items()
                  if n.startswith(PLUGIN + '/')}
        roots = [PLUGIN + '.plugin'] + [
            m for m in plugin if m.startswith(PLUGIN + '.tests.')]
        unreached = sorted(set(plugin) - loaded_by_tempest(plugin, roots))
        self.assertEqual([], unreached)

    def test_every_entry_point_names_a_module_in_the_wheel(self):
        parser = configparser.ConfigParser(delimiters=('=',))
        parser.optionxform = str
        parser.read_string(self.entry_points)
        modules = {module_name(n) for n in self.sources}
        targets = [(section, name, value.split(':')[0].strip())
                   for section in parser.sections()
                   for name, value in parser.items(section)]
        self.assertIn(('console_scripts', 'ironic-openstack-nodes',
                       DRIVER + '.tools.cli'), targets)
        self.assertIn(('tempest.test_plugins', DRIVER, PLUGIN + '.plugin'),
                      targets)
        for section, name, module in targets:
            self.assertIn(module, modules, '%s %s' % (section, name))
