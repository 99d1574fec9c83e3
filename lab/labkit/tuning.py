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

"""Settings a test may change for a while, kept in ``<state>/tuning.json``.

``token_lifetime``: Keystone's ``[token] expiration`` in seconds
(Keystone's default, one hour, when unset). It is part of the state dir, so
an ``up`` meanwhile renders the same keystone.conf; ``labctl token-lifetime
default`` removes it again.

``fast_track``: Ironic's ``[deploy]fast_track`` in the real mode, set by
each ``up`` (``--fast-track`` or ``$IOS_LAB_FAST_TRACK``; an ``up``
without either removes it), read where ironic.conf is rendered (inside
the lab's namespace too) and by ``status``.
"""

import json
import os

#: Bounds of token_lifetime: long enough for one request, short enough to
#: be a test setting.
MIN_TOKEN_LIFETIME = 10
MAX_TOKEN_LIFETIME = 86400


def load(p):
    """The tuning of the state dir ``p.home`` (a dict, empty by default)."""
    try:
        with open(p.tuning_file) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def fast_track(p):
    """Whether the last ``up`` of the state dir turned fast track on."""
    return bool(load(p).get('fast_track'))


def save(p, **changes):
    """Set (or, with a value of None, remove) tuning entries."""
    values = load(p)
    for key, value in changes.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    os.makedirs(p.home, exist_ok=True)
    tmp = p.tuning_file + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(values, f)
    os.replace(tmp, p.tuning_file)
    return values
