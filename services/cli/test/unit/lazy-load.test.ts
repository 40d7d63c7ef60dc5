import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { urlSignature } from '@mpstack/common/wechat';
import { driverPackages, packagesIn, runRecordingLoads } from '@mpstack/testkit';

const bin = fileURLToPath(new URL('../../../bin/mpstack.js', import.meta.url));

describe('mpstack loads only what the command needs', () => {
  it('`mpstack wx sign` loads neither better-sqlite3 nor any other driver, and signs', () => {
    const run = runRecordingLoads([bin, 'wx', 'sign', '--token', 'tok', '--timestamp', '1700000000', '--nonce', 'n1']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, new RegExp(urlSignature('tok', '1700000000', 'n1')));
    const loaded = packagesIn(run.loaded);
    assert.ok(loaded.has('commander'), 'the recorder sees packages');
    assert.deepEqual(
      driverPackages.filter((name) => loaded.has(name)),
      [],
    );
  });
});
