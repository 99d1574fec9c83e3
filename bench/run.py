#!/usr/bin/env python3
"""Power-sync scale benchmark: ``tox -e bench [-- options]``.

The benchmark is the package beside this file (bench/__init__.py says
which module does what); this script only runs it.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

from bench import cli  # noqa: E402

if __name__ == '__main__':
    cli.run()
