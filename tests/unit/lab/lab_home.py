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

"""A lab test case whose state dir is a fresh temporary directory."""

import os
import shutil
import tempfile
import unittest
from unittest import mock


class LabHomeTestCase(unittest.TestCase):
    """IOS_LAB_HOME is ``self.home``, a directory removed after the test."""

    def setUp(self):
        super().setUp()
        self.home = tempfile.mkdtemp(prefix='ios-lab-test-')
        self.addCleanup(shutil.rmtree, self.home)
        env = mock.patch.dict(os.environ, {'IOS_LAB_HOME': self.home})
        env.start()
        self.addCleanup(env.stop)
