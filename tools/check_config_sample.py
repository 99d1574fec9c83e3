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
