import assert from 'node:assert/strict';
import { noteStatement, sqlFailure } from '../../../src/db/sql-failure.js';

/** An error shaped as mysql2 makes them: the statement with its values inlined in `sql`. */
function driverError(sql: string, message = "Table 'x.log_rollup_minute' doesn't exist"): Error {
  return Object.assign(new Error(message), {
    code: 'ER_NO_SUCH_TABLE',
    errno: 1146,
    sqlState: '42S02',
    sqlMessage: message,
    sql,
  });
}

describe('db/sqlFailure', () => {
  const huge = `INSERT INTO \`log_rollup_minute\` (a, b) VALUES ${Array.from({ length: 5000 }, (_, i) => `('v${i}', ${i})`).join(', ')}`;

  it('keeps the verb and table of the statement, never its values', () => {
    assert.deepEqual(sqlFailure(driverError(huge)), {
      statement: 'INSERT INTO log_rollup_minute',
      code: 'ER_NO_SUCH_TABLE',
      errno: 1146,
      sqlState: '42S02',
      message: "Table 'x.log_rollup_minute' doesn't exist",
    });
  });

  it('takes the kind and row count noted where the statement ran over what the text says', () => {
    const error = driverError(huge);
    assert.equal(noteStatement(error, 'INSERT IGNORE INTO log_rollup_minute', 5000), error);
    assert.deepEqual(
      { statement: sqlFailure(error).statement, rows: sqlFailure(error).rows },
      { statement: 'INSERT IGNORE INTO log_rollup_minute', rows: 5000 },
    );
  });

  it('bounds a long message and says how long it was', () => {
    const failure = sqlFailure(driverError('SELECT 1', `syntax near '${'x'.repeat(2000)}'`));
    assert.ok(failure.message.length < 340, String(failure.message.length));
    assert.match(failure.message, /… \(2014 characters\)$/);
  });

  it('says what it can of something that is not an error', () => {
    assert.deepEqual(sqlFailure('connection lost'), { message: 'connection lost' });
    assert.deepEqual(sqlFailure(new Error('socket hang up')), { message: 'socket hang up' });
  });
});
