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

"""The image the node servers are built from: a short os_shutdown_timeout.

create-nodes gives it one, as rescue-image gives the iPXE image one.
"""

from openstack import exceptions as sdk_exc

from ironic_openstack_driver.tools import common
from ironic_openstack_driver.tools import rescue_image

#: os_shutdown_timeout given to the servers' image: rescue-image's.
DEFAULT_SHUTDOWN_TIMEOUT = rescue_image.DEFAULT_SHUTDOWN_TIMEOUT


def ensure_shutdown_timeout(conn, report, image, seconds):
    """Give the servers' image a short os_shutdown_timeout.

    Nova's graceful stop (os-stop, rescue of a running guest) waits for the
    guest up to the os_shutdown_timeout of the image a server was built
    from (copied into the server at creation), else the compute's 60 s, as
    long as Ironic's power timeout: a blank disk or iPXE, which ignore
    ACPI, then fail Ironic's power actions. Returns nothing; an image the
    project cannot change gets a warning.
    """
    current = common.image_property(image, 'os_shutdown_timeout')
    try:
        if current is not None and int(current) <= seconds:
            return
    except ValueError:
        pass
    report.progress('Setting os_shutdown_timeout=%d on image %s (%s; was %s) '
                    'so that Nova stops these servers within Ironic\'s power '
                    'timeout ...' % (seconds, image.name, image.id,
                                     current if current is not None
                                     else 'unset: 60 s'))
    try:
        # By ID, as in rescue-image: Glance refuses read-only fields.
        conn.image.update_image(image.id, os_shutdown_timeout=str(seconds))
    except sdk_exc.SDKException as e:
        report.progress(
            'Warning: cannot set os_shutdown_timeout on image %s (%s): %s. '
            'Nova will wait up to %s s to stop a server built from it whose '
            'guest ignores ACPI (a blank disk, iPXE), which fails Ironic\'s '
            'power actions (60 s): use an image of your own with '
            'os_shutdown_timeout set, or raise [conductor]'
            'power_state_change_timeout.' % (
                image.name, image.id, common.describe_error(e),
                current if current is not None else '60'))
