import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { driverPackages as drivers, packagesIn, runRecordingLoads } from '@mpstack/testkit';

const repoRoot = fileURLToPath(new URL('../../../../..', import.meta.url));

function loadsOf(specifier: string): Set<string> {
  const run = runRecordingLoads(['--input-type=module', '-e', `await import(${JSON.stringify(specifier)});`], {
    cwd: repoRoot,
  });
  assert.equal(run.status, 0, run.stderr);
  return packagesIn(run.loaded);
}

describe('common: what each subpath loads (a fresh process per import)', () => {
  for (const pure of ['@mpstack/common/wechat', '@mpstack/common/contracts', '@mpstack/common/errors']) {
    it(`${pure} loads no driver`, () => {
      const loaded = loadsOf(pure);
      assert.deepEqual(
        drivers.filter((driver) => loaded.has(driver)),
        [],
      );
      if (pure !== '@mpstack/common/errors') assert.ok(loaded.has('fast-xml-parser'), 'the recorder sees packages');
    });
  }

  it('@mpstack/common/wechat-api loads undici and OpenTelemetry, but no database, queue or Redis driver', () => {
    const loaded = loadsOf('@mpstack/common/wechat-api');
    assert.ok(loaded.has('undici'), 'the recorder sees undici');
    assert.deepEqual(
      ['better-sqlite3', 'mysql2', 'ioredis', 'amqplib', 'kysely', 'express', 'pino'].filter((driver) =>
        loaded.has(driver),
      ),
      [],
    );
  });

  it('@mpstack/common/db does load its drivers (the recorder would notice one)', () => {
    const loaded = loadsOf('@mpstack/common/db');
    for (const driver of ['better-sqlite3', 'mysql2', 'kysely']) assert.ok(loaded.has(driver), driver);
  });

  it('there is no root barrel to load everything at once', () => {
    const run = runRecordingLoads(['--input-type=module', '-e', "await import('@mpstack/common');"], { cwd: repoRoot });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /ERR_PACKAGE_PATH_NOT_EXPORTED|No "exports" main defined/);
  });
});
