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

"""What each Nova feature the driver uses needs of the host cloud.

A table of the compute API features the driver uses: the oldest compute
microversion that offers each, the Nova policy rule that guards it, and what
a cloud without it costs. Pure decisions over it: the microversion a
connection is pinned to under a cap (``pinned``), what a boot device needs
of a server (``boot_device_feature``), the policy rule of a server action
(``policy_rule``), and the messages that name them. The I/O that reads the
cloud's microversions and applies these decisions is in client.py; the
host cloud requirements page of the admin guide shows the same table.
"""

import dataclasses

from ironic.common.i18n import _

from ironic_openstack_driver.server_state import Step


@dataclasses.dataclass(frozen=True)
class Feature:
    """One compute API feature the driver uses."""

    #: What the operator knows it as.
    name: str
    #: The oldest compute API microversion that offers it, "2.N".
    microversion: str
    #: The Nova policy rule that allows it.
    policy: str
    #: What the driver does, or cannot do, on a cloud below
    #: ``microversion``.
    without: str


def _f(name, microversion, policy, without):
    return Feature(name, microversion, policy, without)


START = _f(_('start (os-start)'), '2.1', 'os_compute_api:servers:start',
           _('nothing: every Nova has it'))
STOP = _f(_('stop (os-stop)'), '2.1', 'os_compute_api:servers:stop',
          _('nothing: every Nova has it'))
REBOOT = _f(_('reboot'), '2.1', 'os_compute_api:servers:reboot',
            _('nothing: every Nova has it'))
RESCUE = _f(_('rescue with an image (boot devices PXE and CDROM)'), '2.1',
            'os_compute_api:os-rescue', _('nothing: every Nova has it'))
UNRESCUE = _f(_('unrescue'), '2.1', 'os_compute_api:os-unrescue',
              _('nothing: every Nova has it'))
VOLUME_BACKED_RESCUE = _f(
    _('rescue of a volume-backed server (boot devices PXE and CDROM)'),
    '2.87', 'os_compute_api:os-rescue',
    _('boot devices PXE and CDROM of volume-backed servers are refused '
      'when they are set (DISK works)'))
UNPAUSE = _f(_('unpause'), '2.1', 'os_compute_api:os-pause-server:unpause',
             _('nothing: every Nova has it'))
RESUME = _f(_('resume'), '2.1', 'os_compute_api:os-suspend-server:resume',
            _('nothing: every Nova has it'))
UNSHELVE = _f(_('unshelve'), '2.1', 'os_compute_api:os-shelve:unshelve',
              _('nothing: every Nova has it'))
SHOW = _f(_('read a server'), '2.1', 'os_compute_api:servers:show',
          _('nothing: every Nova has it'))
CONSOLE_OUTPUT = _f(_('console log (os-getConsoleOutput)'), '2.1',
                    'os_compute_api:os-console-output',
                    _('nothing: every Nova has it'))
REMOTE_CONSOLE = _f(
    _('remote console (POST /servers/{id}/remote-consoles)'), '2.6',
    'os_compute_api:os-remote-consoles',
    _('openstacksdk asks the older per-type console actions instead'))
CRASH_DUMP = _f(_('NMI (os-triggerCrashDump)'), '2.17',
                'os_compute_api:servers:trigger_crash_dump',
                _('inject_nmi is refused'))
EMBEDDED_FLAVOR = _f(
    _('flavor embedded in the server'), '2.47',
    'os_compute_api:servers:show',
    _('inspection reads the flavor by its ID, and fails once the flavor '
      'is deleted'))
IMAGE_PROPERTIES = _f(
    _('image properties embedded in the server'), '2.98',
    'os_compute_api:servers:show',
    _('boot mode and secure boot come from the image in Glance, which may '
      'have changed since the server was built; for an image Glance no '
      'longer has, [openstack]default_boot_mode and secure boot off'))

