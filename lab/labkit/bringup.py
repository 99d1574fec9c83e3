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

"""Bringing the composed services up, in order, in parallel where they can.

``infrastructure`` starts MariaDB and RabbitMQ (and the network backend's
services beside them); ``openstack`` then starts Keystone, the APIs,
Nova's services, the compute backend and Ironic, provisioning what each
needs, and the console services. ``shutdown`` stops them all in reverse.
Each takes the ``Context``, and the ``compose.Composition`` (and
``mode.Mode``) whose groups it starts: which services run, and in what
order, is the composition's; the phases and what runs in parallel are
this module's.
"""

import functools

from labkit import install
from labkit import namespace
from labkit import nova
from labkit import procs
from labkit import provision
from labkit import settings as s


def infrastructure(ctx, stack):
    """MariaDB, RabbitMQ and the network backend's services."""
    db = stack.mariadb
    epmd = stack.epmd
    rabbit = stack.rabbitmq

    def database():
        db.ensure_started()
        db.wait_ready()

    def broker():
        if not rabbit.is_current():
            epmd.ensure_started()
            epmd.wait_ready()
        rabbit.ensure_started()
        rabbit.wait_ready()

    procs.parallel(database, broker, functools.partial(network, ctx, stack))
    ctx.say('MariaDB and RabbitMQ ready')


def network(ctx, stack):
    """Start the network backend's services (none in the fast mode)."""
    for svc in stack.network:
        svc.ensure_started()
    for svc in stack.network:
        svc.wait_ready()
    if stack.network:
        ctx.say('%s ready' % ', '.join(svc.name for svc in stack.network))


def _fresh_nova(ctx, mode, stack):
    """Nova's fresh-start rule; True when the group restarts afresh."""
    group = stack.nova_group
    reset = not all(svc.is_current() for svc in group)
    if reset:
        stopped = [svc.name for svc in group if svc.stop()]
        if stopped:
            ctx.say('stopped %s: Nova restarts fresh' % ', '.join(stopped))
        mode.compute.before_fresh_start(ctx)
        nova.forget_computes(ctx.p)
    nova.make_state_dirs(ctx.p)
    stack.mariadb.ensure_databases(
        ctx.secrets['db'], reset=nova.NOVA_DATABASES if reset else ())
    return reset


def openstack(ctx, mode, stack):
    """Keystone, the APIs, Nova's services, compute, Ironic, consoles."""
    _fresh_nova(ctx, mode, stack)
    keystone = stack.keystone
    apis = stack.apis
    daemons = stack.nova_daemons
    computes = stack.computes

    # Schema syncs run side by side; Keystone starts as soon as its own
    # is done, and the lab's identities are created meanwhile.
    to_start = [svc for svc in apis + daemons + computes
                if not svc.is_current()]

    def identity():
        keystone.ensure_started()
        keystone.wait_ready()
        provision.identities(ctx.secrets, ctx.admin())
        ctx.say('Keystone ready; identities and catalog in place')

    procs.parallel(identity, *[svc.bootstrap for svc in to_start
                               if svc.has_bootstrap()])
    ctx.say('schemas in place')
    for svc in apis + daemons:
        if svc in to_start:
            svc.ensure_started(bootstrap=False)
        else:
            ctx.say('%s already running (pid %d)' % (
                svc.name, svc.record()['pid']))

    procs.parallel(*[svc.wait_ready for svc in apis])
    ctx.say('Glance, Placement, Neutron, Nova API answer')
    procs.parallel(*[svc.wait_ready for svc in daemons])
    ctx.say('nova-conductor and nova-scheduler up')
    procs.parallel(functools.partial(_compute, ctx, stack, to_start),
                   functools.partial(_ironic, ctx, mode, stack))
    consoles(ctx, stack)


def _compute(ctx, stack, to_start):
    """The compute backend: helpers, then its nova-computes, mapped."""
    computes = stack.computes
    for svc in stack.compute_helpers:
        svc.ensure_started()
        svc.wait_ready()
    for compute in computes:
        if compute in to_start:
            compute.ensure_started(bootstrap=False)
    for compute in computes:
        procs.wait_for('%s heartbeat and resource provider' % compute.name,
                       compute.ready, compute.ready_timeout,
                       service=compute.name, pidfile=compute.pidfile,
                       log=compute.log)
    first = computes[0]
    procs.wait_for('host mapping (nova-manage cell_v2 discover_hosts)',
                   functools.partial(nova.discover_hosts, ctx.p, [
                       svc.host for svc in computes]),
                   120, service=first.name, pidfile=first.pidfile,
                   log=first.log)
    ctx.say('%s ready (heartbeat, resource provider, host mapping)'
            % ', '.join(svc.name for svc in computes))


def _ironic(ctx, mode, stack):
    """Base objects (and the real mode's), configs, then Ironic."""
    rescue, disk = provision.images(ctx.secrets, install.ipxe_iso(),
                                    ctx.admin())
    uefi = (None, None)
    if install.driver_present():
        uefi = provision.uefi_images(ctx.p, ctx.secrets, install.ipxe_iso(),
                                     ctx.p.log_of('provision'), ctx.admin())
    flavor = provision.flavor(ctx.secrets, ctx.admin())
    mode.network.provision(ctx.admin())
    deploy = None
    if mode.real:
        deploy = mode.provision_deploying(ctx.admin())
        ctx.say('provisioning network %s and flavor %s in place' % (
            s.PROVISIONING_NETWORK, s.DEPLOY_FLAVOR_NAME))
    provision.save(ctx.p, rescue, disk, flavor, deploy, uefi=uefi)
    ctx.say('images and flavor in place (rescue image %s, UEFI %s)' % (
        rescue, uefi[0]))
    stack.write_configs(rescue_image=rescue, uefi_rescue_image=uefi[0])
    ironic = stack.ironic
    ironic.ensure_started()
    ironic.wait_ready()
    ctx.say('Ironic answers through Keystone at %s' % ironic.url())


def consoles(ctx, stack):
    """Start (or keep) the console services and wait until they answer."""
    for svc in stack.consoles:
        svc.ensure_started()
    for svc in stack.consoles:
        svc.wait_ready()
    ctx.say('console proxies ready (serial %d, noVNC %d)' % (
        s.PORTS['nova-serialproxy'], s.PORTS['nova-novncproxy']))


def shutdown(ctx, stack):
    """Stop every service, the real mode's namespace with them.

    The applications first (in parallel), then RabbitMQ and MariaDB, then
    epmd; then, in the real mode, the namespace (its bridge and taps).
    """
    infra = (stack.mariadb, stack.rabbitmq, stack.epmd)
    apps = [svc for svc in reversed(stack.services) if svc not in infra]

    def stop(svc):
        def call():
            if svc.stop():
                ctx.say('stopped %s' % svc.name)
        return call

    procs.parallel(*[stop(svc) for svc in apps])
    procs.parallel(stop(stack.rabbitmq), stop(stack.mariadb))
    stop(stack.epmd)()
    # The namespace is the real mode's: a fast lab's down leaves it (and a
    # real lab of another state dir running in it) alone.
    if stack.mode.real and namespace.delete():
        ctx.say('removed network namespace %s (its bridge and taps)'
                % s.NETNS)
