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
