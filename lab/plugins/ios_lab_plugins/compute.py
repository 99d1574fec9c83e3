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

"""nova-compute launcher that makes the lab's fake driver loadable.

Nova loads ``compute_driver`` only from below ``nova.virt``
(``importutils.import_object('nova.virt.' + compute_driver)``), so an
out-of-tree driver cannot be named by its own module path. This launcher
registers ``ios_lab_plugins.fake_compute`` as ``nova.virt.lab_fake`` and
then runs the stock ``nova-compute`` entry point; nova.conf says
``compute_driver = lab_fake.LabFakeDriver``.

Usage: ``python -m ios_lab_plugins.compute --config-file nova.conf``.
"""

import sys


def main():
    # nova.cmd.compute first: it sets Nova's threading mode (monkey_patch)
    # and must run before anything imports eventlet.
    from nova.cmd import compute
    import nova.virt

    from ios_lab_plugins import fake_compute

    sys.modules['nova.virt.lab_fake'] = fake_compute
    nova.virt.lab_fake = fake_compute
    return compute.main()


if __name__ == '__main__':
    sys.exit(main())
