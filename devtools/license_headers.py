"""Check, or add, the Apache 2.0 header of every source file.

    python devtools/license_headers.py        # exit 1 naming files without it
    python devtools/license_headers.py --fix  # add it where it is missing

Source files are the Python files and shell scripts (by extension, by a
shell shebang, or devstack/settings) that git tracks or would track
(untracked files not ignored count too). Empty files are left alone.
The header goes after a shebang and an encoding line, if any.
hacking's H102/H103 check Python files longer than 10 lines; this covers
the rest (short files, shell scripts).
"""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARKER = 'Licensed under the Apache License, Version 2.0'
HEADER = '''\
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
'''
SHELL_FILES = ('devstack/settings',)
SHEBANG = re.compile(r'^#!.*\b(ba|da|k|z)?sh\b')
CODING = re.compile(r'^#.*coding[:=]')


def source_files():
    out = subprocess.run(
        ['git', 'ls-files', '-z', '--cached', '--others',
         '--exclude-standard'],
        cwd=ROOT, check=True, capture_output=True).stdout.decode()
    for path in sorted(set(filter(None, out.split('\0')))):
        full = os.path.join(ROOT, path)
        if not os.path.isfile(full):
            continue    # deleted in the work tree
        if path.endswith(('.py', '.sh')) or path in SHELL_FILES:
            yield path
            continue
        with open(full, 'rb') as f:
            first = f.readline().decode('utf-8', 'replace')
        if SHEBANG.match(first):
            yield path


def has_header(text):
    return MARKER in '\n'.join(text.splitlines()[:20])


def add_header(text):
    lines = text.splitlines(keepends=True)
    head = []
    while lines and (not head and lines[0].startswith('#!')
                     or CODING.match(lines[0])):
        head.append(lines.pop(0))
    rest = ''.join(lines)
    return ''.join(head) + HEADER + ('\n' + rest if rest.strip() else '')


def main(argv):
    fix = '--fix' in argv
    missing = []
    for path in source_files():
        full = os.path.join(ROOT, path)
        with open(full) as f:
            text = f.read()
        if not text.strip() or has_header(text):
            continue
        if fix:
            with open(full, 'w') as f:
                f.write(add_header(text))
            print('added the licence header to %s' % path)
        else:
            missing.append(path)
    if missing:
        print('The Apache 2.0 licence header is missing from:')
        for path in missing:
            print('    %s' % path)
        print('Run "python devtools/license_headers.py --fix".')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
