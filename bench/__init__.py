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

"""Power-sync scale benchmark: our driver beside two peers.

On the local lab (lab/README.rst), against the same Nova, for N nodes:

* ``openstack``: this repository's ``openstack`` hardware type;
* ``sushy-redfish``: sushy-tools' Redfish emulator with its Nova driver,
  driven by Ironic's ``redfish`` hardware type;
* ``ovb-ipmi``: OpenStack Virtual Baremetal's openstackbmc, one BMC process
  per node, driven by Ironic's ``ipmi`` hardware type through ipmitool.

Each system gets its own Ironic (the lab's Ironic venv, own sqlite DB,
port, config, debug log) and its own Keystone user in a project of the
benchmark's own, so that every Nova request in nova-api's request log
(``nova.api.openstack.requestlog``, which carries the user id) is
attributed exactly. See bench/README.rst for the method.

Run it with ``tox -e bench [-- --nodes N[,N...]] [--systems a,b]``. It
writes ``bench-results.json`` in the working directory and prints one table
per node count.

The modules, by what they do:

* ``systems/``: one module per system under test (``openstack``,
  ``sushy_redfish``, ``ovb_ipmi``, ``ironic_floor``): its extra processes,
  what its Ironic enables, what it needs installed, its node bodies;
* ``ironic``: the private Ironic of each system, and the enrolment of
  its nodes (with ironic-openstack-nodes' functions, tools/enroll.py);
* ``lab``: the lab's status, the benchmark's Keystone project and users,
  the N servers (tools/servers.py's batch mode);
* measurements: ``request_counting`` (Nova's request log, the Keystone
  relay), ``sweep_timing`` (Ironic's power sync, the listing of each sweep,
  idle sweeps), ``changed_servers`` (k servers changed behind Ironic's
  back, the next sweep), ``action_overhead`` (power on/off as Ironic and
  as Nova see them), ``memory``;
* ``system_run``: one system's phase of a run; ``node_counts``: which
  systems run at which N; ``comparisons``: ratios to ironic-floor, the
  driver's added memory; ``report``: the tables and targets; ``cli``: the
  options and the run; ``install``: Debian packages; ``common``: constants
  and helpers.
"""
