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

"""The conductor's cache of virtual media ISOs: its files and its bound.

[openstack]vmedia_cache_dir holds the ISOs vmedia_iso built, named
``<node>-<label>-<content key>.iso`` (one per node and label), and, while
a build runs, its temporary directory. The ISOs are kept so that the same
inputs are not built again; the directory stays under
[openstack]vmedia_cache_max_size: the least recently used ISOs go first,
never one used in the last CACHE_GRACE seconds (an upload may be about to
read it). The files of deleted nodes are removed by the clean-up periodic
task (vmedia_cleanup).
"""

import os
import shutil
import time

from oslo_log import log
from oslo_utils import uuidutils

from ironic_openstack_driver.conf import CONF

LOG = log.getLogger(__name__)

SUFFIX = '.iso'
#: Seconds after its last use during which an ISO is never evicted.
CACHE_GRACE = 600
#: Seconds after which a build's temporary directory that nothing wrote to
#: is a leftover of a conductor that stopped mid-build.
STALE_BUILD_AGE = 3600
UUID_LENGTH = 36
MIB = 1024 * 1024


def cache_dir():
    """The cache directory, made (mode 0700) if missing."""
    path = CONF.openstack.vmedia_cache_dir
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def node_of(name):
    """UUID of the node a cached ISO's file name names, or None."""
    if not name.endswith(SUFFIX):
        return None
    node = name[:UUID_LENGTH]
    if name[UUID_LENGTH:UUID_LENGTH + 1] != '-' or not (
            uuidutils.is_uuid_like(node)):
        return None
    return node


def used(path):
    """Mark a cached ISO as used now (the eviction order).

    :returns: whether the ISO is in the cache.
    """
    try:
        os.utime(path)
        return True
    except FileNotFoundError:
        return False


def _unlink(path):
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False


def _isos():
    """[(path, node, stat)] of the cached ISOs."""
    directory = CONF.openstack.vmedia_cache_dir
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    found = []
    for name in names:
        node = node_of(name)
        if node is None:
            continue
        path = os.path.join(directory, name)
        try:
            found.append((path, node, os.stat(path)))
        except FileNotFoundError:
            continue
    return found


def nodes():
    """UUIDs of the nodes that have ISOs in the cache."""
    return {node for _path, node, _st in _isos()}


def remove_node(node):
    """Remove every cached ISO of a node; returns the paths removed."""
    removed = [path for path, owner, _st in _isos()
               if owner == node and _unlink(path)]
    if removed:
        LOG.info('Node %(node)s: removed %(count)d cached virtual media '
                 'ISO(s) from %(dir)s',
                 {'node': node, 'count': len(removed),
                  'dir': CONF.openstack.vmedia_cache_dir})
    return removed


def _newest_mtime(path):
    newest = os.stat(path).st_mtime
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            try:
                newest = max(newest, os.stat(os.path.join(root, name))
                             .st_mtime)
            except FileNotFoundError:
                continue
    return newest


def remove_stale_builds(now=None):
    """Remove build directories left by a conductor that stopped mid-build.

    :returns: the paths removed.
    """
    directory = CONF.openstack.vmedia_cache_dir
    now = time.time() if now is None else now
    removed = []
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return removed
    for name in names:
        path = os.path.join(directory, name)
        if not name.startswith('tmp') or not os.path.isdir(path):
            continue
        try:
            if now - _newest_mtime(path) < STALE_BUILD_AGE:
                continue
        except FileNotFoundError:
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
        LOG.info('Removed %s, a virtual media ISO build that never ended',
                 path)
    return removed


def enforce_bound(now=None):
    """Evict the least recently used ISOs beyond the cache's size bound.

    ISOs used in the last CACHE_GRACE seconds stay, even above the bound.

    :returns: the paths evicted.
    """
    limit = CONF.openstack.vmedia_cache_max_size * MIB
    now = time.time() if now is None else now
    isos = sorted(_isos(), key=lambda item: item[2].st_mtime)
    total = sum(st.st_size for _path, _node, st in isos)
    evicted = []
    for path, _node, st in isos:
        if total <= limit:
            break
        if now - st.st_mtime < CACHE_GRACE:
            continue
        if _unlink(path):
            evicted.append(path)
        total -= st.st_size
    if evicted:
        LOG.info('Evicted %(count)d virtual media ISO(s) from %(dir)s: the '
                 'cache holds %(total)d MiB, [openstack]'
                 'vmedia_cache_max_size is %(limit)d MiB',
                 {'count': len(evicted),
                  'dir': CONF.openstack.vmedia_cache_dir,
                  'total': total // MIB,
                  'limit': CONF.openstack.vmedia_cache_max_size})
    return evicted