#: Every feature, in the order the requirements page lists them.
FEATURES = (SHOW, START, STOP, REBOOT, RESCUE, UNRESCUE,
            VOLUME_BACKED_RESCUE, UNPAUSE, RESUME, UNSHELVE, CONSOLE_OUTPUT,
            REMOTE_CONSOLE, CRASH_DUMP, EMBEDDED_FLAVOR, IMAGE_PROPERTIES)

#: The feature each server action of converge.py uses.
STEP_FEATURES = {
    Step.START: START, Step.STOP: STOP, Step.HARD_REBOOT: REBOOT,
    Step.SOFT_REBOOT: REBOOT, Step.RESCUE: RESCUE, Step.UNRESCUE: UNRESCUE,
    Step.UNPAUSE: UNPAUSE, Step.RESUME: RESUME, Step.UNSHELVE: UNSHELVE,
}

#: Boot devices that boot through Nova's rescue.
RESCUE_DEVICES = ('pxe', 'cdrom')


def version_tuple(version):
    """(2, N) of a "2.N" microversion.

    :raises: ValueError for anything else.
    """
    major, minor = str(version).split('.')
    return int(major), int(minor)


def version_text(version):
    """The "2.N" text of a (2, N) tuple or a "2.N" string."""
    if isinstance(version, str):
        return version
    return '%d.%d' % tuple(version[:2])


def pinned(cap, cloud_max):
    """The microversion to pin a connection's compute requests to, or None.

    :param cap: the "2.N" cap ([openstack]compute_microversion_cap or the
        node's driver_info), or None.
    :param cloud_max: the newest microversion the cloud's Nova offers, as a
        tuple or "2.N", or None when its version document gave none.
    :returns: ``cap`` when it is below what the cloud offers, else None
        (openstacksdk then negotiates per request as usual).
    """
    if not cap or not cloud_max:
        return None
    cloud = version_tuple(version_text(cloud_max))
    return cap if version_tuple(cap) < cloud else None


def offered(feature, version):
    """Whether a cloud that uses ``version`` at most offers ``feature``.

    A cloud that shows no version has only 2.1.
    """
    usable = version_tuple(version_text(version)) if version else (2, 1)
    return version_tuple(feature.microversion) <= usable


def boot_device_feature(device, volume_backed):
    """The feature a boot of ``device`` uses beyond start and reboot.

    :param device: an Ironic boot device (pxe, cdrom, disk).
    :param volume_backed: whether the server's root is a Cinder volume.
    :returns: RESCUE or VOLUME_BACKED_RESCUE for PXE and CDROM, None for
        DISK.
    """
    if device not in RESCUE_DEVICES:
        return None
    return VOLUME_BACKED_RESCUE if volume_backed else RESCUE


def policy_rule(step):
    """The Nova policy rule of a converge step's server action, or None."""
    feature = STEP_FEATURES.get(step)
    return feature.policy if feature else None


def unsupported_message(node_uuid, what, feature, version, cloud, capped):
    """Why a cloud cannot do what a node was asked.

    :param what: what was asked (e.g. "boot device pxe").
    :param version: the newest microversion the driver uses there, or None.
    :param cloud: the cloud, as CloudCredentials.describe() says it.
    :param capped: whether a compute_microversion_cap set that version.
    """
    where = (_('the compute_microversion_cap %s') % version if capped
             else _('microversion %s') % version if version
             else _('no microversion'))
    return _('Node %(node)s: %(what)s needs %(feature)s, which Nova offers '
             'from API microversion %(needed)s; the driver uses %(where)s '
             'of %(cloud)s. Without it: %(without)s.') % {
                 'node': node_uuid, 'what': what, 'feature': feature.name,
                 'needed': feature.microversion, 'where': where,
                 'cloud': cloud, 'without': feature.without}


def policy_hint(rule):
    """What a 403 of a server action asks the operator to check."""
    return _('Nova\'s policy rule %s refuses these credentials: ask the host '
             'cloud\'s operators to allow it for the user (a project member '
             'has it by Nova\'s default policy)') % rule
