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

"""A node's address from dnsmasq's lease file (pure; no tempest import).

dnsmasq writes one lease a line: ``<expiry epoch> <mac> <ip> <hostname>
<client id>``. The lab's nodes sit on a Neutron network without a subnet
(dnsmasq on the lab's bridge, not Neutron, answers their DHCP), so the
address a scenario test pings is the newest lease of one of the node's MACs
granted since the node entered its current provision state.
"""


def parse(text):
    """Leases as dicts with ``expiry`` (int), ``mac`` (lower case), ``ip``.

    :param text: the lease file's content.
    :returns: a list of dicts, in file order; malformed lines are skipped.
    """
    found = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 3 or not fields[0].isdigit():
            continue
        found.append({'expiry': int(fields[0]), 'mac': fields[1].lower(),
                      'ip': fields[2]})
    return found


def newest_address(text, macs, granted_since, lease_seconds):
    """The address of the newest lease of one of ``macs`` granted lately.

    :param text: the lease file's content.
    :param macs: the node's port MAC addresses.
    :param granted_since: epoch seconds; older grants do not count.
    :param lease_seconds: the lease time dnsmasq grants (expiry - grant).
    :returns: an IPv4 or IPv6 address string, or None.
    """
    wanted = {mac.lower() for mac in macs}
    best = None
    for lease in parse(text):
        if lease['mac'] not in wanted:
            continue
        if lease['expiry'] - lease_seconds < granted_since:
            continue
        if best is None or lease['expiry'] > best['expiry']:
            best = lease
    return best['ip'] if best else None
