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

"""iniset / iniget for the devstack stubs: ini.py set|get FILE SECTION OPT [V].

The file is read and written with configparser, so a test reads back
exactly what an ini parser (oslo.config's included) sees.
"""

import configparser
import os
import sys


def main(argv):
    action, path, section, option = argv[:4]
    parser = configparser.RawConfigParser()
    parser.optionxform = str
    if os.path.exists(path):
        parser.read(path)
    if action == 'get':
        if parser.has_option(section, option):
            print(parser.get(section, option))
        return 0
    if section != 'DEFAULT' and not parser.has_section(section):
        parser.add_section(section)
    parser.set(section, option, argv[4])
    with open(path, 'w') as f:
        parser.write(f)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
