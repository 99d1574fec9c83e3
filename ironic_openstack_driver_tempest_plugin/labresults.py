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

"""The closing report of a tempest run (pure; no I/O, no tempest).

``summarise(records)`` takes one dict per test as testtools' StreamToDict
gives them (``id``, ``status``, ``timestamps``, ``reason``) and
returns the report's lines: every test with its result and time, the
skipped ones again with their reasons, and last, on a line of its own,
``N passed, N failed, N skipped``. A skipped test is never counted as
passed; an error in a class's setUpClass/tearDownClass (a record whose id
names it) counts as a failure.
"""

PASSED = ('success',)
SKIPPED = ('skip',)
#: 'exists' is an enumeration record of ``--list``, not a result.
IGNORED = ('exists',)


def _seconds(record):
    stamps = [t for t in (record.get('timestamps') or []) if t]
    if len(stamps) < 2:
        return None
    return (stamps[-1] - stamps[0]).total_seconds()


def _name(test_id):
    """The test id without tempest's attribute suffix ``[id-...,...]``."""
    return test_id.split('[', 1)[0]


def counts(records):
    """(passed, failed, skipped) of the records.

    :param records: StreamToDict dicts.
    """
    passed = failed = skipped = 0
    for record in records:
        status = record.get('status')
        if status in IGNORED:
            continue
        if status in PASSED:
            passed += 1
        elif status in SKIPPED:
            skipped += 1
        else:
            failed += 1
    return passed, failed, skipped


def summarise(records):
    """The report's lines (see the module docstring).

    :param records: StreamToDict dicts.
    """
    rows = [r for r in records if r.get('status') not in IGNORED]
    rows.sort(key=lambda r: r['id'])
    lines = ['%-8s %9s  %s' % ('result', 'time', 'test')]
    for record in rows:
        seconds = _seconds(record)
        lines.append('%-8s %9s  %s' % (
            record['status'],
            '-' if seconds is None else '%.1fs' % seconds,
            _name(record['id'])))
    skipped = [r for r in rows if r['status'] in SKIPPED]
    if skipped:
        lines.append('')
        lines.append('skipped:')
        for record in skipped:
            reason = record.get('reason') or 'no reason given'
            lines.append('  %s: %s' % (_name(record['id']),
                                       reason.strip()))
    passed, failed, skips = counts(rows)
    lines.append('')
    lines.append('%d passed, %d failed, %d skipped' % (passed, failed,
                                                       skips))
    return lines
