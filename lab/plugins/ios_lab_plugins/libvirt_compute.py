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

"""nova-compute launcher for the real mode's libvirt driver shim.

Nova loads ``compute_driver`` only from below ``nova.virt``. This launcher
registers ``ios_lab_plugins.libvirt_loader_compat`` as
``nova.virt.lab_libvirt`` and then runs the stock ``nova-compute`` entry
point; nova.conf says ``compute_driver =
lab_libvirt.LoaderSecureCompatLibvirtDriver``.

Usage: ``python -m ios_lab_plugins.libvirt_compute --config-file
nova.conf``.
"""

import sys


def main():
    # nova.cmd.compute first: it sets Nova's threading mode (monkey_patch)
    # and must run before anything imports eventlet.
    from nova.cmd import compute
    import nova.virt

    from ios_lab_plugins import libvirt_loader_compat

    sys.modules['nova.virt.lab_libvirt'] = libvirt_loader_compat
    nova.virt.lab_libvirt = libvirt_loader_compat
    return compute.main()


if __name__ == '__main__':
    sys.exit(main())
