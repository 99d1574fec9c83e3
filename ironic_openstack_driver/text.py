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

"""How values from users and from the cloud are echoed in messages.

A message (last_error, a log line) is one line whose cause stays readable:
a value echoed in it has its control characters escaped (a newline in a
server name must not forge a log line) and is cut short (a 5000-character
name must not push the cause out of sight). Nothing here imports Ironic.
"""

import re

# Characters of an echoed user value.
SHOWN_MAX = 120
# Characters of a cause (a library's or Nova's message).
CAUSE_MAX = 1000

_CONTROL = re.compile('[\x00-\x1f\x7f-\x9f\u2028\u2029]')


def _escape(text):
    return _CONTROL.sub(
        lambda m: m.group().encode('unicode_escape').decode('ascii'), text)


def _cut(text, limit):
    if len(text) <= limit:
        return text
    return '%s... (%d characters)' % (text[:limit], len(text))


def shown(value, limit=SHOWN_MAX):
    """A value as a message echoes it: escaped, at most ``limit`` long.

    :param value: a string (other values are shown as their repr).
    """
    text = value if isinstance(value, str) else repr(value)
    return _escape(_cut(text, limit))


def one_line(text, limit=CAUSE_MAX):
    """A cause on one line, escaped, at most ``limit`` long.

    Runs of white space become one space.
    """
    return _escape(_cut(' '.join(str(text).split()), limit))
