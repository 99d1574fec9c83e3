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

"""The Ironic Python Agent deploy ramdisk (kernel + initramfs).

Built by ironic-python-agent-builder (diskimage-builder) on Debian bookworm
(element debian-minimal) from registry packages only:

* ironic-python-agent and glean come from PyPI as source distributions and
  are turned into local git repositories tagged with their versions, because
  diskimage-builder clones them from git (opendev.org is not reachable); a
  local ``requirements`` repository holds the upper constraints, which are
  the lab's Ironic venv pins (lab/constraints-ironic.txt), so the agent gets
  the library versions of the same OpenStack release as the lab's Ironic;
* Debian packages come from the mirrors this machine's apt sources name;
* the elements in ./elements trust the machine's local CA inside the
  chroot (ios-lab-ca) and make the ramdisk lean (ios-lab-lean).
"""

import os
import shutil
import subprocess

from labkit.images import common
from labkit import procs
from labkit import settings

IPA_VERSION = '13.0.0'        # the 2026.2 series, Ironic 39's
GLEAN_VERSION = '1.25.1'
DEBIAN_RELEASE = 'bookworm'
ELEMENTS_DIR = os.path.join(common.PKG_DIR, 'elements')
#: openssh-server (diskimage-builder's): the SSH server Ironic's agent
#: rescue needs; ios-lab-lean starts it only when a rescue creates the
#: rescue user.
EXTRA_ELEMENTS = ('ios-lab-ca', 'ios-lab-lean', 'openssh-server')
CONSTRAINTS = os.path.join(settings.LAB_DIR, 'constraints-ironic.txt')
# lz4 in its legacy frame, the one lz4 format the kernel's initramfs
# unpacker reads (Debian's kernel: CONFIG_RD_LZ4=y). Under emulation the
# kernel unpacks it nearly as fast as an uncompressed cpio and twice as
# fast as zstd. Ironic serves it to iPXE as it is: Ironic 39 decompresses
# only zstd ramdisks, on every fetch, and iPXE then downloads the whole
# cpio (three times the bytes).
COMPRESS_CMD = 'lz4 -l -9 -q -c'
#: Initramfs compressions by their first bytes, and the command that
#: decompresses each to stdout.
DECOMPRESSORS = (
    (b'\x02\x21\x4c\x18', ('lz4', '-dc')),      # lz4 legacy frame
    (b'\x04\x22\x4d\x18', ('lz4', '-dc')),      # lz4 frame
    (b'\x28\xb5\x2f\xfd', ('zstd', '-dc')),
    (b'\x1f\x8b', ('gzip', '-dc')),
    (b'070701', ('cat',)),                     # cpio (newc), uncompressed
)
KERNEL = 'ipa.kernel'
RAMDISK = 'ipa.initramfs'
SOURCES = (('ironic-python-agent', 'ironic_python_agent', IPA_VERSION),
           ('glean', 'glean', GLEAN_VERSION))


def recipe():
    """Digest of everything the ramdisk is built from."""
    return common.digest(
        'ipa=%s glean=%s debian=%s kernel=%s compress=%s %s' % (
            IPA_VERSION, GLEAN_VERSION, DEBIAN_RELEASE,
            common.apt_candidate('linux-image-amd64'), COMPRESS_CMD,
            ' '.join(common.VENV_REQUIREMENTS + EXTRA_ELEMENTS)),
        CONSTRAINTS, ELEMENTS_DIR, os.path.abspath(__file__))


# ironic-python-agent-builder's ramdisk packing drops every *.pyc, so each
# boot recompiles the agent's Python (minutes under emulation). A copy of
# its element with that one prune removed, earlier in ELEMENTS_PATH,
# overrides it; everything else in the element stays as upstream made it.
PACKER_ELEMENT = 'ironic-ramdisk-base'
PACKER_SCRIPT = os.path.join('cleanup.d', '99-ramdisk-create')
PYC_PRUNE = "        -name '*.pyc' ! -path '*encodings/*' -prune -o \\\n"


