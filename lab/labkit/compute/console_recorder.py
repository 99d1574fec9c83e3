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

"""Keep a timestamped copy of every real guest's serial console log.

    python3 console_recorder.py INSTANCES_DIR OUT_DIR [--interval SECONDS]

Nova's libvirt driver gives each guest a serial console logged to
``<instances>/<server>/console.log``; libvirt truncates that file at every
QEMU start (each power on, rescue, unrescue) and Nova deletes it with the
server, and its lines carry no time of their own. This process follows
every such file and appends each new line to ``OUT_DIR/<server>.log`` as
``<local time with ms> <line>``, stamped when it first read the line's
first bytes: a console line's time is known to the polling interval
(default 0.25 s) plus the host's scheduling delay. A truncated or new
file starts a new QEMU run, marked by a line ``<time> ==== console
restarted``. Files that exist when it starts are followed from their end
(their earlier lines' times are unknown). Standard library only: the lab
starts it as a service of the real mode (``libvirt.ConsoleRecorder``);
nothing here touches the guests.
"""

import argparse
import os
import re
import sys
import time

RESTART = '==== console restarted'
ANSI = re.compile(r'\x1b\[[0-9;?]*[A-Za-z]|\x1b[c()][0-9A-B]?')
# The agent's debug log shows its token (in its API's query strings and
# in the node it looked up); the copy outlives the agent: masked.
TOKEN = re.compile(r'(agent_token[\'"]?\s*[=:]\s*[\'"]?)[A-Za-z0-9_-]{8,}')
HEAD_BYTES = 64


def stamp(now):
    """Local time with milliseconds, as the OpenStack services log it."""
    return '%s.%03d' % (time.strftime('%Y-%m-%d %H:%M:%S',
                                      time.localtime(now)),
                        int(now * 1000) % 1000)


def clean(text):
    """A console line without colours, carriage returns, NULs or token."""
    text = ANSI.sub('', text).replace('\r', '').replace('\x00', '')
    return TOKEN.sub(r'\1***', text)


class Follower:
    """One console.log: what was read of it, and its partial last line.

    :param path: the console log.
    :param out: the copy to append to.
    :param from_end: start at the file's current end (it existed before
        the recorder started).
    """

    def __init__(self, path, out, from_end):
        self.path = path
        self.out = out
        self.offset = 0
        self.head = b''
        self.partial = b''
        self.partial_at = None
        if from_end:
            try:
                self.offset = os.path.getsize(path)
                self.head = self._read_head()
            except OSError:
                pass

    def _read_head(self):
        with open(self.path, 'rb') as f:
            return f.read(HEAD_BYTES)

    def poll(self, now):
        """Copy what was appended since the last poll; the lines written."""
        try:
            size = os.path.getsize(self.path)
            head = self._read_head() if size else b''
        except OSError:
            return []
        lines = []
        restarted = size < self.offset or (
            self.head and head[:len(self.head)] != self.head)
        if restarted:
            lines += self._flush()
            lines.append(RESTART)
            self.offset = 0
        if size > self.offset:
            with open(self.path, 'rb') as f:
                f.seek(self.offset)
                data = f.read(size - self.offset)
            self.offset += len(data)
            if self.partial_at is None:
                self.partial_at = now
            chunks = (self.partial + data).split(b'\n')
            self.partial = chunks.pop()
            for chunk in chunks:
                lines.append((self.partial_at,
                              clean(chunk.decode('utf-8', 'replace'))))
                self.partial_at = now
            if not self.partial:
                self.partial_at = None
        self.head = head[:HEAD_BYTES]
        return self._write(lines, now)

    def _flush(self):
        if not self.partial:
            return []
        line = (self.partial_at, clean(self.partial.decode('utf-8',
                                                           'replace')))
        self.partial, self.partial_at = b'', None
        return [line]

    def close(self, now):
        """The file is gone (server deleted): write its partial line."""
        return self._write(self._flush(), now)

    def _write(self, lines, now):
        if not lines:
            return []
        text = ''.join('%s %s\n' % (stamp(now), line) if line == RESTART
                       else '%s %s\n' % (stamp(line[0]), line[1])
                       for line in lines)
        with open(self.out, 'a') as f:
            f.write(text)
        return lines


def consoles(instances):
    """{server UUID: console.log path} of the guests there now."""
    found = {}
    try:
        names = os.listdir(instances)
    except OSError:
        return found
    for name in names:
        path = os.path.join(instances, name, 'console.log')
        if os.path.exists(path):
            found[name] = path
    return found


def run(instances, out_dir, interval, rounds=None, sleep=time.sleep):
    """Follow every console until killed (or for ``rounds`` polls).

    :param sleep: called with ``interval`` between two polls.
    """
    os.makedirs(out_dir, exist_ok=True)
    followers = {
        server: Follower(path, os.path.join(out_dir, server + '.log'),
                         from_end=True)
        for server, path in consoles(instances).items()}
    done = 0
    while rounds is None or done < rounds:
        now = time.time()
        current = consoles(instances)
        for server in list(followers):
            if server not in current:
                followers.pop(server).close(now)
        for server, path in current.items():
            if server not in followers:
                followers[server] = Follower(
                    path, os.path.join(out_dir, server + '.log'),
                    from_end=False)
            followers[server].poll(now)
        done += 1
        if rounds is None or done < rounds:
            sleep(interval)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('instances')
    parser.add_argument('out_dir')
    parser.add_argument('--interval', type=float, default=0.25)
    args = parser.parse_args(argv)
    run(args.instances, args.out_dir, args.interval)
    return 0


if __name__ == '__main__':
    sys.exit(main())
