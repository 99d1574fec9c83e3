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

"""Bringing the lab's services up, in order, in parallel where they can.

``infrastructure`` starts MariaDB and RabbitMQ (and the network backend's
services beside them); ``openstack`` then starts Keystone, the APIs, Nova's
services, the compute backend and Ironic, provisioning what each needs.
Both take the ``Lab`` whose mode decides the backends.
"""

import functools
import os
import shutil

from labkit import console_proxies
from labkit import install
from labkit import namespace
from labkit import procs
from labkit import provision
from labkit import services
from labkit import settings as s


def infrastructure(lab):
    """MariaDB, RabbitMQ and the network backend's services."""
    db = lab.by_name['mariadb']
    epmd = lab.by_name['epmd']
    rabbit = lab.by_name['rabbitmq']

    def database():
        lab.ensure_started(db)
        db.wait_ready()

    def broker():
        if not lab.is_current(rabbit):
            lab.ensure_started(epmd)
            epmd.wait_ready()
        lab.ensure_started(rabbit)
        rabbit.wait_ready()

    lab.parallel(database, broker, functools.partial(network, lab))
    lab.say('MariaDB and RabbitMQ ready')


def _role(lab, role):
    return [svc for svc in lab.services if svc.role == role]


def network(lab):
    """Start the network backend's services (none in the fast mode)."""
    for svc in _role(lab, 'network'):
        lab.ensure_started(svc)
    for svc in _role(lab, 'network'):
        svc.wait_ready()
    if _role(lab, 'network'):
        lab.say('%s ready' % ', '.join(
            svc.name for svc in _role(lab, 'network')))


def openstack(lab):
    """Keystone, the APIs, Nova's services, compute, Ironic."""
    nova_group = [svc for svc in lab.services if svc.nova_group]
    reset = not all(lab.is_current(svc) for svc in nova_group)
    if reset:
        stopped = [svc.name for svc in nova_group if svc.stop()]
        if stopped:
            lab.say('stopped %s: Nova restarts fresh' % ', '.join(
                stopped))
        if lab.real and lab.by_name['libvirtd'].record():
            from labkit.compute import libvirt
            removed = libvirt.remove_domains(lab.p)
            if removed:
                lab.say('removed %d libvirt guests of the old Nova'
                        % len(removed))
        # Each extra fake host keeps its node UUID in its own state_path.
        for leftover in ['compute_id', 'instances'] + [
                os.path.join('hosts', host, 'compute_id') for host in
                _listdir(os.path.join(lab.p.data_of('nova'), 'hosts'))]:
            path = os.path.join(lab.p.data_of('nova'), leftover)
            if os.path.isdir(path):
                shutil.rmtree(path)
            elif os.path.exists(path):
                os.unlink(path)
    for sub in ('lock', 'instances'):
        os.makedirs(os.path.join(lab.p.data_of('nova'), sub),
                    exist_ok=True)
    lab.by_name['mariadb'].ensure_databases(
        lab.secrets['db'],
        reset=services.NOVA_DATABASES if reset else ())

    keystone = lab.by_name['keystone']
    apis = [lab.by_name[n] for n in ('glance', 'placement', 'neutron',
                                     'nova-api')]
    daemons = [lab.by_name[n] for n in ('nova-conductor',
                                        'nova-scheduler')]
    computes = [svc for svc in _role(lab, 'compute')
                if getattr(svc, 'binary', None) == 'nova-compute']
    helpers = [svc for svc in _role(lab, 'compute')
               if svc not in computes]
    ironic = lab.by_name['ironic']

    # Schema syncs run side by side; Keystone starts as soon as its own
    # is done, and the lab's identities are created meanwhile.
    to_start = [svc for svc in apis + daemons + computes
                if not lab.is_current(svc)]

    def identity():
        lab.ensure_started(keystone)
        keystone.wait_ready()
        provision.identities(lab.secrets, lab.admin())
        lab.say('Keystone ready; identities and catalog in place')

    def bootstrap(svc):
        return lambda: svc.bootstrap()

    lab.parallel(identity, *[bootstrap(svc) for svc in to_start
                             if type(svc).bootstrap is not
                             services.Service.bootstrap])
    lab.say('schemas in place')
    for svc in apis + daemons:
        if svc in to_start:
            lab.ensure_started(svc, bootstrap=False)
        else:
            lab.say('%s already running (pid %d)' % (
                svc.name, svc.record()['pid']))

    def wait(svc):
        return lambda: svc.wait_ready()

    lab.parallel(*[wait(svc) for svc in apis])
    lab.say('Glance, Placement, Neutron, Nova API answer')
    lab.parallel(*[wait(svc) for svc in daemons])
    lab.say('nova-conductor and nova-scheduler up')

    def compute_chain():
        for svc in helpers:
            lab.ensure_started(svc)
            svc.wait_ready()
        for compute in computes:
            if compute in to_start:
                lab.ensure_started(compute, bootstrap=False)
        for compute in computes:
            procs.wait_for('%s heartbeat and resource provider'
                           % compute.name, compute.ready,
                           compute.ready_timeout, service=compute.name,
                           pidfile=compute.pidfile, log=compute.log)
        first = computes[0]
        procs.wait_for('host mapping (nova-manage cell_v2 '
                       'discover_hosts)',
                       functools.partial(_discover_hosts, lab, [
                           getattr(svc, 'host', None) for svc in computes]),
                       120, service=first.name, pidfile=first.pidfile,
                       log=first.log)
        lab.say('%s ready (heartbeat, resource provider, host mapping)'
                % ', '.join(svc.name for svc in computes))

    def ironic_chain():
        rescue, disk = provision.images(lab.secrets, install.ipxe_iso(),
                                        lab.admin())
        flavor = provision.flavor(lab.secrets, lab.admin())
        deploy = _provision_deploying(lab) if lab.real else None
        provision.save(lab.p, rescue, disk, flavor, deploy)
        lab.say('images and flavor in place (rescue image %s)' % rescue)
        lab.write_configs(rescue_image=rescue)
        lab.ensure_started(ironic)
        ironic.wait_ready()
        lab.say('Ironic answers through Keystone at %s' % ironic.url())

    lab.parallel(compute_chain, ironic_chain)
    console_proxies.start(lab)


def _provision_deploying(lab):
    """Real mode: network, node flavor, images Ironic deploys."""
    from labkit import deploying
    deploying.provision(lab.admin())
    deploying.publish_images(lab.p, lab.images)
    lab.say('provisioning network %s and flavor %s in place' % (
        s.PROVISIONING_NETWORK, s.DEPLOY_FLAVOR_NAME))
    return deploying.status_fields(lab.images, namespace.prefix())


def _listdir(path):
    return sorted(os.listdir(path)) if os.path.isdir(path) else []


def _discover_hosts(lab, hosts=None):
    hosts = [host for host in hosts or () if host] or None
    if lab.host_mapped(hosts):
        return True
    procs.run([lab.p.venv_bin(lab.p.cloud_venv, 'nova-manage'),
               '--config-file', os.path.join(lab.p.etc_of('nova'),
                                             'nova.conf'),
               'cell_v2', 'discover_hosts', '--verbose'],
              'nova-manage cell_v2 discover_hosts',
              lab.p.log_of('nova-compute'))
    return lab.host_mapped(hosts)
