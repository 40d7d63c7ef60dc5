import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { compileFields, fieldLimit } from '../../src/templates/template-fields.js';
import { openUpload } from '../../src/uploads/recipient-file.js';
import { importRecipients, type RecipientRow } from '../../src/uploads/recipient-import.js';

const gbk = (text: string) => {
  // GBK bytes of the Chinese text used below, from the WHATWG encoder table via TextDecoder round trip.
  const table: Record<string, number[]> = { 张: [0xd5, 0xc5], 三: [0xc8, 0xfd], 姓: [0xd0, 0xd5], 名: [0xc3, 0xfb] };
  const bytes: number[] = [];
  for (const ch of text) bytes.push(...(table[ch] ?? [ch.charCodeAt(0)]));
  return Buffer.from(bytes);
};

function chunks(buffer: Buffer, size = 7): AsyncIterable<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < buffer.length; i += size) parts.push(buffer.subarray(i, i + size));
  return Readable.from(parts);
}

async function run(body: Buffer, fields: Record<string, string> = { thing1: '{{name}}' }, maxRows = 1000) {
  const stored: RecipientRow[] = [];
  const opened = await openUpload(chunks(body));
  let renderer: ReturnType<typeof compileFields> | undefined;
  const report = await importRecipients(opened.format, opened.rows, {
    maxRows,
    onHeader: (columns) => {
      renderer = compileFields(fields, columns);
    },
    check: (values) => {
      const rendered = renderer?.render(values);
      return rendered !== undefined && 'error' in rendered ? rendered.error : undefined;
    },
    store: async (rows) => {
      stored.push(...rows);
    },
  });
  return { report, stored };
}

const oid = (n: number) => `oUser${String(n).padStart(23, '0')}`;

describe('recipient uploads', () => {
  it('reads a UTF-8 CSV (BOM, quoted cells, CRLF) with per-recipient variables', async () => {
    const csv = `\uFEFFopenid,name\r\n${oid(1)},"张, 三"\r\n${oid(2)},"say ""hi"""\r\n`;
    const { report, stored } = await run(Buffer.from(csv, 'utf8'));
    assert.equal(report.format, 'csv-utf8');
    assert.deepEqual(report.columns, ['name']);
    assert.equal(report.accepted, 2);
    assert.deepEqual(
      stored.map((r) => r.values[0]),
      ['张, 三', 'say "hi"'],
    );
  });

  it('detects GBK (what Excel writes on a Chinese Windows)', async () => {
    const body = Buffer.concat([gbk('openid,姓名\n'), Buffer.from(`${oid(1)},`), gbk('张三'), Buffer.from('\n')]);
    const { report, stored } = await run(body, { thing1: '{{姓名}}' });
    assert.equal(report.format, 'csv-gbk');
    assert.deepEqual(report.columns, ['姓名']);
    assert.equal(stored[0]?.values[0], '张三');
  });

  it('reads an XLSX (first worksheet) by streaming', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('recipients');
    sheet.addRow(['OpenID', 'name']);
    sheet.addRow([oid(1), '李四']);
    sheet.addRow([oid(2), 42]);
    const body = Buffer.from(await workbook.xlsx.writeBuffer());
    const { report, stored } = await run(body);
    assert.equal(report.format, 'xlsx');
    assert.equal(report.accepted, 2);
    assert.deepEqual(
      stored.map((r) => r.values[0]),
      ['李四', '42'],
    );
  });

  it('skips empty lines, keeps a repeated openid once and lists both with their lines', async () => {
    const csv = `openid,name\n${oid(1)},a\n\n,\n${oid(1)},b\n${oid(2)},c\n`;
    const { report, stored } = await run(Buffer.from(csv));
    assert.equal(report.accepted, 2);
    assert.equal(report.emptyLines, 2);
    assert.equal(report.duplicates, 1);
    assert.deepEqual(report.problems, [{ line: 5, reason: `duplicate openid ${oid(1)} (kept once)` }]);
    assert.deepEqual(
      stored.map((r) => r.seq),
      [0, 1],
    );
  });

  it('refuses rows with a malformed openid, extra cells or a field over its limit, naming each line', async () => {
    const long = '长'.repeat(21);
    const csv = `openid,name\nnot an openid,a\n${oid(1)},a,extra\n${oid(2)},${long}\n${oid(3)},ok\n`;
    const { report } = await run(Buffer.from(csv));
    assert.equal(report.accepted, 1);
    assert.equal(report.rejected, 3);
    assert.deepEqual(
      report.problems.map((p) => p.line),
      [2, 3, 4],
    );
    assert.match(report.problems[2]?.reason ?? '', /thing1 is 21 characters, over its limit of 20/);
  });

  it('refuses a header without an openid column, and a phone-number column with the reason', async () => {
    await assert.rejects(run(Buffer.from('user,name\nx,y\n')), /no openid column; found: user, name/);
    await assert.rejects(run(Buffer.from('手机号,name\n13800000000,y\n')), /phone numbers.*bindings/);
  });

  it('refuses fields naming a column the upload does not have', async () => {
    await assert.rejects(
      run(Buffer.from(`openid,city\n${oid(1)},x\n`)),
      /column\(s\) "name" that the upload does not have/,
    );
  });

  it('refuses a binary file and an empty one', async () => {
    const binary = Buffer.alloc(4096);
    for (let i = 0; i < binary.length; i++) binary[i] = (i * 37) % 256;
    await assert.rejects(run(binary), /not a CSV or XLSX file/);
    await assert.rejects(run(Buffer.alloc(0)), /the upload is empty/);
  });

  it('refuses an upload over the recipient limit, and one with no recipient', async () => {
    const rows = Array.from({ length: 6 }, (_, i) => `${oid(i)},x`).join('\n');
    await assert.rejects(run(Buffer.from(`openid,name\n${rows}\n`), undefined, 5), /more than 5 recipients \(line 7\)/);
    await assert.rejects(run(Buffer.from('openid,name\n\n\n')), /no recipient/);
  });

  it('streams 1,000,000 rows in bounded batches', async function () {
    this.timeout(120_000);
    const lines = ['openid,name'];
    for (let i = 0; i < 1_000_000; i++) lines.push(`${oid(i)},n${i % 100}`);
    let batches = 0;
    let largest = 0;
    let total = 0;
    const opened = await openUpload(chunks(Buffer.from(`${lines.join('\n')}\n`), 64 * 1024));
    const report = await importRecipients(opened.format, opened.rows, {
      maxRows: 1_000_000,
      store: async (rows) => {
        batches += 1;
        largest = Math.max(largest, rows.length);
        total += rows.length;
      },
    });
    assert.equal(report.accepted, 1_000_000);
    assert.equal(total, 1_000_000);
    assert.equal(largest, 1000);
    assert.equal(batches, 1000);
  });

  it('knows the field limits by the key rule', () => {
    assert.equal(fieldLimit('thing12'), 20);
    assert.equal(fieldLimit('character_string3'), 32);
    assert.equal(fieldLimit('phrase1'), 5);
    assert.equal(fieldLimit('keyword1'), 200);
  });
});
