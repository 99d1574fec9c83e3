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

Modules (standard library only, except ``demo``):

* ``settings`` - where things live (state dir, ports, names) and the secrets.
* ``procs`` - start/stop processes by PID file, readiness polling.
* ``install`` - Debian packages and the lab's two virtualenvs.
* ``configs`` - the services' configuration files.
* ``rest`` - a tiny Keystone-authenticated HTTP client.
* ``services`` - the shared OpenStack services and the ``Service`` base;
  ``infra`` - MariaDB, epmd, RabbitMQ.
* ``compute/`` - compute backends: ``fake`` (Nova's fake driver) or
  ``libvirt`` (the lab's libvirtd, Nova's libvirt driver, real guests).
* ``network/`` - network backends: ``nodataplane`` or ``bridge`` (the
  provisioning bridge, dnsmasq, HTTP boot; real mode).
* ``namespace`` - the real mode's network namespace.
* ``images/`` - the real mode's agent ramdisk and instance image.
* ``deploying`` - the real mode's deploying Ironic and its base objects.
* ``provision`` - identities, catalog, images and flavor.
* ``bringup`` - starting the services in order; ``lab`` - ``up``,
  ``down``; ``status`` - ``status``.
* ``demo`` - the Ironic-beside-Nova walk-through (needs openstacksdk);
  ``deploy_demo`` - the real mode's clean/deploy walk.
"""
