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

"""Neutron's side of the tools' fake cloud (tests/unit/tools/fakes.py).

The network and port methods FakeCloud's autospecced network proxy calls:
they keep the networks (``self.networks``), subnets (``self.subnets``) and
ports (``self.ports``) of the FakeCloud they are mixed into.

Neutron's default policy (neutron/conf/policies/port.py, network.py) for
the caller, a member of ``self.project_id`` (an admin with
``self.is_admin``): a network of another project is visible only when
shared; on it, a port may not be created with ``mac_address``,
``port_security_enabled``, ``allowed_address_pairs`` or a fixed IP
address (rules ``create_port:<attribute>``: admin, or a member of the
network's project), which Neutron answers with 403 PolicyNotAuthorized
naming the rules it checked; ``create_network:shared`` is admin only.
"""

from openstack import exceptions as sdk_exc
from openstack.network.v2 import extension as sdk_extension
from openstack.network.v2 import network as sdk_network
from openstack.network.v2 import port as sdk_port
from openstack.network.v2 import subnet as sdk_subnet


class FakeNeutron:
    """The network proxy's side effects; mixed into FakeCloud."""

    #: The project of the caller's token (FakeCloud sets it).
    project_id = 'project-1'
    #: The caller has the admin role: Neutron's policy lets it do all.
    is_admin = False

    def add_network(self, name, port_security=False, project_id=None,
                    shared=False):
        """A network; of the caller's project unless ``project_id``."""
        net = sdk_network.Network.existing(
            id=self.new_id('net'), name=name,
            port_security_enabled=port_security,
            project_id=project_id or self.project_id, is_shared=shared)
        self.networks[net.id] = net
        return net

    def _visible(self, net):
        return (self.is_admin or net.project_id == self.project_id
                or net.is_shared)

    def _find_network(self, name_or_id, ignore_missing=True, **query):
        for net in self.networks.values():
            if name_or_id in (net.id, net.name) and self._visible(net):
                return net
        return None

    def _create_network(self, **attrs):
        shared = attrs.get('is_shared', attrs.get('shared', False))
        if shared and not self.is_admin:
            self._refuse('create_network', ['shared'])
        net = self.add_network(attrs['name'],
                               attrs.get('port_security_enabled', True),
                               shared=shared)
        return net

    @staticmethod
    def _refuse(action, attributes):
        """Neutron's 403 for a policy refusal, as openstacksdk raises it.

        The message is oslo.policy's PolicyNotAuthorized of the rule
        Neutron built (neutron/policy.py _build_match_rule): the action's
        rule and one per attribute set, in nested ANDs.
        """
        rule = 'rule:%s' % action
        for attribute in attributes:
            rule = '(%s and rule:%s:%s)' % (rule, action, attribute)
        details = '%s is disallowed by policy' % rule
        raise sdk_exc.ForbiddenException(
            message='ForbiddenException: 403: Client Error for url: '
                    'http://neutron.example:9696/v2.0/%ss, %s' % (
                        action.split('_', 1)[1], details),
            details=details, http_status=403)

    def _check_port_policy(self, attrs):
        """Neutron's create_port:<attribute> rules for the caller."""
        net = self.networks[attrs['network_id']]
        if not self._visible(net):
            raise sdk_exc.NotFoundException(
                message='Network %s could not be found.' % net.id,
                http_status=404)
        if self.is_admin or net.project_id == self.project_id:
            return
        checked = [a for a in ('fixed_ips', 'mac_address',
                               'port_security_enabled',
                               'allowed_address_pairs') if a in attrs]
        owner_only = {'mac_address', 'port_security_enabled',
                      'allowed_address_pairs'}
        if owner_only & set(attrs) or any(
                ip.get('ip_address') for ip in attrs.get('fixed_ips') or ()):
            self._refuse('create_port', checked)

    def _subnets(self, **query):
        return iter([sdk_subnet.Subnet.existing(**s) for s in self.subnets
                     if s['network_id'] == query.get('network_id')])

    def _get_subnet(self, subnet):
        subnet_id = getattr(subnet, 'id', subnet)
        for data in self.subnets:
            if data['id'] == subnet_id:
                return sdk_subnet.Subnet.existing(**data)
        raise sdk_exc.NotFoundException(message='no subnet %s' % subnet_id)

    def _find_extension(self, name_or_id, ignore_missing=True, **query):
        if self.ip_allocation and name_or_id == 'ip_allocation':
            return sdk_extension.Extension.existing(alias='ip_allocation',
                                                    name='IP Allocation')
        return None

    def _port(self, port_id):
        return sdk_port.Port.existing(id=port_id, **self.ports[port_id])

    def _ports(self, **query):
        return iter([self._port(pid) for pid, p in self.ports.items()
                     if all(p.get(k) == v for k, v in query.items())])

    def _create_port(self, **attrs):
        """POST /ports: port security as its network has it by default.

        A fixed IP comes from a subnet of the port's network unless
        ``fixed_ips`` is []; allowed address pairs need port security
        (Neutron's AddressPairAndPortSecurityRequired, 409).
        """
        self._check_port_policy(attrs)
        if 'mac_address' in attrs and self.refuse_mac_choice:
            # A cloud whose policy refuses even the network's owner.
            self._refuse('create_port', ['mac_address'])
        secured = attrs.get(
            'port_security_enabled',
            self.networks[attrs['network_id']].is_port_security_enabled)
        self._check_pairs(secured, attrs.get('allowed_address_pairs'))
        port_id = self.new_id('port')
        no_ip = attrs.get('fixed_ips') == []
        subnets = [s for s in self.subnets
                   if s['network_id'] == attrs['network_id']]
        mac = attrs.get('mac_address')
        if mac is None:
            mac = 'fa:16:3e:00:00:%02x' % self.macs_made
            self.macs_made += 1
        wanted = [ip.get('ip_address') for ip in attrs.get('fixed_ips')
                  or []]
        if wanted and not subnets:
            raise sdk_exc.BadRequestException(
                message='Invalid input for operation: IP allocation '
                        'requires subnet_id or ip_address', http_status=400)
        fixed_ips = [] if no_ip or not subnets else [
            {'ip_address': wanted[0] if wanted
             else '10.0.0.%d' % (len(self.ports) + 10),
             'subnet_id': subnets[0]['id']}]
        self.ports[port_id] = {
            'name': attrs['name'], 'network_id': attrs['network_id'],
            'mac_address': mac,
            'device_id': '', 'port_security_enabled': secured,
            'allowed_address_pairs': list(
                attrs.get('allowed_address_pairs') or []),
            'fixed_ips': fixed_ips,
            'ip_allocation': ('none' if no_ip and self.ip_allocation
                              else 'immediate'),
            'security_group_ids': list(attrs.get('security_group_ids')
                                       or [])}
        return self._port(port_id)

    @staticmethod
    def _check_pairs(secured, pairs):
        if pairs and not secured:
            raise sdk_exc.ConflictException(
                message='Port Security must be enabled in order to have '
                        'allowed address pairs on a port.',
                http_status=409)

    def _update_port(self, port, if_revision=None, **attrs):
        """PUT /ports/{id}: name and allowed address pairs here."""
        assert set(attrs) <= {'name', 'allowed_address_pairs'}, attrs
        data = self.ports[getattr(port, 'id', port)]
        net = self.networks[data['network_id']]
        if ('allowed_address_pairs' in attrs and not self.is_admin
                and net.project_id != self.project_id):
            self._refuse('update_port', ['allowed_address_pairs'])
        self._check_pairs(data['port_security_enabled'],
                          attrs.get('allowed_address_pairs'))
        data.update(attrs)
        return self._port(getattr(port, 'id', port))

    def addresses(self, networks):
        """Nova's addresses of a server on ``networks`` (its request).

        {network name: [addresses]} in the order of the NICs, a network
        whose port has no IP included; a network Nova makes the port on
        (by UUID) gets no address here.
        """
        addresses = {}
        for net in networks if networks != 'none' else ():
            port = self.ports.get(net.get('port'))
            network_id = port['network_id'] if port else net['uuid']
            addresses.setdefault(self.networks[network_id].name, []).extend(
                {'version': 4, 'addr': ip['ip_address'],
                 'OS-EXT-IPS:type': 'fixed',
                 'OS-EXT-IPS-MAC:mac_addr': port['mac_address']}
                for ip in (port or {}).get('fixed_ips', []))
        return addresses

    def _get_network(self, network):
        """GET /networks/{id}: 404 for a network the project cannot see."""
        network_id = getattr(network, 'id', network)
        if network_id not in self.networks:
            raise sdk_exc.NotFoundException(
                message='Network %s could not be found.' % network_id,
                http_status=404)
        return self.networks[network_id]

    def _delete_port(self, port, ignore_missing=True, if_revision=None):
        self.ports.pop(getattr(port, 'id', port), None)
