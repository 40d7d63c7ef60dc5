import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { wechatFixturesDir } from '@mpstack/testkit';
import { WECHAT_ERRCODES } from '../../../src/wechat/errcodes.generated.js';
import {
  errcodeKind,
  errcodeMeaning,
  RETRYABLE_ERRCODES,
  TOKEN_ERRCODES,
  WeChatApiError,
  WeChatLocalRefusal,
} from '../../../src/wechat/index.js';

interface Row {
  readonly errcode: number;
  readonly meaning: string;
}

/** test/fixtures/wechat/errcodes.json: a copy of the team's errcode table (../shared/wechat). */
const rows: readonly Row[] = JSON.parse(readFileSync(join(wechatFixturesDir(), 'errcodes.json'), 'utf8')).codes;

describe('WeChat errcodes (generated from errcodes.json)', () => {
  it('has every errcode of the JSON with its meaning, and nothing else', () => {
    assert.ok(rows.length > 400, `${rows.length} rows`);
    for (const row of rows) assert.equal(WECHAT_ERRCODES.get(row.errcode), row.meaning, String(row.errcode));
    assert.equal(WECHAT_ERRCODES.size, rows.length);
  });

  it('every errcode becomes a typed error carrying its meaning, kind and WeChat errmsg', () => {
    for (const row of rows) {
      const error = new WeChatApiError('sendTemplateMessage', row.errcode, `msg rid: 1-2-3`);
      assert.equal(error.meaning, row.meaning);
      assert.equal(error.errcode, row.errcode);
      assert.equal(error.code, 'wechat_error');
      assert.match(error.message, new RegExp(`errcode ${row.errcode}`));
    }
    const unknown = new WeChatApiError('x', 99_999_999, 'what');
    assert.equal(unknown.meaning, 'errcode not in the known tables');
    assert.equal(errcodeMeaning(99_999_999), undefined);
  });

  it('classifies what the client acts on: token, retryable, quota, window, recipient', () => {
    assert.deepEqual([...TOKEN_ERRCODES].map(errcodeKind), ['token', 'token', 'token']);
    assert.deepEqual([...RETRYABLE_ERRCODES].sort(), [-1, 45011]);
    assert.equal(errcodeKind(45009), 'quota');
    assert.equal(errcodeKind(45015), 'window');
    assert.equal(errcodeKind(45047), 'window');
    assert.equal(errcodeKind(43004), 'recipient');
    assert.equal(errcodeKind(40003), 'recipient');
    assert.equal(errcodeKind(40125), 'credentials');
    assert.equal(errcodeKind(40037), 'request');
    for (const code of [40001, 40014, 42001, -1, 45011, 45009, 45015, 45047, 43004, 40003, 40125]) {
      assert.ok(WECHAT_ERRCODES.has(code), `${code} has a meaning`);
    }
  });

  it('a local refusal names the errcode it avoided', () => {
    const refusal = new WeChatLocalRefusal('sendCustomMessage', 'window_closed', 'no interaction in 48 h');
    assert.equal(refusal.errcode, 45015);
    assert.equal(refusal.code, 'wechat_limit');
    assert.equal(new WeChatLocalRefusal('a', 'window_exhausted', '').errcode, 45047);
    assert.equal(new WeChatLocalRefusal('a', 'quota_reached', '').errcode, 45009);
  });
});
