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

"""What the chosen systems need on the machine, checked before anything
starts: Debian packages (a system's debian_packages), installed the way
the lab installs its own (apt-get, as root), or named at once when they
cannot be."""

import os
import shutil
import subprocess

from bench.common import BenchError
from bench.common import say


def missing_packages(system_classes):
    """{Debian package: [system names]} whose command is not on PATH."""
    missing = {}
    for cls in system_classes:
        for package, command in cls.debian_packages.items():
            if shutil.which(command) is None:
                missing.setdefault(package, []).append(cls.name)
    return missing


def _describe(missing):
    return ', '.join('%s (for %s)' % (package, ', '.join(names))
                     for package, names in sorted(missing.items()))


def ensure_debian_packages(system_classes):
    """Install the missing Debian packages of the chosen systems.

    :raises: BenchError naming them when this is not root or apt-get
        fails.
    """
    missing = missing_packages(system_classes)
    if not missing:
        return
    packages = sorted(missing)
    if os.geteuid() != 0:
        raise BenchError(
            'missing Debian packages: %s. Install them (apt-get install %s), '
            'run the benchmark as root to have it install them, or leave '
            'those systems out of --systems'
            % (_describe(missing), ' '.join(packages)))
    say('installing Debian packages: %s' % _describe(missing))
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    for argv in (['apt-get', 'update', '-q'],
                 ['apt-get', 'install', '-y', '-q',
                  '--no-install-recommends'] + packages):
        done = subprocess.run(argv, env=env, capture_output=True, text=True,
                              timeout=900)
        if done.returncode:
            raise BenchError('%s failed (exit %d); missing: %s\n%s' % (
                ' '.join(argv), done.returncode, _describe(missing),
                '\n'.join((done.stdout + done.stderr).splitlines()[-10:])))
    still = missing_packages(system_classes)
    if still:
        raise BenchError('still missing after apt-get: %s'
                         % _describe(still))
