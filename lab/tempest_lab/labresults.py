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

``verdict(records, required)`` judges the run: it fails on any failure,
when nothing passed, and when a class that must pass did not (one of its
tests skipped or failed, or none of them ran); ``summarise`` lists those
classes before the totals.
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


def class_of(test_id):
    """The test class's name of a record id.

    ``pkg.mod.Class.test_x[id-...]`` and ``setUpClass (pkg.mod.Class)``
    (an error of the class's setup) both give ``Class``.
    """
    name = _name(test_id).strip()
    if name.endswith(')') and '(' in name:
        name = name[name.rindex('(') + 1:-1]
        return name.rsplit('.', 1)[-1]
    parts = name.split('.')
    return parts[-2] if len(parts) > 1 else name


def required_not_passed(records, required):
    """The required classes that did not pass, each with why.

    A class passed when at least one of its tests passed and none of its
    records is a skip or a failure (a class-level error included).

    :param records: StreamToDict dicts.
    :param required: class names (``OpenStackDirectWholedisk``).
    :returns: [(class, reason)] in the order of ``required``.
    """
    by_class = {}
    for record in records:
        if record.get('status') in IGNORED:
            continue
        by_class.setdefault(class_of(record['id']), []).append(record)
    out = []
    for name in required:
        mine = by_class.get(name, [])
        skipped = [r for r in mine if r['status'] in SKIPPED]
        failed = [r for r in mine if r['status'] not in PASSED + SKIPPED]
        if not mine:
            out.append((name, 'did not run'))
        elif failed:
            out.append((name, 'failed'))
        elif skipped:
            out.append((name, 'skipped: %s' % (
                (skipped[0].get('reason') or 'no reason given').strip())))
    return out


def verdict(records, required=()):
    """(ok, reasons) of the run.

    Not ok on any failure, when no test passed, and when a required
    class did not pass (a skip of it is not a pass).

    :param records: StreamToDict dicts.
    :param required: class names that must pass.
    """
    passed, failed, _ = counts(records)
    reasons = []
    if failed:
        reasons.append('%d failed' % failed)
    if not passed:
        reasons.append('no test passed')
    for name, why in required_not_passed(records, required):
        reasons.append('required class %s %s' % (name, why))
    return not reasons, reasons


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


def summarise(records, required=()):
    """The report's lines (see the module docstring).

    :param records: StreamToDict dicts.
    :param required: class names that must pass: those that did not are
        listed before the totals.
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
    missing = required_not_passed(rows, required)
    if missing:
        lines.append('')
        lines.append('required classes that did not pass:')
        for name, why in missing:
            lines.append('  %s: %s' % (name, why))
    passed, failed, skips = counts(rows)
    lines.append('')
    lines.append('%d passed, %d failed, %d skipped' % (passed, failed,
                                                       skips))
    return lines
