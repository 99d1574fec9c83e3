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

"""The size bound of the conductor's virtual media ISO cache.

ISOs are built for real through Ironic's cleaning helpers
(test_virtual_media's set-up); files of other nodes are written directly,
with their last use set by os.utime.
"""

import os
import stat
import time

from oslo_utils import uuidutils

from ironic_openstack_driver import vmedia_cache
from tests.unit import test_virtual_media

KIB = 1024


class CacheBoundTestCase(test_virtual_media.VirtualMediaTestCase):

    def setUp(self):
        super().setUp()
        self.cache = vmedia_cache.cache_dir()
        self.now = time.time()

    def _iso(self, age, size_kib=400, label='deploy'):
        """An ISO of some other node, last used ``age`` seconds ago."""
        path = os.path.join(self.cache, '%s-%s-%s.iso' % (
            uuidutils.generate_uuid(), label, 'a' * 64))
        with open(path, 'wb') as f:
            f.write(b'\0' * size_kib * KIB)
        os.utime(path, (self.now - age, self.now - age))
        return path

    def test_beyond_the_bound_the_least_recently_used_isos_go(self):
        self.config(vmedia_cache_max_size=1, group='openstack')
        older = self._iso(age=4000)
        old = self._iso(age=3000)
        recent = self._iso(age=700)
        self.assertEqual([older], vmedia_cache.enforce_bound(self.now))
        self.assertTrue(os.path.exists(old))
        self.assertTrue(os.path.exists(recent))

    def test_isos_used_in_the_last_minutes_stay_above_the_bound(self):
        self.config(vmedia_cache_max_size=0, group='openstack')
        old = self._iso(age=vmedia_cache.CACHE_GRACE + 1)
        fresh = self._iso(age=vmedia_cache.CACHE_GRACE - 60)
        self.assertEqual([old], vmedia_cache.enforce_bound(self.now))
        self.assertTrue(os.path.exists(fresh))

    def test_a_build_evicts_older_isos_beyond_the_bound(self):
        self.config(vmedia_cache_max_size=0, group='openstack')
        old = self._iso(age=4000)
        self._prepare_cleaning()
        self.assertFalse(os.path.exists(old))
        (built,) = self._cached_isos()
        self.assertTrue(os.path.basename(built).startswith(self.node.uuid))

    def test_an_iso_reused_from_the_cache_counts_as_used(self):
        self.node.deploy_interface = 'ramdisk'
        self.node.instance_info = {
            'kernel': 'file://%s/kernel' % self.tmp,
            'ramdisk': 'file://%s/ramdisk' % self.tmp}
        self.node.save()
        with self._task() as task:
            task.driver.boot.prepare_instance(task)
        (iso,) = self._cached_isos()
        os.utime(iso, (self.now - 5000, self.now - 5000))
        with self._task() as task:
            task.driver.boot.prepare_instance(task)
        self.assertGreater(os.stat(iso).st_mtime, self.now - 60)
        self.assertEqual(1, self.build.call_count)

    def test_isos_are_readable_by_the_conductors_user_only(self):
        self._prepare_cleaning()
        (iso,) = self._cached_isos()
        self.assertEqual(0o600, stat.S_IMODE(os.stat(iso).st_mode))
        self.assertEqual(0o700, stat.S_IMODE(os.stat(self.cache).st_mode))

    def test_a_build_that_never_ended_is_removed(self):
        stale = os.path.join(self.cache, 'tmpabandoned')
        os.makedirs(stale)
        with open(os.path.join(stale, 'kernel'), 'wb') as f:
            f.write(b'k')
        age = self.now - vmedia_cache.STALE_BUILD_AGE - 1
        for path in (os.path.join(stale, 'kernel'), stale):
            os.utime(path, (age, age))
        running = os.path.join(self.cache, 'tmprunning')
        os.makedirs(running)
        self.assertEqual([stale], vmedia_cache.remove_stale_builds(self.now))
        self.assertTrue(os.path.isdir(running))
