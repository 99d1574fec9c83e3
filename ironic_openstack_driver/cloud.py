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

"""Credentials of a host cloud, and the openstacksdk Connection they open.

Shared by the driver and its command-line tools. Nothing here imports
Ironic, so the tools run on a workstation without it.
"""

import dataclasses
from urllib import parse

from openstack import config as sdk_config
from openstack import connection as sdk_connection
from requests import adapters as requests_adapters

from ironic_openstack_driver import text

#: Server metadata key that binds a Nova server to its Ironic node: its
#: value is the node's UUID. Only holders of the host cloud's credentials
#: can set it (the operator, ironic-openstack-nodes), not a node's owner
#: through Ironic's API; the driver drives no server without it.
NODE_MARK = 'ironic_node_uuid'


def marked_node(server):
    """The node UUID a server is marked for, or None.

    :param server: an openstacksdk Server, a listed server or a dict of
        Nova's server view: anything with ``metadata``.
    """
    metadata = (server.get('metadata') if isinstance(server, dict)
                else getattr(server, 'metadata', None)) or {}
    value = metadata.get(NODE_MARK)
    return value.strip().lower() if isinstance(value, str) else None


@dataclasses.dataclass(frozen=True)
class CloudCredentials:
    """Where and how to reach the host cloud; hashable, secrets hidden."""

    cloud: str | None = None
    auth_url: str | None = None
    username: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    user_domain_name: str | None = None
    project_name: str | None = None
    project_domain_name: str | None = None
    application_credential_id: str | None = None
    application_credential_secret: str | None = dataclasses.field(
        default=None, repr=False)
    region_name: str | None = None
    cacert: str | None = None
    insecure: bool = False
    #: The newest compute microversion to use ("2.N"), or None: part of
    #: the connection's identity, which is pinned to it.
    compute_microversion_cap: str | None = None

    def describe(self):
        """Name of the cloud for messages: never contains a secret."""
        if self.cloud:
            return 'cloud "%s"' % text.shown(self.cloud)
        return 'inline credentials (Keystone at %s)' % text.shown(
            self.auth_url)


def is_http_url(url):
    """Whether a Keystone URL is an absolute http(s) URL with a host."""
    try:
        parsed = parse.urlparse(url or '')
        return parsed.scheme in ('http', 'https') and bool(parsed.hostname)
    except ValueError:
        return False


def cloud_region(creds, clouds_yaml=None, api_timeout=None):
    """The openstacksdk CloudRegion for a set of credentials.

    :param clouds_yaml: path of the clouds.yaml that holds ``creds.cloud``;
        None means openstacksdk's usual places.
    :param api_timeout: seconds for each HTTP request.
    """
    options = {}
    if api_timeout:
        options['api_timeout'] = api_timeout
    if creds.region_name:
        options['region_name'] = creds.region_name
    if creds.cacert:
        options['cacert'] = creds.cacert
    if creds.insecure:
        options['verify'] = False
    if creds.cloud:
        files = [clouds_yaml] if clouds_yaml else None
        config = sdk_config.OpenStackConfig(config_files=files,
                                            load_envvars=False)
        return config.get_one(cloud=creds.cloud, **options)

    if creds.application_credential_id:
        auth_type = 'v3applicationcredential'
        auth = {'application_credential_id': creds.application_credential_id,
                'application_credential_secret':
                    creds.application_credential_secret}
    else:
        auth_type = 'password'
        auth = {'username': creds.username, 'password': creds.password,
                'user_domain_name': creds.user_domain_name,
                'project_name': creds.project_name,
                'project_domain_name': creds.project_domain_name}
    auth['auth_url'] = creds.auth_url
    config = sdk_config.OpenStackConfig(load_yaml_config=False,
                                        load_envvars=False)
    return config.get_one(auth_type=auth_type, auth=auth, **options)


def size_connection_pool(session, size):
    """Let a keystoneauth Session keep ``size`` connections per host.

    requests keeps 10 per host by default; more concurrent requests each
    open a connection and drop it afterwards (urllib3 warns "Connection
    pool is full").

    :param session: a keystoneauth1 Session, before its first request.
    """
    for adapter in set(session.session.adapters.values()):
        if isinstance(adapter, requests_adapters.HTTPAdapter):
            adapter.init_poolmanager(requests_adapters.DEFAULT_POOLSIZE,
                                     size,
                                     block=requests_adapters.DEFAULT_POOLBLOCK)


def open_connection(creds, clouds_yaml=None, api_timeout=None,
                    pool_size=None):
    """A new openstacksdk Connection for a set of credentials.

    Shared by the driver (through client.get_connection's cache) and the
    command-line tools, so both read clouds.yaml and inline credentials the
    same way.

    :param pool_size: HTTP connections kept per host, or None for
        openstacksdk's default (10).
    :raises: openstack.exceptions.ConfigException and keystoneauth
        MissingRequiredOptions for a bad configuration.
    """
    region = cloud_region(creds, clouds_yaml, api_timeout)
    if pool_size:
        # The Connection uses the session the region built and keeps.
        size_connection_pool(region.get_session(), pool_size)
    return sdk_connection.Connection(config=region)
