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

"""The lab composed: which services a mode runs, in what order, and files.

The one place that puts the shared services and the mode's backends
together. In start order::

    infrastructure   MariaDB, epmd, RabbitMQ
    network          the network backend's (dnsmasq, HTTP boot; or none)
    keystone, apis   Keystone; Glance, Placement, Neutron, Nova's API
    nova_daemons     nova-conductor, nova-scheduler
    compute          the compute backend's: helpers (libvirtd) and its
                     nova-computes (``computes``)
    ironic           Ironic's all-in-one process
    consoles         the compute backend's guest console (fast mode),
                     Nova's serial and noVNC proxies
    optional         the second conductor (never started by ``up``)

``services`` lists them all in that order (``status`` shows them so;
``down`` stops them in reverse); ``bringup`` starts them phase by phase.
``write_configs`` writes every file: the shared services' (``configs``)
with the backends' parts, then the backends' own.
"""

from labkit import apis
from labkit import conductors
from labkit import configs
from labkit import console_proxies
from labkit import infra
from labkit import install
from labkit import nova
from labkit import provision


class Composition:
    """The services of one mode, grouped by start phase.

    :param ctx: the lab's ``context.Context``.
    :param mode: the lab's ``mode.Mode`` (its backends contribute).
    """

    def __init__(self, ctx, mode):
        self.ctx = ctx
        self.mode = mode
        self.mariadb = infra.MariaDB(ctx)
        self.epmd = infra.Epmd(ctx)
        self.rabbitmq = infra.RabbitMQ(ctx)
        self.infrastructure = [self.mariadb, self.epmd, self.rabbitmq]
        self.network = mode.network.services(ctx)
        self.keystone = apis.Keystone(ctx)
        self.apis = [apis.Glance(ctx), apis.Placement(ctx),
                     apis.Neutron(ctx), nova.NovaAPI(ctx)]
        self.nova_daemons = [nova.NovaConductor(ctx), nova.NovaScheduler(ctx)]
        self.compute = mode.compute.services(ctx)
        self.computes = [svc for svc in self.compute
                         if isinstance(svc, nova.NovaCompute)]
        self.compute_helpers = [svc for svc in self.compute
                                if svc not in self.computes]
        self.ironic = conductors.Ironic(ctx)
        self.consoles = mode.compute.console_services(ctx) + [
            console_proxies.NovaSerialProxy(ctx),
            console_proxies.NovaNoVNCProxy(ctx)]
        self.second_conductor = conductors.SecondConductor(ctx)
        self.services = (self.infrastructure + self.network
                         + [self.keystone] + self.apis + self.nova_daemons
                         + self.compute + [self.ironic] + self.consoles
                         + [self.second_conductor])
        self._by_name = {svc.name: svc for svc in self.services}

    def get(self, name):
        """The service called ``name`` (a KeyError if this mode has none)."""
        return self._by_name[name]

    @property
    def nova_group(self):
        """The services of Nova's fresh-start rule (lab/README.rst)."""
        return [svc for svc in self.services if svc.nova_group]

    def write_configs(self, rescue_image=None, uefi_rescue_image=None):
        """Write every configuration file of this mode.

        :param rescue_image: the rescue image's UUID for ironic.conf;
            None: the one provisioned last.
        :param uefi_rescue_image: the same for UEFI servers.
        """
        p = self.ctx.p
        sec = self.ctx.secrets
        if rescue_image is None:
            rescue_image = provision.load(p).get('rescue_image', '')
        if uefi_rescue_image is None:
            uefi_rescue_image = provision.load(p).get('rescue_image_uefi')
        configs.write_all(p, sec, rescue_image=rescue_image,
                          uefi_rescue_image=uefi_rescue_image or '',
                          driver=install.driver_present(),
                          nova_conf=self.mode.compute.nova_conf(p, sec),
                          ml2_conf=self.mode.network.ml2_conf(),
                          ironic_conf=self.mode.ironic_conf())
        self.mode.network.write_configs(p)
        self.mode.compute.write_configs(p)
        self.rabbitmq.write_config(sec['rabbit'])