def _packer_override(p, work):
    """Copy of the packing element that keeps *.pyc; returns its parent."""
    upstream = os.path.join(common.venv_dir(p), 'share',
                            'ironic-python-agent-builder', 'dib',
                            PACKER_ELEMENT)
    parent = os.path.join(work, 'elements')
    copy = os.path.join(parent, PACKER_ELEMENT)
    shutil.copytree(upstream, copy)
    script = os.path.join(copy, PACKER_SCRIPT)
    with open(script) as f:
        text = f.read()
    if text.count(PYC_PRUNE) != 1:
        raise procs.LabError(
            '%s: the *.pyc prune line was not found once; update '
            'labkit/images/ipa.py for this ironic-python-agent-builder'
            % os.path.join(upstream, PACKER_SCRIPT))
    with open(script, 'w') as f:
        f.write(text.replace(PYC_PRUNE, ''))
    return parent


def _git_repo(path, src_dir, version, log):
    """Make ``src_dir``'s content a one-commit git repo tagged ``version``."""
    if os.path.exists(path):
        shutil.rmtree(path)
    shutil.copytree(src_dir, path, symlinks=True)
    env = {'GIT_AUTHOR_NAME': 'lab', 'GIT_AUTHOR_EMAIL': 'lab@localhost',
           'GIT_COMMITTER_NAME': 'lab',
           'GIT_COMMITTER_EMAIL': 'lab@localhost',
           'GIT_AUTHOR_DATE': '2026-01-01T00:00:00Z',
           'GIT_COMMITTER_DATE': '2026-01-01T00:00:00Z'}
    for argv in (['git', 'init', '-q', '-b', 'master', '.'],
                 ['git', 'add', '-A', '-f', '.'],
                 ['git', 'commit', '-q', '-m', 'version %s' % version],
                 ['git', 'tag', version]):
        procs.run(argv, 'git %s in %s' % (argv[1], path), log, env=env,
                  cwd=path)


def _sources(p, work, log):
    """Local git repositories for DIB; returns DIB_REPO* variables."""
    dl = os.path.join(work, 'sdist')
    os.makedirs(dl, exist_ok=True)
    pip = os.path.join(common.venv_dir(p), 'bin', 'pip')
    env = {}
    for name, dist, version in SOURCES:
        procs.run([pip, 'download', '-q', '--no-deps', '--no-binary', ':all:',
                   '-d', dl, '%s==%s' % (name, version)],
                  'pip download %s %s' % (name, version), log)
        tarball = [f for f in os.listdir(dl)
                   if f.startswith('%s-%s.' % (dist, version))
                   or f.startswith('%s-%s.' % (name, version))][0]
        unpacked = os.path.join(work, 'unpacked')
        shutil.rmtree(unpacked, ignore_errors=True)
        shutil.unpack_archive(os.path.join(dl, tarball), unpacked)
        (top,) = os.listdir(unpacked)
        repo = os.path.join(work, 'git', name)
        _git_repo(repo, os.path.join(unpacked, top), version, log)
        var = name.replace('-', '_')
        env['DIB_REPOLOCATION_' + var] = repo
        env['DIB_REPOREF_' + var] = version
    reqs = os.path.join(work, 'req')
    shutil.rmtree(reqs, ignore_errors=True)
    os.makedirs(reqs)
    with open(CONSTRAINTS) as src, \
            open(os.path.join(reqs, 'upper-constraints.txt'), 'w') as dst:
        dst.writelines(line for line in src
                       if not line.startswith(('#', 'ironic==')))
    _git_repo(os.path.join(work, 'git', 'requirements'), reqs, 'lab', log)
    env['DIB_REPOLOCATION_requirements'] = os.path.join(work, 'git',
                                                        'requirements')
    env['DIB_REPOREF_requirements'] = 'lab'
    return env


