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

"""Images of the real-virtualisation lab, built here from registry packages.

``ensure_all(p, log, say)`` builds, or reuses, under ``<home>/images/``:

* ``ipa/ipa.kernel`` and ``ipa/ipa.initramfs``: the Ironic Python Agent
  deploy ramdisk (:mod:`labkit.images.ipa`);
* ``instance/instance.img``: a small raw whole-disk image that prints
  :data:`labkit.images.instance.MARKER` on ttyS0 once booted from disk
  (:mod:`labkit.images.instance`).
* ``instance-uefi/instance-uefi.img``: the same system on a GPT disk with
  an EFI system partition, booting on OVMF through an NVRAM entry or the
  removable-media fallback path (:mod:`labkit.images.instance_uefi`).

``ensure_recorded`` also records the result in ``images/built.json``,
which ``recorded`` reads back inside the lab's namespace.

Each image is rebuilt only when its recipe digest changes (versions of
what goes in, the element files, the builder module) or a file is missing.
The builders (diskimage-builder, ironic-python-agent-builder) live in
``<home>/venvs/images``. Runs in the root network namespace: it downloads
from PyPI and the Debian mirror. See README.rst beside this file.
"""

import json
import os

from labkit.images import common
from labkit.images import instance
from labkit.images import instance_uefi
from labkit.images import ipa
from labkit import procs

BUILT = 'built.json'


def ensure_all(p, log=None, say=print):
    """Build what is missing or stale; describe the images for the lab.

    :param p: the lab's paths (``labkit.settings.paths()``).
    :param log: log file for the builds' output (default images.log).
    :param say: callable that reports progress to the user.
    :returns: dict with deploy_kernel, deploy_ramdisk, instance_image,
        instance_image_checksum (sha256), instance_image_format,
        instance_image_qcow2 and its checksum (the same disk as qcow2),
        instance_image_uefi and its checksum (the same system on a GPT
        disk with an EFI system partition), instance_marker, build_seconds
        (of the builds that made the current files), rebuilt (names built
        by this call) and seconds (this call).
    :raises labkit.procs.LabError: a tool or a build failed.
    """
    log = log or p.log_of('images')
    timer = common.Timer()
    os.makedirs(common.images_dir(p), exist_ok=True)
    missing = common.ensure_apt(log)
    if missing:
        say('installed Debian packages %s' % ' '.join(missing))
    if common.ensure_venv(p, log):
        say('built the images venv (%s)' % common.venv_dir(p))
    inst = instance.build(p, log, say)
    bios_image = os.path.join(common.images_dir(p), 'instance',
                              instance.IMAGE)
    uefi = instance_uefi.build(p, log, say, bios_image, inst['sha256'])
    agent = ipa.build(p, log, say)
    ipa_dir = os.path.join(common.images_dir(p), 'ipa')
    result = {
        'deploy_kernel': os.path.join(ipa_dir, ipa.KERNEL),
        'deploy_ramdisk': os.path.join(ipa_dir, ipa.RAMDISK),
        'instance_image': os.path.join(common.images_dir(p), 'instance',
                                       instance.IMAGE),
        'instance_image_checksum': inst['sha256'],
        'instance_image_format': inst['format'],
        'instance_image_qcow2': os.path.join(
            common.images_dir(p), 'instance', instance.IMAGE_QCOW2),
        'instance_image_qcow2_checksum': inst['qcow2_sha256'],
        'instance_image_uefi': os.path.join(
            common.images_dir(p), 'instance-uefi', instance_uefi.IMAGE),
        'instance_image_uefi_checksum': uefi['sha256'],
        'instance_marker': inst['marker'],
        'build_seconds': {'ipa': agent['build_seconds'],
                          'instance': inst['build_seconds'],
                          'instance-uefi': uefi['build_seconds']},
        'rebuilt': [name for name, m in (('instance', inst), ('ipa', agent),
                                         ('instance-uefi', uefi))
                    if m['built']],
        'seconds': timer.seconds(),
    }
    if not result['rebuilt']:
        say('images current (%s)' % common.images_dir(p))
    return result


def ensure_recorded(p, say=print):
    """``ensure_all`` (log: images.log), its result kept in built.json.

    Runs in the root namespace; ``recorded`` reads the result inside.
    """
    built = ensure_all(p, p.log_of('images'), say)
    os.makedirs(p.images, exist_ok=True)
    with open(os.path.join(p.images, BUILT), 'w') as f:
        json.dump(built, f, indent=2)
    return built


def recorded(p, virt):
    """What ``ensure_recorded`` built last.

    :param virt: the mode, named in the error.
    :raises procs.LabError: nothing was built yet.
    """
    try:
        with open(os.path.join(p.images, BUILT)) as f:
            return json.load(f)
    except (OSError, ValueError):
        raise procs.LabError('no images built in %s: run `labctl up '
                             '--virt %s`' % (p.images, virt))
