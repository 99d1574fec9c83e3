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

"""The lab's mode: the one place that picks the backends.

``fake`` (the fast mode) runs the fake compute (``compute.fake.Fake``, K
hosts) on no dataplane (``network.nodataplane.NoDataplane``); ``qemu`` and
``kvm`` (the real mode) run libvirt (``compute.libvirt.Libvirt``) on the
provisioning bridge (``network.bridge.Bridge``, whose libvirt hook the
compute backend installs), and a deploying Ironic (``deploying``) with the
images built for it (``images``).
"""

import os

from labkit.compute import fake
from labkit.compute import libvirt
from labkit import deploying
from labkit import images
from labkit import install
from labkit import namespace
from labkit.network import bridge
from labkit.network import nodataplane
from labkit import procs
from labkit import settings as s
from labkit import tuning

#: What $IOS_LAB_FAST_TRACK may say.
_YES = ('1', 'true', 'yes', 'on')
_NO = ('', '0', 'false', 'no', 'off')


def requested_virt(virt=None):
    """The virt mode asked for: ``virt``, else $IOS_LAB_VIRT, else 'fake'."""
    virt = virt or os.environ.get(s.VIRT_ENV) or 'fake'
    if virt not in s.VIRT_MODES:
        raise procs.LabError('unknown virt mode %r (%s: one of %s)' % (
            virt, s.VIRT_ENV, ', '.join(s.VIRT_MODES)))
    return virt


def requested_fast_track(virt, fast_track=None):
    """Ironic's fast track asked for: ``fast_track``, else $IOS_LAB_FAST_TRACK.

    Off when neither says: each ``up`` decides, so an ``up`` without it
    turns fast track off again. The fast mode runs no agent: there the
    environment is ignored and the option refused.

    :param virt: the mode being brought up.
    :param fast_track: ``up --fast-track`` (True), ``--no-fast-track``
        (False), or None.
    :raises procs.LabError: for --fast-track in the fast mode, or an
        environment value that is neither yes nor no.
    """
    if fast_track is not None:
        if fast_track and virt == 'fake':
            raise procs.LabError("--fast-track: Ironic's fast track needs "
                                 "the real mode's agent (--virt qemu or "
                                 "kvm); the fast mode runs none")
        return fast_track
    raw = os.environ.get(s.FAST_TRACK_ENV, '').strip().lower()
    if raw not in _YES + _NO:
        raise procs.LabError('%s=%r: say 1 (fast track on) or 0 (off)' % (
            s.FAST_TRACK_ENV, os.environ[s.FAST_TRACK_ENV]))
    return raw in _YES and virt != 'fake'


class Mode:
    """One virt mode and the backends it picks.

    :param p: the lab's paths.
    :param virt: one of ``settings.VIRT_MODES``; None means the mode the
        state dir was last brought up in (what ``status`` and ``down`` act
        on).
    :param compute_hosts: fake compute hosts (the real mode runs one);
        None means the state dir's last count.
    """

    def __init__(self, p, virt=None, compute_hosts=None):
        self.p = p
        self.virt = virt or s.load_mode(p)
        self.real = self.virt != 'fake'
        self.compute_hosts = 1 if self.real else (
            compute_hosts or s.load_compute_hosts(p))
        if self.real:
            self.network = bridge.Bridge()
            self.compute = libvirt.Libvirt(self.virt,
                                           self.network.libvirt_hook())
        else:
            self.network = nodataplane.NoDataplane()
            self.compute = fake.Fake(self.compute_hosts)
        self._images = None

    def apt_packages(self):
        """The Debian packages this mode runs on."""
        if self.real:
            return install.APT_PACKAGES + install.REAL_APT_PACKAGES
        return install.APT_PACKAGES

    def build_images(self, say):
        """Real mode: build (or find current) its images; root namespace."""
        self._images = images.ensure_recorded(self.p, say)
        return self._images

    def images(self):
        """The real mode's built images (read once from built.json)."""
        if self._images is None:
            self._images = images.recorded(self.p, self.virt)
        return self._images

    def ironic_conf(self):
        """What this mode adds to ironic.conf (a deploying Ironic, if real)."""
        if not self.real:
            return {}
        return deploying.ironic_conf(self.p, self.images(),
                                     fast_track=tuning.fast_track(self.p))

    def provision_deploying(self, sess):
        """Real mode: the node flavor and the images Ironic deploys.

        :returns: the status fields a client needs to deploy.
        """
        deploying.provision(sess)
        deploying.publish_images(self.p, self.images())
        return deploying.status_fields(self.images(), namespace.prefix())
