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

"""What every subcommand shares: connections, errors, progress, tables."""

import sys

from openstack import exceptions as sdk_exc


class ToolError(Exception):
    """A failure to report to the user: the message names what failed."""


class Report:
    """Progress lines (stderr) and the rows of the final summary (stdout).

    Results go to stdout, everything else to stderr, so that
    ``IMAGE=$(ironic-openstack-nodes rescue-image)`` keeps only the ID.
    """

    def __init__(self, columns, out=None, err=None):
        self.columns = columns
        self.rows = []
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.failed = False

    def progress(self, message):
        print(message, file=self.err, flush=True)

    def add(self, *row):
        self.rows.append(['' if value is None else str(value)
                          for value in row])

    def fail(self, message):
        self.failed = True
        print('error: %s' % message, file=self.err, flush=True)

    def table(self, stream=None):
        stream = stream or self.out
        print(format_table(self.columns, self.rows), file=stream)


def format_table(columns, rows):
    """A plain text table in the style of the openstack client."""
    widths = [max([len(c)] + [len(r[i]) for r in rows])
              for i, c in enumerate(columns)]
    line = '+' + '+'.join('-' * (w + 2) for w in widths) + '+'

    def fmt(values):
        return '| ' + ' | '.join(v.ljust(w)
                                 for v, w in zip(values, widths)) + ' |'
    out = [line, fmt(columns), line]
    out.extend(fmt(r) for r in rows)
    out.append(line)
    return '\n'.join(out)


def call(what, func, *args, **kwargs):
    """func(*args, **kwargs); an SDK error becomes a ToolError.

    :param what: what failed, for the message ("cannot ...").
    :raises: ToolError naming what failed and the cloud's answer.
    """
    try:
        return func(*args, **kwargs)
    except sdk_exc.SDKException as e:
        raise ToolError('%s: %s' % (what, describe_error(e)))


def describe_error(exc):
    """A one-line description of an openstacksdk/keystoneauth error."""
    if isinstance(exc, sdk_exc.HttpException):
        details = exc.details or exc.message
        text = 'HTTP %s: %s' % (exc.status_code, details)
        if exc.status_code in (401, 403):
            text += (' (check the credentials and the roles of the user in '
                     'this cloud)')
        return text
    return str(exc) or exc.__class__.__name__


def connect(cloud, config_file=None, region=None, what='cloud'):
    """An openstacksdk Connection for a clouds.yaml entry.

    Goes through the driver's own cloud.open_connection so that the tool
    and the conductor read clouds.yaml alike.

    :param cloud: the clouds.yaml entry (--os-cloud).
    :param config_file: a clouds.yaml path (--os-config-file), else
        openstacksdk's usual places (OS_CLIENT_CONFIG_FILE, ./clouds.yaml,
        ~/.config/openstack, /etc/openstack).
    :param what: the option that named the cloud, for messages.
    :raises: ToolError when the entry cannot be used.
    """
    if not cloud:
        raise ToolError('no cloud given: use --%s or set OS_CLOUD (a '
                        'clouds.yaml entry)' % what)
    from keystoneauth1 import exceptions as ks_exc

    from ironic_openstack_driver import cloud as os_cloud

    creds = os_cloud.CloudCredentials(cloud=cloud, region_name=region)
    try:
        return os_cloud.open_connection(creds, clouds_yaml=config_file)
    except (sdk_exc.ConfigException, ks_exc.MissingRequiredOptions,
            ks_exc.NoMatchingPlugin) as e:
        raise ToolError('cannot use cloud "%s" (--%s) from %s: %s' % (
            cloud, what, config_file or 'the default clouds.yaml places',
            e))


def image_property(image, key):
    """An image property, wherever openstacksdk put it, as a string."""
    value = (image.properties or {}).get(key)
    if value is None:
        value = getattr(image, key, None)
    return None if value is None else str(value)


def find_one(finder, kind, ref, option):
    """Resolve a name or ID with a proxy's find_* method.

    :raises: ToolError naming the option when nothing or several match.
    """
    try:
        found = finder(ref, ignore_missing=True)
    except sdk_exc.DuplicateResource:
        raise ToolError('%s "%s" (%s) matches several %ss: use its ID'
                        % (kind, ref, option, kind))
    except sdk_exc.SDKException as e:
        raise ToolError('cannot look up %s "%s" (%s): %s'
                        % (kind, ref, option, describe_error(e)))
    if found is None:
        raise ToolError('%s "%s" (%s) not found' % (kind, ref, option))
    return found
