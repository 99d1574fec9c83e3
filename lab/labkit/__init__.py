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

"""labkit: the local lab behind ``lab/labctl.py``.

Modules (standard library only, and the repository's poll loop
``ironic_openstack_driver.tools.waiting``; the demos also use openstacksdk
and the tools' functions), from the leaves up; a module imports only
modules listed before it (no cycle: tests/unit/lab/test_layers.py):

* ``settings`` - where things live (state dir, ports, names) and the
  secrets; ``procs`` - start/stop processes by PID file, readiness
  polling; ``tuning`` - settings a test changes for a while.
* ``writers`` - INI text, atomic file writes, the URLs and credentials
  options the services' files share; ``rest`` - a tiny
  Keystone-authenticated HTTP client; ``install`` - Debian packages and
  the lab's two virtualenvs; ``namespace`` - the real mode's network
  namespace; ``images/`` - the real mode's agent ramdisk and instance
  image.
* ``provision`` - identities, catalog, images and flavor; ``configs`` -
  the shared services' configuration files; ``context`` - what every part
  shares (paths, output, secrets, admin sessions); ``services`` - the
  ``Service`` base (each service owns its readiness probe).
* The services: ``infra`` (MariaDB, epmd, RabbitMQ), ``apis`` (Keystone,
  Glance, Placement, Neutron), ``nova`` (Nova's), ``conductors``
  (Ironic's), ``console_proxies``; ``deploying`` - the real mode's
  deploying Ironic.
* The backends, each an object that contributes its services and its
  configuration: ``compute/`` (``fake`` or ``libvirt``) and ``network/``
  (``nodataplane`` or ``bridge``).
* ``mode`` - the virt mode, which picks the backends once; ``compose`` -
  which services a mode runs, in what order, and its files.
* ``bringup`` - starting (and stopping) the composed services in order;
  ``status`` - ``status``; ``faults`` and ``operations`` - commands on a
  running lab; ``lab`` - ``up``, ``down``, ``status``.
* ``demo`` - the Ironic-beside-Nova walk-through (needs openstacksdk);
  ``deploy_demo`` - the real mode's clean/deploy walk.
"""
