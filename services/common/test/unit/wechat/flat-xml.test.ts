import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AppError } from '../../../src/errors/app-error.js';
import { scanFlatXml } from '../../../src/wechat/flat-xml.js';
import { parseXml, parseXmlGeneral } from '../../../src/wechat/xml.js';
import { loadVectors } from './vectors.js';

/** What the general parser makes of a document: its fields, or the error code it throws. */
function general(document: string): unknown {
  try {
    return { fields: parseXmlGeneral(document) };
  } catch (error) {
    return { error: error instanceof AppError ? error.code : String(error) };
  }
}

const names = fc.constantFrom(
  'ToUserName',
  'FromUserName',
  'CreateTime',
  'MsgType',
  'Content',
  'MsgId',
  'MsgID',
  'Event',
  'EventKey',
  'Location_X',
  'a.b-c',
  '_x1',
  'constructor',
  'toString',
  '__proto__',
  'xml',
  'a:b',
  '1bad',
);
/** Anything a value could hold, markup characters, CR, entities and astral characters included. */
const values = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.constantFrom(
    '',
    ' ',
    '  x  ',
    '&amp;',
    '&lt;b&gt;',
    'a]]>b',
    'a<b',
    'a>b',
    '\r\n',
    'x\ny',
    '😀𠮷',
    '\u0001',
    '\t',
  ),
);
const spaces = fc.constantFrom('', '', ' ', '\n', '\n  ', '\t', '\r\n');
const child = fc.record({
  name: names,
  value: values,
  form: fc.constantFrom('cdata', 'text', 'empty-self-closing', 'attribute', 'nested', 'split-cdata'),
  before: spaces,
});

function render(c: { name: string; value: string; form: string; before: string }): string {
  switch (c.form) {
    case 'cdata':
      return `${c.before}<${c.name}><![CDATA[${c.value}]]></${c.name}>`;
    case 'text':
      return `${c.before}<${c.name}>${c.value}</${c.name}>`;
    case 'empty-self-closing':
      return `${c.before}<${c.name}/>`;
    case 'attribute':
      return `${c.before}<${c.name} a="1">${c.value}</${c.name}>`;
    case 'nested':
      return `${c.before}<${c.name}><Inner>${c.value}</Inner></${c.name}>`;
    default:
      return `${c.before}<${c.name}><![CDATA[${c.value}]]]]><![CDATA[>]]></${c.name}>`;
  }
}

const documents = fc
  .record({ lead: spaces, children: fc.array(child, { maxLength: 8 }), trail: spaces, tail: spaces })
  .map(({ lead, children, trail, tail }) => `${lead}<xml>${children.map(render).join('')}${trail}</xml>${tail}`);

/** The shape WeChat sends: distinct ASCII names, CDATA or plain values without markup or CR. */
const plainValue = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((v) => !/[<&\r]/.test(v));
const wechatShaped = fc
  .uniqueArray(
    fc.record({
      name: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/).filter((n) => n !== '__proto__'),
      value: plainValue,
      cdata: fc.boolean(),
    }),
    { minLength: 1, maxLength: 10, selector: (c) => c.name },
  )
  .filter((children) => children.every((c) => !c.cdata || !c.value.includes(']]>')))
  .map((children) =>
    children
      .map((c) => (c.cdata ? `<${c.name}><![CDATA[${c.value}]]></${c.name}>` : `<${c.name}>${c.value}</${c.name}>`))
      .join('\n'),
  )
  .map((inner) => `<xml>\n${inner}\n</xml>`);

describe('flat XML scanner', () => {
  it('whenever it accepts a document, the general parser accepts it with the same fields', () => {
    let accepted = 0;
    fc.assert(
      fc.property(documents, (document) => {
        const flat = scanFlatXml(document);
        if (flat === undefined) return;
        accepted++;
        assert.deepStrictEqual({ fields: { ...flat } }, general(document));
      }),
      { numRuns: 3000 },
    );
    // ~110 of 3000 are accepted; 30 leaves room for the generator's randomness.
    assert.ok(accepted >= 30, `the generator reached the scanner's accepting side (${accepted} of 3000)`);
  });

  it('accepts every document of the shape WeChat sends, with the general parser’s result', () => {
    fc.assert(
      fc.property(wechatShaped, (document) => {
        const flat = scanFlatXml(document);
        assert.notEqual(flat, undefined, `declined ${JSON.stringify(document)}`);
        assert.deepStrictEqual({ fields: { ...flat } }, general(document));
      }),
      { numRuns: 1000 },
    );
  });

  it('reads the official and public sample pushes exactly as the general parser does', () => {
    const vectors = [...loadVectors('official-vectors.json'), ...loadVectors('public-vectors.json')];
    const samples = vectors
      .flatMap((v) => [v.plaintext, v.post_body, v.expected?.decrypted_msg_derived])
      .filter((text): text is string => typeof text === 'string' && text.trim().startsWith('<xml>'));
    assert.ok(samples.length >= 3, `the vectors hold sample pushes (found ${samples.length})`);
    let scanned = 0;
    for (const sample of samples) {
      if (scanFlatXml(sample) !== undefined) scanned++;
      assert.deepStrictEqual(parseXml(sample), parseXmlGeneral(sample));
    }
    assert.ok(scanned > 0, 'at least one sample takes the flat path');
  });

  it('declines what only the general parser handles', () => {
    const declined = [
      '<xml></xml>',
      '<xml><A>1</A><A>2</A></xml>',
      '<xml><A a="1">1</A></xml>',
      '<xml><A/></xml>',
      '<xml><A><B>1</B></A></xml>',
      '<xml><A>&amp;</A></xml>',
      '<xml><A>a\r\nb</A></xml>',
      '<xml><A><![CDATA[a]]]]><![CDATA[>b]]></A></xml>',
      '<xml><A>x<![CDATA[y]]></A></xml>',
      '<xml><!-- c --><A>1</A></xml>',
      '<?xml version="1.0"?><xml><A>1</A></xml>',
      '<xml><__proto__>1</__proto__></xml>',
      '<xml><A>1</B></xml>',
      '<xml><A>1</A>tail</xml>',
      '<xml><A>1</A></xml><x/>',
      '<root><A>1</A></root>',
    ];
    for (const document of declined) assert.equal(scanFlatXml(document), undefined, document);
  });

  it('leaves the refusals to parseXml: DOCTYPE, no root, malformed', () => {
    assert.throws(() => parseXml('<!DOCTYPE x><xml><A>1</A></xml>'), { code: 'xml_forbidden' });
    assert.throws(() => parseXml('<xml></xml>'), { code: 'xml_invalid' });
    assert.throws(() => parseXml('<xml><A>1</B></xml>'), { code: 'xml_invalid' });
  });
});
