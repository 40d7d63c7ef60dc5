import assert from 'node:assert/strict';
import { failsEveryTime } from '../../src/receipts/poison-receipt.js';

/** mysql2's error as the driver throws it: a code, an errno and a SQLSTATE. */
const driverError = (code: string, errno: number, sqlState: string) =>
  Object.assign(new Error(code), { code, errno, sqlState });

describe('business/receipts: a write that fails every time, told from one that may pass', () => {
  it('takes a value its column refuses, a broken constraint, and a value the driver cannot bind for the receipt’s fault', () => {
    for (const error of [
      driverError('ER_DATA_TOO_LONG', 1406, '22001'),
      driverError('ER_WARN_DATA_OUT_OF_RANGE', 1264, '22003'),
      driverError('ER_TRUNCATED_WRONG_VALUE_FOR_FIELD', 1366, 'HY000'),
      driverError('ER_BAD_NULL_ERROR', 1048, '23000'),
      Object.assign(new Error('NOT NULL constraint failed'), { code: 'SQLITE_CONSTRAINT_NOTNULL' }),
      new TypeError('Bind parameters must not contain undefined'),
    ]) {
      assert.equal(failsEveryTime(error), true, String(error));
    }
  });

  it('retries the database away, a deadlock, a lock wait, a busy SQLite and anything it does not know', () => {
    for (const error of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('Connection lost'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true }),
      driverError('ER_LOCK_DEADLOCK', 1213, '40001'),
      driverError('ER_LOCK_WAIT_TIMEOUT', 1205, 'HY000'),
      driverError('ER_CON_COUNT_ERROR', 1040, '08004'),
      Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }),
      new Error('database down'),
      'a string',
      undefined,
    ]) {
      assert.equal(failsEveryTime(error), false, String(error));
    }
  });
});
