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

"""ironic-openstack-nodes: an OpenStack cloud's instances as bare metal.

    ironic-openstack-nodes rescue-image   iPXE rescue image into Glance
    ironic-openstack-nodes create-nodes   servers that play the machines
    ironic-openstack-nodes ironic-host    the server that runs Ironic
    ironic-openstack-nodes nodes-file     file for openstack baremetal create
    ironic-openstack-nodes enroll         nodes and ports into Ironic
    ironic-openstack-nodes bind           mark each node's server for it
    ironic-openstack-nodes environment    create-nodes, ironic-host, enroll

Every subcommand is idempotent: run again, it finds what exists.
"""

import argparse
import os
import sys

from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as sdk_exc

from ironic_openstack_driver.tools import binding
from ironic_openstack_driver.tools import common
from ironic_openstack_driver.tools import enroll
from ironic_openstack_driver.tools import environment
from ironic_openstack_driver.tools import ironic_host
from ironic_openstack_driver.tools import nodes_file
from ironic_openstack_driver.tools import rescue_image
from ironic_openstack_driver.tools import servers

PROG = 'ironic-openstack-nodes'


def build_parser():
    parser = argparse.ArgumentParser(
        prog=PROG,
        description='Use an OpenStack cloud as a bare-metal pool for '
                    'Ironic\'s "openstack" hardware type: rescue image, '
                    'servers, nodes file, enrollment.',
        epilog='Progress goes to stderr, results (IDs, tables, the nodes '
               'file on stdout) to stdout. Exit status 1 when something '
               'failed; the report says what exists.')
    parser.add_argument('--os-cloud', default=os.environ.get('OS_CLOUD'),
                        metavar='CLOUD',
                        help='clouds.yaml entry of the host cloud (Nova, '
                             'Neutron, Glance) (default: $OS_CLOUD)')
    parser.add_argument('--os-config-file',
                        default=os.environ.get('OS_CLIENT_CONFIG_FILE'),
                        metavar='PATH',
                        help='clouds.yaml to read (default: '
                             '$OS_CLIENT_CONFIG_FILE, else openstacksdk\'s '
                             'usual places)')
    parser.add_argument('--os-region-name',
                        default=os.environ.get('OS_REGION_NAME'),
                        metavar='REGION',
                        help='region of the host cloud (default: '
                             '$OS_REGION_NAME, else the clouds.yaml entry\'s)')
    subparsers = parser.add_subparsers(dest='command', metavar='COMMAND')
    subparsers.required = True
    for module in (rescue_image, servers, ironic_host, nodes_file, enroll,
                   binding, environment):
        module.add_parser(subparsers)
    return parser


def _connections(args):
    """Lazily opened connections for the subcommand."""
    opened = {}

    def compute():
        if 'cloud' not in opened:
            opened['cloud'] = common.connect(
                args.os_cloud, args.os_config_file, args.os_region_name,
                what='os-cloud')
        return opened['cloud']

    def baremetal():
        if 'ironic' not in opened:
            cloud = getattr(args, 'ironic_cloud', None)
            config = (getattr(args, 'ironic_config_file', None)
                      or args.os_config_file)
            if (cloud and cloud != args.os_cloud) or (
                    config != args.os_config_file):
                opened['ironic'] = common.connect(
                    cloud or args.os_cloud, config, args.os_region_name,
                    what='ironic-cloud')
            else:
                opened['ironic'] = compute()
        return opened['ironic'].baremetal

    return compute, baremetal


def main(argv=None, stdout=None, stderr=None):
    args = build_parser().parse_args(argv)
    report = common.Report(args.columns, out=stdout, err=stderr)
    compute, baremetal = _connections(args)
    try:
        if 'ironic' in args.needs:
            return args.func((compute, baremetal), args, report)
        return args.func(compute(), args, report)
    except common.ToolError as e:
        report.fail(str(e))
    except (sdk_exc.SDKException, ks_exc.ClientException) as e:
        report.fail('%s: %s' % (args.command, common.describe_error(e)))
    except KeyboardInterrupt:
        report.fail('interrupted: run the same command again to finish; '
                    'it finds what exists')
        return 130
    if report.rows:
        report.progress('What exists so far:')
        report.table(stream=report.err)
    return 1


if __name__ == '__main__':
    sys.exit(main())
