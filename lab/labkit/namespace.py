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

"""The real-mode lab's network namespace (standard library + iproute2).

In the real-virtualisation mode every service of the lab, libvirt's guests,
their taps, the provisioning bridge, DHCP and HTTP boot live in one network
namespace (``settings.NETNS``) with its own loopback. The services keep
listening on 127.0.0.1 - the namespace's own - and the only non-loopback
addresses (the bridge's, from the documentation ranges) exist only there:
nothing in the machine's root namespace gets an address, and no packet
leaves the namespace, which has no link to the outside at all.

Installs (pip, apt, image builds) need the root namespace, which reaches
the package registries; ``labctl`` does them there and then re-runs itself
inside the namespace (``reexec_inside``) for everything that talks to the
services.
"""

import os
import subprocess
import sys

from labkit import procs
from labkit import settings as s

NETNS_DIR = '/run/netns'


def path():
    return os.path.join(NETNS_DIR, s.NETNS)


def exists():
    return os.path.exists(path())


def inside():
    """True when this process runs in the lab's namespace."""
    try:
        return (os.stat('/proc/self/ns/net').st_ino
                == os.stat(path()).st_ino)
    except OSError:
        return False


def prefix():
    """argv prefix that runs a command inside the namespace."""
    return ['ip', 'netns', 'exec', s.NETNS]


def _ip(*args, check=True, inside_ns=True):
    argv = (prefix() if inside_ns else []) + ['ip'] + list(args)
    out = subprocess.run(argv, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    if check and out.returncode != 0:
        raise procs.LabError('%s failed: %s' % (' '.join(argv),
                                                out.stderr.strip()))
    return out


def _sysctl(key, value):
    subprocess.run(prefix() + ['sysctl', '-q', '-w', '%s=%s' % (key, value)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def ensure():
    """Create the namespace, its loopback and the provisioning bridge.

    Idempotent. Returns True when the namespace was created now.
    """
    created = False
    if not exists():
        _ip('netns', 'add', s.NETNS, inside_ns=False)
        created = True
    _ip('link', 'set', 'lo', 'up')
    if _ip('link', 'show', s.BRIDGE, check=False).returncode != 0:
        _ip('link', 'add', s.BRIDGE, 'type', 'bridge', 'stp_state', '0',
            'forward_delay', '0')
    # A bridge without ports takes MAC 00:00:00:00:00:00, then a port's:
    # give it a fixed one so DHCP's server identity never changes.
    _ip('link', 'set', s.BRIDGE, 'address', s.BRIDGE_MAC)
    _sysctl('net.ipv6.conf.%s.disable_ipv6' % s.BRIDGE, 0)
    addresses = _ip('addr', 'show', 'dev', s.BRIDGE).stdout
    if '%s/%d' % (s.BRIDGE_IP, s.BRIDGE_PREFIX) not in addresses:
        _ip('addr', 'add', '%s/%d' % (s.BRIDGE_IP, s.BRIDGE_PREFIX), 'dev',
            s.BRIDGE)
    if '%s/%d' % (s.BRIDGE_IP6, s.BRIDGE_PREFIX6) not in addresses:
        _ip('addr', 'add', '%s/%d' % (s.BRIDGE_IP6, s.BRIDGE_PREFIX6),
            'dev', s.BRIDGE, 'nodad')
    _ip('link', 'set', s.BRIDGE, 'up')
    return created


def pids():
    """PIDs of every process that runs inside the namespace."""
    if not exists():
        return []
    out = subprocess.run(['ip', 'netns', 'pids', s.NETNS],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True)
    return [int(pid) for pid in out.stdout.split()]


def guest_pids():
    """PIDs of the QEMU guests in the namespace (for memory figures)."""
    found = []
    for pid in pids():
        try:
            exe = os.path.basename(os.readlink('/proc/%d/exe' % pid))
        except OSError:
            continue
        if exe.startswith('qemu-system'):
            found.append(pid)
    return found


def delete():
    """Remove the namespace (and so its bridge and taps). Idempotent.

    Processes still inside it are killed first: the lab stops its own by
    PID file before this; anything left (a guest's QEMU) goes here.
    """
    if not exists():
        return False
    for pid in pids():
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
    _ip('netns', 'del', s.NETNS, inside_ns=False)
    return True


def reexec_inside(argv):
    """Replace this process by ``python argv`` run inside the namespace."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvp('ip', prefix() + [sys.executable] + list(argv))
