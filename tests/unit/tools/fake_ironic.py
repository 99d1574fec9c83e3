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

"""Ironic's side of the tools' fake cloud (tests/unit/tools/fakes.py).

The node and port methods FakeCloud's autospecced baremetal proxy calls:
they keep the nodes (``self.nodes``) and ports (``self.bm_ports``) of the
FakeCloud they are mixed into.
"""

from openstack.baremetal.v1 import node as sdk_node
from openstack.baremetal.v1 import port as sdk_bm_port
from openstack import exceptions as sdk_exc


class FakeIronic:
    """The baremetal proxy's side effects; mixed into FakeCloud."""

    def _node(self, data):
        return sdk_node.Node.existing(**data)

    def _find_node(self, name_or_id, ignore_missing=True, **kw):
        for data in self.nodes.values():
            if name_or_id in (data['id'], data['name']):
                return self._node(data)
        return None

    def _create_node(self, **attrs):
        node_id = self.new_id('node')
        self.nodes[node_id] = dict(attrs, id=node_id,
                                   provision_state='enroll')
        return self._node(self.nodes[node_id])

    def _patch_node(self, node, patch, reset_interfaces=None,
                    retry_on_conflict=True):
        data = self.nodes[getattr(node, 'id', node)]
        for op in patch:
            assert op['op'] in ('add', 'replace'), op
            data[op['path'].lstrip('/')] = op['value']
        return self._node(data)

    def _delete_node(self, node, ignore_missing=True):
        """DELETE /v1/nodes/{id}: with its ports, in Ironic's states.

        Ironic's conductor deletes a node in enroll, manageable, adopt
        failed, or available ([conductor]allow_deleting_available_nodes,
        True by default), or in maintenance; else InvalidState (409).
        """
        node_id = getattr(node, 'id', node)
        data = self.nodes.get(node_id)
        if data is None:
            if not ignore_missing:
                raise sdk_exc.NotFoundException(message='no node %s'
                                                % node_id, http_status=404)
            return None
        if data['provision_state'] not in (
                'enroll', 'manageable', 'adopt failed',
                'available') and not data.get('maintenance'):
            raise sdk_exc.ConflictException(
                message='Can not delete node "%s" while it is in provision '
                        'state "%s".' % (node_id, data['provision_state']),
                http_status=409)
        del self.nodes[node_id]
        for port_id in [p for p, port in self.bm_ports.items()
                        if port.get('node_id') == node_id]:
            del self.bm_ports[port_id]
        return None

    def _bm_ports(self, details=False, **query):
        return iter([sdk_bm_port.Port.existing(id=pid, **p)
                     for pid, p in self.bm_ports.items()
                     if all(p.get(k) == v for k, v in query.items())])

    def _create_bm_port(self, **attrs):
        port_id = self.new_id('bmport')
        self.bm_ports[port_id] = dict(attrs)
        return sdk_bm_port.Port.existing(id=port_id, **attrs)

    def _set_power_state(self, node, target, wait=False, timeout=None):
        data = self.nodes[getattr(node, 'id', node)]
        assert target in ('power on', 'power off', 'rebooting'), target
        data['power_state'] = 'power on' if target == 'rebooting' \
            else target

    def _nodes(self, details=False, **query):
        """GET /v1/nodes: a node verifying moves on at each listing."""
        self.node_listings += 1
        for data in self.nodes.values():
            if data['provision_state'] == 'verifying':
                data['verify_left'] -= 1
                if data['verify_left'] <= 0:
                    # A failed power check puts it back in enroll with
                    # its last_error.
                    if data.get('fail_verify'):
                        data['provision_state'] = 'enroll'
                        data['last_error'] = 'power credentials are wrong'
                    else:
                        data['provision_state'] = 'manageable'
        return iter([self._node(data) for data in list(self.nodes.values())])

    def _set_boot_device(self, node, boot_device, persistent=False):
        """PUT /nodes/{id}/management/boot_device.

        Ironic's conductor refuses it while the node is in a transitional
        state.
        """
        data = self.nodes[getattr(node, 'id', node)]
        if data['provision_state'] not in ('enroll', 'manageable',
                                           'available', 'active',
                                           'adopt failed'):
            raise sdk_exc.ConflictException(message='node is locked',
                                            http_status=409)
        data['boot_device'] = {'boot_device': boot_device,
                               'persistent': persistent}

    def _set_provision_state(self, node, target, wait=False, timeout=None,
                             **kw):
        data = self.nodes[getattr(node, 'id', node)]
        if target == 'manage' and self.busy_answers:
            self.busy_answers -= 1
            raise sdk_exc.HttpException(
                message='Requested action cannot be performed due to lack '
                        'of free conductor workers.', http_status=503)
        if target == 'manage' and not wait and data[
                'provision_state'] == 'enroll':
            # Ironic answers 202 once the node is verifying; a failed
            # power check puts it back in enroll with its last_error.
            if self.verify_listings:
                data['provision_state'] = 'verifying'
                data['verify_left'] = self.verify_listings
            elif data.get('fail_verify'):
                data['last_error'] = 'power credentials are wrong'
            else:
                data['provision_state'] = 'manageable'
            # Verifying reads the power state.
            data.setdefault('power_state', 'power off')
            if isinstance(node, sdk_node.Node):
                # openstacksdk's Node.set_provision_state(wait=False)
                # fetches the node into the object it was given.
                node.provision_state = data['provision_state']
            return self._node(data)
        moves = {('enroll', 'manage'): 'manageable',
                 ('manageable', 'provide'): 'available',
                 ('manageable', 'inspect'): 'manageable',
                 ('manageable', 'adopt'): 'active',
                 ('adopt failed', 'adopt'): 'active'}
        new = moves.get((data['provision_state'], target))
        if new is None:
            raise sdk_exc.ConflictException(message='bad transition',
                                            http_status=409)
        if data.get('fail_verify') and target == 'manage':
            data['last_error'] = 'power credentials are wrong'
            raise sdk_exc.ResourceFailure('node failed verifying')
        if data.get('fail_adopt') and target == 'adopt':
            data['provision_state'] = 'adopt failed'
            data['last_error'] = 'Error while attempting to adopt node'
            raise sdk_exc.ResourceFailure('node failed adopting')
        data['provision_state'] = new
        if target == 'inspect':
            # Inspection fills memory_mb among others (what Ironic's
            # inspect interface openstack does: tests/unit/test_inspect.py).
            data['properties'] = {'memory_mb': 1024}
        return self._node(data)
