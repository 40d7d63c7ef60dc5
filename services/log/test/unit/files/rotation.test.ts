import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { listLogFiles, maintainLogFiles, monthOf, parseLogFileName } from '../../../src/index.js';

const at = (iso: string) => Date.parse(iso);

describe('log files: names, gzip of past months and retention (injected clock)', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mpstack-log-files-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts only the log files’ names', () => {
    assert.deepEqual(parseLogFileName('interface-2026-12.jsonl'), {
      name: 'interface-2026-12.jsonl',
      kind: 'interface',
      month: '2026-12',
      gzipped: false,
    });
    assert.equal(parseLogFileName('access-2026-01.jsonl.gz')?.gzipped, true);
    for (const bad of ['../interface-2026-12.jsonl', 'interface-2026-13.jsonl', 'mpstack.db', 'access-2026-1.jsonl']) {
      assert.equal(parseLogFileName(bad), undefined, bad);
    }
    assert.equal(monthOf(at('2026-12-31T23:59:59.999Z')), '2026-12');
    assert.equal(monthOf(at('2027-01-01T00:00:00Z')), '2027-01');
  });

  it('gzips every past month (streamed, same lines), keeps the current month plain and removes what the retention ended', async () => {
    const lines = (month: string) =>
      Array.from({ length: 2000 }, (_, i) => `${JSON.stringify({ month, i, text: '接口' })}\n`).join('');
    for (const month of ['2026-04', '2026-05', '2026-06', '2026-07', '2026-11', '2026-12']) {
      await writeFile(join(dir, `interface-${month}.jsonl`), lines(month));
      await writeFile(join(dir, `access-${month}.jsonl`), lines(month));
    }
    await writeFile(join(dir, 'notes.txt'), 'not a log file');
    // December 2026, retention 6 months: June to December stay, April and May go.
    const done = await maintainLogFiles(dir, { now: at('2026-12-15T10:00:00Z'), retentionMonths: 6 });
    assert.deepEqual([...done.removed].sort(), [
      'access-2026-04.jsonl',
      'access-2026-05.jsonl',
      'interface-2026-04.jsonl',
      'interface-2026-05.jsonl',
    ]);
    assert.deepEqual([...done.gzipped].sort(), [
      'access-2026-06.jsonl',
      'access-2026-07.jsonl',
      'access-2026-11.jsonl',
      'interface-2026-06.jsonl',
      'interface-2026-07.jsonl',
      'interface-2026-11.jsonl',
    ]);
    assert.deepEqual((await readdir(dir)).sort(), [
      'access-2026-06.jsonl.gz',
      'access-2026-07.jsonl.gz',
      'access-2026-11.jsonl.gz',
      'access-2026-12.jsonl',
      'interface-2026-06.jsonl.gz',
      'interface-2026-07.jsonl.gz',
      'interface-2026-11.jsonl.gz',
      'interface-2026-12.jsonl',
      'notes.txt',
    ]);
    assert.equal(gunzipSync(await readFile(join(dir, 'interface-2026-11.jsonl.gz'))).toString(), lines('2026-11'));
    const listed = await listLogFiles(dir);
    assert.deepEqual(
      listed.map((f) => [f.name, f.month, f.gzipped]),
      [
        ['access-2026-12.jsonl', '2026-12', false],
        ['interface-2026-12.jsonl', '2026-12', false],
        ['access-2026-11.jsonl.gz', '2026-11', true],
        ['interface-2026-11.jsonl.gz', '2026-11', true],
        ['access-2026-07.jsonl.gz', '2026-07', true],
        ['interface-2026-07.jsonl.gz', '2026-07', true],
        ['access-2026-06.jsonl.gz', '2026-06', true],
        ['interface-2026-06.jsonl.gz', '2026-06', true],
      ],
    );
    assert.ok(listed.every((f) => f.bytes > 0));

    // Four months on (April 2027): the files of June–October 2026 go, idempotently.
    const later = await maintainLogFiles(dir, { now: at('2027-04-01T00:00:00Z'), retentionMonths: 6 });
    assert.deepEqual([...later.removed].sort(), [
      'access-2026-06.jsonl.gz',
      'access-2026-07.jsonl.gz',
      'interface-2026-06.jsonl.gz',
      'interface-2026-07.jsonl.gz',
    ]);
    assert.deepEqual([...later.gzipped].sort(), ['access-2026-12.jsonl', 'interface-2026-12.jsonl']);
    const again = await maintainLogFiles(dir, { now: at('2027-04-01T00:00:00Z'), retentionMonths: 6 });
    assert.deepEqual(again, { gzipped: [], removed: [] });
  });

  it('recovers from a crash mid-gzip (a .gz.tmp left) and between rename and removal (both files there)', async () => {
    await writeFile(join(dir, 'access-2026-10.jsonl'), '{"a":1}\n');
    await writeFile(join(dir, 'access-2026-10.jsonl.gz.tmp'), 'half a gzip');
    await writeFile(join(dir, 'interface-2026-10.jsonl'), '{"b":1}\n');
    await writeFile(join(dir, 'interface-2026-10.jsonl.gz'), gzipSync('{"b":1}\n'));
    await maintainLogFiles(dir, { now: at('2026-11-02T00:00:00Z'), retentionMonths: 6 });
    assert.deepEqual((await readdir(dir)).sort(), ['access-2026-10.jsonl.gz', 'interface-2026-10.jsonl.gz']);
    assert.equal(gunzipSync(await readFile(join(dir, 'access-2026-10.jsonl.gz'))).toString(), '{"a":1}\n');
    assert.equal(gunzipSync(await readFile(join(dir, 'interface-2026-10.jsonl.gz'))).toString(), '{"b":1}\n');
  });

  it('has nothing to do when the directory does not exist yet', async () => {
    assert.deepEqual(await maintainLogFiles(join(dir, 'absent'), { now: Date.now(), retentionMonths: 6 }), {
      gzipped: [],
      removed: [],
    });
    assert.deepEqual(await listLogFiles(join(dir, 'absent')), []);
  });
});
