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

"""Shared helpers of the image builds: tools, digests, the image cache.

Every image lives in ``<home>/images/<name>/`` with a ``manifest.json``
that records the recipe digest it was built from; :func:`cached` returns
that manifest while the digest still matches and its files still exist.
"""

import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

from labkit import install
from labkit import procs

# Debian packages the builds (and the boot checks) run.
APT_PACKAGES = (
    'python3-venv', 'debootstrap', 'sudo', 'git', 'cpio', 'gzip', 'zstd',
    'lz4', 'qemu-utils', 'ca-certificates', 'kmod', 'fdisk', 'dosfstools',
    'mtools', 'syslinux', 'syslinux-common', 'syslinux-efi',
    'busybox-static', 'qemu-system-x86',
)
# The builders in venvs/images (PyPI).
VENV_REQUIREMENTS = ('diskimage-builder==3.43.0',
                     'ironic-python-agent-builder==7.4.0')

PKG_DIR = os.path.dirname(os.path.abspath(__file__))


def images_dir(p):
    return os.path.join(p.home, 'images')


def venv_dir(p):
    return os.path.join(p.venvs, 'images')


def ensure_apt(log):
    """apt-get install what the builds need; the list of what was missing."""
    return install.ensure_apt(None, log, APT_PACKAGES)


def ensure_venv(p, log):
    """Build venvs/images (diskimage-builder, IPA builder) if out of date."""
    venv = venv_dir(p)
    marker = os.path.join(venv, '.lab-installed')
    want = '\n'.join(VENV_REQUIREMENTS)
    try:
        with open(marker) as f:
            if f.read() == want:
                return False
    except OSError:
        pass
    if os.path.exists(venv):
        shutil.rmtree(venv)
    procs.run([sys.executable, '-m', 'venv', venv], 'create venv ' + venv,
              log)
    procs.run([os.path.join(venv, 'bin', 'python'), '-m', 'pip', 'install',
               '-q', '--disable-pip-version-check'] + list(VENV_REQUIREMENTS),
              'pip install (images venv)', log)
    with open(marker, 'w') as f:
        f.write(want)
    return True


def digest(*parts):
    """sha256 over strings, files and directory trees (paths in order)."""
    h = hashlib.sha256()
    for part in parts:
        if os.path.isdir(part):
            for dirpath, dirnames, filenames in os.walk(part):
                dirnames[:] = sorted(d for d in dirnames
                                     if d != '__pycache__')
                for name in sorted(filenames):
                    path = os.path.join(dirpath, name)
                    h.update(os.path.relpath(path, part).encode())
                    h.update(b'%o' % (os.stat(path).st_mode & 0o111))
                    with open(path, 'rb') as f:
                        h.update(f.read())
        elif os.path.isfile(part):
            with open(part, 'rb') as f:
                h.update(f.read())
        else:
            h.update(part.encode())
        h.update(b'\0')
    return h.hexdigest()


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


@functools.lru_cache(maxsize=None)
def _apt_show(package):
    """Fields of the candidate version of ``package`` (apt-cache show)."""
    out = subprocess.run(
        ['apt-cache', 'show', '--no-all-versions', package],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    fields = {}
    for line in out.splitlines():
        if ':' in line and not line.startswith(' '):
            key, value = line.split(':', 1)
            fields.setdefault(key, value.strip())
    return fields


def apt_candidate(package):
    """Version apt would install of ``package`` ('' if unknown)."""
    return _apt_show(package).get('Version', '')


def debian_kernel():
    """(package, version) of the kernel apt would install now.

    linux-image-amd64's candidate depends on the versioned kernel package
    at the same version.
    """
    dep = _apt_show('linux-image-amd64').get('Depends', '').split(',')[0]
    words = dep.split()
    if len(words) == 3 and words[0].startswith('linux-image-'):
        return words[0], words[2].rstrip(')')
    raise procs.LabError('apt does not know linux-image-amd64 or its kernel '
                         'package; run apt-get update')


def installed_version(package):
    out = subprocess.run(['dpkg-query', '-W', '-f=${Version}', package],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True)
    return out.stdout.strip()


def debian_mirrors(sources_dir='/etc/apt/sources.list.d',
                   sources_list='/etc/apt/sources.list'):
    """(main mirror, security mirror) named by this machine's apt sources.

    Reads deb822 ``*.sources`` and one-line ``*.list`` files; falls back to
    deb.debian.org when none names a Debian archive.
    """
    main, security = None, None
    entries = []
    files = [sources_list] if os.path.isfile(sources_list) else []
    if os.path.isdir(sources_dir):
        files += [os.path.join(sources_dir, n)
                  for n in sorted(os.listdir(sources_dir))
                  if n.endswith(('.sources', '.list'))]
    for path in files:
        with open(path) as f:
            text = f.read()
        if path.endswith('.sources'):
            for stanza in text.split('\n\n'):
                fields = {}
                for line in stanza.splitlines():
                    if ':' in line and not line.startswith(('#', ' ')):
                        key, value = line.split(':', 1)
                        fields[key.strip().lower()] = value.split()
                for uri in fields.get('uris', []):
                    for suite in fields.get('suites', []):
                        entries.append((uri, suite))
        else:
            for line in text.splitlines():
                words = line.split('#', 1)[0].split()
                if len(words) >= 3 and words[0] == 'deb':
                    words = [w for w in words if not w.startswith('[')]
                    entries.append((words[1], words[2]))
    for uri, suite in entries:
        if suite.endswith('-security'):
            security = security or uri
        elif '-' not in suite and 'debian' in uri:
            main = main or uri
    return (main or 'http://deb.debian.org/debian',
            security or 'http://security.debian.org/')


def cached(directory, recipe, files):
    """The manifest of a current build in ``directory``, else None."""
    try:
        with open(os.path.join(directory, 'manifest.json')) as f:
            manifest = json.load(f)
    except (OSError, ValueError):
        return None
    if manifest.get('recipe') != recipe:
        return None
    if not all(os.path.isfile(os.path.join(directory, n)) for n in files):
        return None
    return manifest


def write_manifest(directory, manifest):
    tmp = os.path.join(directory, 'manifest.json.tmp')
    with open(tmp, 'w') as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
    os.replace(tmp, os.path.join(directory, 'manifest.json'))


class Timer:
    def __init__(self):
        self.t0 = time.monotonic()

    def seconds(self):
        return round(time.monotonic() - self.t0, 1)
