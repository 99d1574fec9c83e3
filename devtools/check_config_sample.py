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

"""Fail when etc/ironic-openstack-driver.conf.sample is not current.

Runs oslo-config-generator with the project's generator config into a
temporary file and compares it with the committed sample, so that an option
added or changed in ironic_openstack_driver/conf.py without ``tox -e
genconfig`` fails the pep8 run.
"""

import difflib
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GENERATOR_CONF = os.path.join(
    ROOT, 'etc', 'ironic-openstack-driver-config-generator.conf')
SAMPLE = os.path.join(ROOT, 'etc', 'ironic-openstack-driver.conf.sample')


def main():
    with tempfile.TemporaryDirectory() as tmp:
        fresh = os.path.join(tmp, 'sample.conf')
        subprocess.run([sys.executable, '-m', 'oslo_config.generator',
                        '--config-file', GENERATOR_CONF,
                        '--output-file', fresh],
                       check=True, cwd=ROOT)
        with open(fresh) as f:
            new = f.readlines()
    with open(SAMPLE) as f:
        old = f.readlines()
    if new == old:
        print('%s is current.' % os.path.relpath(SAMPLE, ROOT))
        return 0
    sys.stdout.writelines(difflib.unified_diff(
        old, new, 'committed ' + os.path.relpath(SAMPLE, ROOT),
        'generated now'))
    print('%s is out of date: run "tox -e genconfig" and commit the '
          'result.' % os.path.relpath(SAMPLE, ROOT))
    return 1


if __name__ == '__main__':
    sys.exit(main())