def build(p, log, say):
    """Build the ramdisk unless current; return its manifest."""
    out_dir = os.path.join(common.images_dir(p), 'ipa')
    want = recipe()
    manifest = common.cached(out_dir, want, (KERNEL, RAMDISK))
    if manifest:
        return dict(manifest, built=False)
    say('building the IPA ramdisk (IPA %s, Debian %s; 10-15 min; log: %s)'
        % (IPA_VERSION, DEBIAN_RELEASE, log))
    timer = common.Timer()
    work = os.path.join(common.images_dir(p), 'work', 'ipa')
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = _sources(p, work, log)
    mirror, security = common.debian_mirrors()
    venv_bin = os.path.join(common.venv_dir(p), 'bin')
    env.update({
        'PATH': venv_bin + os.pathsep + os.environ.get('PATH', ''),
        'DIB_RELEASE': DEBIAN_RELEASE,
        'DIB_DEBIAN_COMPONENTS': 'main',
        'DIB_DISTRIBUTION_MIRROR': mirror,
        'DIB_DEBIAN_SECURITY_MIRROR': security,
        'DIB_IPA_COMPRESS_CMD': COMPRESS_CMD,
        'DIB_CHECKSUM': '0',
        'DIB_NO_TMPFS': '1',
        'TMP_DIR': os.path.join(work, 'tmp'),
        'DIB_IMAGE_CACHE': os.path.join(common.images_dir(p), 'cache',
                                        'dib'),
    })
    os.makedirs(env['TMP_DIR'])
    argv = [os.path.join(venv_bin, 'ironic-python-agent-builder'),
            '-o', os.path.join(work, 'ipa'), '-r', DEBIAN_RELEASE,
            '--elements-path',
            _packer_override(p, work) + os.pathsep + ELEMENTS_DIR]
    for element in EXTRA_ELEMENTS:
        argv += ['-e', element]
    procs.run(argv + ['debian-minimal'], 'build the IPA ramdisk', log,
              env=env, timeout=3600)
    os.makedirs(out_dir, exist_ok=True)
    for name in (KERNEL, RAMDISK):
        os.replace(os.path.join(work, name), os.path.join(out_dir, name))
    manifest = {
        'recipe': want, 'build_seconds': timer.seconds(),
        'ipa_version': IPA_VERSION,
        'kernel_bytes': os.path.getsize(os.path.join(out_dir, KERNEL)),
        'ramdisk_bytes': os.path.getsize(os.path.join(out_dir, RAMDISK)),
        'ramdisk_unpacked_bytes': _unpacked_size(
            os.path.join(out_dir, RAMDISK)),
    }
    common.write_manifest(out_dir, manifest)
    shutil.rmtree(work, ignore_errors=True)
    say('IPA ramdisk built in %.0f s: %.0f MB (%.0f MB unpacked)' % (
        manifest['build_seconds'], manifest['ramdisk_bytes'] / 1e6,
        manifest['ramdisk_unpacked_bytes'] / 1e6))
    return dict(manifest, built=True)


def decompressor(head, path):
    """The command that decompresses an initramfs starting with ``head``.

    :param head: the file's first bytes (at least 6).
    :param path: the file, named in the error.
    :raises procs.LabError: a compression the lab does not know.
    """
    for magic, argv in DECOMPRESSORS:
        if head.startswith(magic):
            return list(argv)
    raise procs.LabError('%s: unknown initramfs compression (first bytes %s)'
                         % (path, head[:6].hex()))


def _unpacked_size(path):
    """Bytes of the initramfs once the kernel has decompressed it."""
    with open(path, 'rb') as f:
        tool = decompressor(f.read(6), path)
    with open(path, 'rb') as f:
        proc = subprocess.Popen(tool, stdin=f, stdout=subprocess.PIPE)
        total = 0
        for chunk in iter(lambda: proc.stdout.read(1 << 20), b''):
            total += len(chunk)
        proc.wait()
    return total
