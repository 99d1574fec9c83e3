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

"""The events of a node walk, read from the lab's log lines (pure).

Each ``parse_*`` takes one source's lines and returns ``Event``\\ s: a time
(naive local time, as the services log it), the source (whose clock and
resolution the time has: ``RESOLUTION``), a kind and its fields. Lines
that mean nothing for a walk are skipped; nothing here reads a file
(``walk_logs`` does) or decides a phase (``walk_phases`` does).

Sources and their clocks:

* ``ironic``, ``nova``: oslo.log lines, milliseconds (Ironic's log,
  nova-compute's log).
* ``libvirt``: libvirt's per-guest QEMU log (``starting up`` / ``shutting
  down`` with the guest's ``-uuid``), milliseconds, UTC.
* ``http``: the lab's HTTP boot server (Python's ``http.server``), whole
  seconds, logged when the response starts (a download's start).
* ``dnsmasq``: dnsmasq logging to its file, whole seconds, no year.
* ``console``: a guest's serial console as the lab's console recorder
  keeps it (``compute/console_recorder.py``): milliseconds of the host
  clock when the line was read, which is at most one polling interval
  (0.25 s) plus scheduling delay after the guest wrote it.
"""

import collections
import datetime
import re

Event = collections.namedtuple('Event', 'time source kind fields')

#: Seconds a time of each source may be off (its resolution or delay).
RESOLUTION = {'ironic': 0.001, 'nova': 0.001, 'libvirt': 0.001,
              'http': 1.0, 'dnsmasq': 1.0, 'console': 0.3}

UUID = r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
OSLO = re.compile(r'^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) \d+ \w+ \S+ '
                  r'\[[^\]]*\] (.*)$')

IRONIC = (
    ('state', re.compile(r'Node (?P<node>%s) moved to provision state '
                         r'"(?P<to>[^"]+)" from state "(?P<frm>[^"]+)"'
                         % UUID)),
    ('power_start', re.compile(
        r"Node (?P<node>%s) current power state is '(?P<frm>[^']+)', "
        r"requested state is '(?P<to>[^']+)'" % UUID)),
    ('power_done', re.compile(
        r'Successfully set node (?P<node>%s) power state to (?P<to>.+?) '
        r'by (?P<how>.+?)\.$' % UUID)),
    ('server', re.compile(r'Node (?P<node>%s): server (?P<server>%s) '
                          r'reached' % (UUID, UUID))),
    ('step_start', re.compile(r"Executing \{'step': '(?P<step>\w+)'.* on "
                              r"node (?P<node>%s)" % UUID)),
    ('step_done', re.compile(r"Node (?P<node>%s) finished \w+ step "
                             r"\{'step': '(?P<step>\w+)'" % UUID)),
    ('clean_skipped', re.compile(
        r'Automated cleaning is disabled via (?P<how>\w+), node '
        r'(?P<node>%s) has been successfully moved to AVAILABLE' % UUID)),
    ('agent_done', re.compile(r'Agent on node (?P<node>%s) returned '
                              r'(?P<what>\w+) command success' % UUID)),
    ('lookup', re.compile(r'(?P<ip>\S+) - GET /v1/lookup\?')),
    ('heartbeat', re.compile(r'(?P<ip>\S+) - POST /v1/heartbeat/'
                             r'(?P<node>%s) ' % UUID)),
)

NOVA = re.compile(r'\[instance: (?P<server>%s)\] (?P<what>Rescuing|'
                  r'Unrescuing|Instance shutdown successfully|Instance '
                  r'failed to shutdown|VM Started|VM Stopped)' % UUID)

LIBVIRT_TIME = re.compile(r'^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})'
                          r'\+0000: (.*)$')
LIBVIRT_UUID = re.compile(r'^-uuid (%s)' % UUID)
HTTP = re.compile(r'^(?P<ip>\S+) - - \[(?P<time>[^\]]+)\] "GET '
                  r'(?P<path>\S+) ')
DNSMASQ = re.compile(r'^(?P<time>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) '
                     r'dnsmasq-dhcp\[\d+\]: (?:\d+ )?(?P<what>DHCPACK)'
                     r'\(\S+\) (?P<ip>\S+) (?P<mac>[0-9a-f:]{17})')
CONSOLE = re.compile(r'^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) (.*)$')


def _oslo_time(text):
    return datetime.datetime.strptime(text, '%Y-%m-%d %H:%M:%S.%f')


def parse_ironic(lines):
    """Ironic's log: provision states, power actions, steps, agent calls.

    Also a cleaning Ironic skipped (automated cleaning disabled).
    """
    events = []
    for line in lines:
        m = OSLO.match(line)
        if not m:
            continue
        message = m.group(2)
        for kind, regex in IRONIC:
            found = regex.search(message)
            if found:
                events.append(Event(_oslo_time(m.group(1)), 'ironic', kind,
                                    found.groupdict()))
                break
    return events


def parse_nova_compute(lines):
    """nova-compute's log: rescue, unrescue, stops, lifecycle events."""
    events = []
    for line in lines:
        m = OSLO.match(line)
        found = m and NOVA.search(m.group(2))
        if found:
            events.append(Event(_oslo_time(m.group(1)), 'nova', 'nova',
                                found.groupdict()))
    return events


def _utc_to_local(moment):
    return moment.replace(tzinfo=datetime.timezone.utc).astimezone(
    ).replace(tzinfo=None)


def parse_libvirt(lines):
    """A libvirt QEMU log: each QEMU start and stop, with the server UUID.

    The UUID is on the command line that follows ``starting up``.
    """
    events = []
    server = None
    pending = None
    for line in lines:
        m = LIBVIRT_TIME.match(line)
        if m:
            moment = _utc_to_local(_oslo_time(m.group(1)))
            if m.group(2).startswith('starting up'):
                pending, server = moment, None
            elif m.group(2).startswith('shutting down') and server:
                reason = m.group(2).partition('reason=')[2].strip()
                events.append(Event(moment, 'libvirt', 'qemu_stop',
                                    {'server': server, 'reason': reason}))
            continue
        found = LIBVIRT_UUID.match(line)
        if found and pending is not None:
            server = found.group(1)
            events.append(Event(pending, 'libvirt', 'qemu_start',
                                {'server': server}))
            pending = None
    return events


def parse_http(lines):
    """The HTTP boot server's requests: path and client address."""
    events = []
    for line in lines:
        m = HTTP.match(line)
        if m:
            moment = datetime.datetime.strptime(m.group('time'),
                                                '%d/%b/%Y %H:%M:%S')
            events.append(Event(moment, 'http', 'http',
                                {'ip': m.group('ip'),
                                 'path': m.group('path')}))
    return events


def parse_dnsmasq(lines, year):
    """dnsmasq's DHCP acknowledgements (lines with a time only).

    :param year: the year of the log (dnsmasq's time has none).
    """
    events = []
    for line in lines:
        m = DNSMASQ.match(line)
        if m:
            moment = datetime.datetime.strptime(
                '%d %s' % (year, ' '.join(m.group('time').split())),
                '%Y %b %d %H:%M:%S')
            events.append(Event(moment, 'dnsmasq', 'dhcp',
                                {'ip': m.group('ip'), 'mac': m.group('mac')}))
    return events


def parse_console(lines, server):
    """A guest's console as the console recorder keeps it."""
    events = []
    for line in lines:
        m = CONSOLE.match(line.rstrip('\n'))
        if m:
            events.append(Event(_oslo_time(m.group(1)), 'console', 'console',
                                {'server': server, 'text': m.group(2)}))
    return events
