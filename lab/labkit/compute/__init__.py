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

"""Compute backends: which nova-compute the lab runs, and its settings.

The mode (``settings.VIRT_MODES``) picks one:

* ``fake`` (``compute.fake``): Nova's fake virt driver with the lab's
  libvirt-like rescue; no guest ever boots. Fast: the default.
* ``qemu`` / ``kvm`` (``compute.libvirt``): the lab's own libvirtd and
  Nova's libvirt driver; every server is a real QEMU guest.

Each backend is an object (``fake.Fake``, ``libvirt.Libvirt``), chosen
once by the mode (``labkit.mode``), that contributes:

* ``services(ctx)``: its long-running processes, in start order (helpers
  such as libvirtd first, then its nova-computes, each a
  ``nova.NovaCompute`` that owns its readiness probe);
* ``console_services(ctx)``: what serves its guests' consoles, if the
  guests do not (the fake guests' console);
* ``nova_conf(p, sec)``: its part of nova.conf; ``write_configs(p)``: its
  own files;
* ``install(ctx, log)``, ``check(ctx, images, log)``: what it needs
  installed (root namespace), and a check that it can run guests;
* ``before_fresh_start(ctx)``: what goes when Nova starts afresh.

This package's ``requested_compute_hosts`` reads how many fake hosts were
asked for.
"""

import os

from labkit import procs
from labkit import settings as s


def requested_compute_hosts(virt, hosts=None):
    """Fake compute hosts asked for: ``hosts``, else $IOS_LAB_COMPUTE_HOSTS.

    None when neither says (the state dir's last count then holds).
    Only the fast mode runs several hosts.
    """
    raw = hosts if hosts is not None else os.environ.get(
        s.COMPUTE_HOSTS_ENV) or None
    if raw is None:
        return None
    try:
        count = int(raw)
    except ValueError:
        count = 0
    if not 1 <= count <= s.MAX_COMPUTE_HOSTS:
        raise procs.LabError('compute hosts %r (--compute-hosts or %s): a '
                             'whole number from 1 to %d' % (
                                 raw, s.COMPUTE_HOSTS_ENV,
                                 s.MAX_COMPUTE_HOSTS))
    if count > 1 and virt != 'fake':
        raise procs.LabError('compute hosts %d (--compute-hosts or %s): '
                             'only the fast mode (virt fake) runs several '
                             'compute hosts; virt %s runs one' % (
                                 count, s.COMPUTE_HOSTS_ENV, virt))
    return count
