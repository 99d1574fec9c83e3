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

"""Leaf writers every configuration file of the lab is made with.

INI text (``ini``, ``merge``), an atomic file write (``write``) and the
URLs and credentials options the services' files share (``db_url``,
``transport_url``, ``service_auth``, ``authtoken``). They know the lab's
settings and nothing else: the services, the backends and ``configs`` all
build on them.
"""

import os

from labkit import settings as s


def ini(sections):
    """Render ``{section: {key: value}}`` as an INI file."""
    out = []
    for section, options in sections.items():
        out.append('[%s]' % section)
        for key, value in options.items():
            if isinstance(value, bool):
                value = 'true' if value else 'false'
            out.append('%s = %s' % (key, value))
        out.append('')
    return '\n'.join(out)


def merge(base, extra):
    """``base`` with ``extra``'s sections merged in, option by option."""
    out = {section: dict(options) for section, options in base.items()}
    for section, options in extra.items():
        out.setdefault(section, {}).update(options)
    return out


def write(path, text, mode=0o640):
    """Write ``text`` to ``path`` atomically (a temporary file, renamed)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def db_url(sec, name):
    """SQLAlchemy URL of the lab's MariaDB database ``name``."""
    return 'mysql+pymysql://lab:%s@%s:%d/%s?charset=utf8' % (
        sec['db'], s.HOST, s.PORTS['mariadb'], name)


def transport_url(sec):
    """oslo.messaging URL of the lab's RabbitMQ."""
    return 'rabbit://lab:%s@%s:%d/' % (sec['rabbit'], s.HOST,
                                       s.PORTS['rabbitmq'])


def service_auth(sec, user, extra=None):
    """keystoneauth password options for a service user of the lab."""
    opts = {
        'auth_type': 'password',
        'auth_url': s.url('keystone', '/v3'),
        'username': user,
        'password': sec[user],
        'user_domain_name': 'Default',
        'project_name': s.SERVICE_PROJECT,
        'project_domain_name': 'Default',
        'region_name': s.REGION,
    }
    opts.update(extra or {})
    return opts


#: [keystone_authtoken]http_connect_timeout of every service: the time
#: keystonemiddleware waits for one answer of Keystone (a token check, its
#: own login). Its default (none) lets a request whose token is not in the
#: service's cache wait as long as Keystone hangs (tests/faults: Keystone
#: paused); Keystone answers a token check here in well under a second.
AUTHTOKEN_TIMEOUT = 10
#: [keystone_authtoken]http_request_max_retries: keystonemiddleware's
#: default, written so that the bound below is the one in force.
AUTHTOKEN_RETRIES = 3
#: [keystone_authtoken]token_cache_time: Keystone's default token lifetime
#: ([token]expiration, 3600 s). A service checks a token with Keystone
#: once, then keeps it until it expires (an expired token is refused from
#: the cache as well), instead of checking it again every 300 s (the
#: default) at a moment nothing chooses: a Keystone hang in the fault suite
#: then needs Keystone only for tokens issued since their last use. A
#: revoked token (its user deleted, say) is honoured until it expires.
AUTHTOKEN_CACHE_TIME = 3600


def authtoken_wait(timeout=AUTHTOKEN_TIMEOUT, retries=AUTHTOKEN_RETRIES):
    """The longest a service waits for Keystone before answering 503.

    keystoneauth retries a timed-out or refused request ``retries`` times,
    after 0.5 s, 1 s, 2 s, ... (its default delays); keystonemiddleware
    then answers "The Keystone service is temporarily unavailable" (503).

    :param timeout: ``http_connect_timeout`` (seconds).
    :param retries: ``http_request_max_retries``.
    :returns: seconds.
    """
    return (retries + 1) * timeout + sum(0.5 * 2 ** i for i in range(retries))


def authtoken(sec, user):
    """``[keystone_authtoken]`` of a service whose user is ``user``.

    Its waits for Keystone are bounded (``authtoken_wait``): a token the
    service has not cached, while Keystone hangs, is a 503 within that
    time, never a request that hangs as long as Keystone. A token checked
    once stays cached until it expires (``AUTHTOKEN_CACHE_TIME``).
    """
    opts = service_auth(sec, user, {'www_authenticate_uri':
                                    s.url('keystone', '/v3'),
                                    'service_token_roles_required': True,
                                    'http_connect_timeout':
                                        AUTHTOKEN_TIMEOUT,
                                    'http_request_max_retries':
                                        AUTHTOKEN_RETRIES,
                                    'token_cache_time':
                                        AUTHTOKEN_CACHE_TIME})
    opts.pop('region_name')
    return opts
