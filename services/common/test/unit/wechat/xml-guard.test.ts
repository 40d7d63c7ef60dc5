import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { ErrorCode } from '../../../src/errors/app-error.js';
import { locateEncrypt } from '../../../src/wechat/envelope.js';
import { parseMessageXml } from '../../../src/wechat/messages.js';
import { decodeText, maxXmlBytes, parseXml, parseXmlGeneral } from '../../../src/wechat/xml.js';
import { walkMarkup, xmlLimits } from '../../../src/wechat/xml-guard.js';
import { body, head, isAppError } from './support.js';

const text = '<MsgType>text</MsgType><Content>hi</Content><MsgId>1</MsgId>';
const declaration = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>';

/** Every way a declaration was, or could be, smuggled past a pre-scan. */
const smuggled: ReadonlyArray<readonly [string, string]> = [
  [
    'behind a comment that opens a CDATA (the bypass)',
    `<xml>${head}<!--<![CDATA[-->${declaration}<!--]]>-->${text}<Content2>&b;</Content2></xml>`,
  ],
  ['before the root', `${declaration}${body(text)}`],
  ['after the XML declaration', `<?xml version="1.0"?>${declaration}${body(text)}`],
  ['between children', `<xml>${head}${declaration}${text}</xml>`],
  ['inside a child element', `<xml>${head}<Content>${declaration}</Content></xml>`],
  ['inside a nested element', `<xml>${head}${text}<A><B>${declaration}</B></A></xml>`],
  ['after the root', `${body(text)}${declaration}`],
  ['in lower case', `<!doctype x>${body(text)}`],
  ['as a bare ENTITY', `<xml>${head}<!ENTITY a "b">${text}</xml>`],
  ['as an ELEMENT / ATTLIST', `<xml>${head}<!ELEMENT a ANY><!ATTLIST a b CDATA "c">${text}</xml>`],
  ['as a conditional section', `<xml>${head}<![INCLUDE[<!ENTITY a "b">]]>${text}</xml>`],
  [
    'after a nested CDATA closes at its first ]]>',
    `<xml>${head}<C><![CDATA[<![CDATA[x]]>${declaration}]]></C>${text}</xml>`,
  ],
  [
    'after a processing instruction that ends at its first ?>',
    `<xml>${head}<?pi x?>${declaration}<?pi y?>${text}</xml>`,
  ],
  ['after a comment that ends at its first -->', `<xml>${head}<!-- a -->${declaration}<!-- b -->${text}</xml>`],
];

/** Best of five, in ms: robust against a busy machine. */
function fastest(run: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    run();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

function attempt(run: () => unknown): () => void {
  return () => {
    try {
      run();
    } catch {
      // refusals are what is timed
    }
  };
}

describe('wechat/xml-guard walkMarkup and the parser behind it', () => {
  for (const [where, document] of smuggled) {
    it(`refuses a declaration ${where} (xml_forbidden), through both paths and the envelope`, () => {
      assert.throws(() => parseXml(document), isAppError(ErrorCode.xmlForbidden));
      assert.throws(() => parseXmlGeneral(document), isAppError(ErrorCode.xmlForbidden));
      assert.throws(() => walkMarkup(document, 'Encrypt'), isAppError(ErrorCode.xmlForbidden));
    });
  }

  it('reads declarations that are only text: in CDATA, a comment or a processing instruction', () => {
    const mention = '<!DOCTYPE html> <!ENTITY x "y">';
    const document = `<xml>${head}<!-- ${mention} --><?pi ${mention}?>${text.replace('hi', `<![CDATA[${mention}]]>`)}<A><B>1</B></A></xml>`;
    const message = parseMessageXml(document);
    assert.ok(message.kind === 'text');
    assert.equal(message.content, mention);
  });

  it('splits a processing instruction where the parser does (a quoted ?> does not end it)', () => {
    // The walk must not see a comment where the parser sees elements, or the other way round.
    const deep = '<a>'.repeat(xmlLimits.maxDepth + 1) + '</a>'.repeat(xmlLimits.maxDepth + 1);
    const document = `<xml>${head}<?pi "?><!--" ?>${deep}<!-- -->${text}</xml>`;
    assert.throws(() => parseXml(document), isAppError(ErrorCode.xmlTooComplex));
  });

  it('never expands an entity: undeclared references stay as written, predefined ones decode once', () => {
    const fields = parseXmlGeneral(`<xml>${head}<A>&b;&amp;lt;&#65;&#x42;&#0;&lt;</A><B><C>&gt;</C></B></xml>`);
    assert.equal(fields['A'], '&b;&lt;AB&#0;<');
    assert.equal(fields['B'], '{"C":">"}');
  });

  it('keeps CDATA verbatim and text and CDATA in document order', () => {
    const fields = parseXmlGeneral(`<xml>${head}<A>x&amp;<![CDATA[&amp;]]>z</A><B> <![CDATA[]]> </B></xml>`);
    assert.deepEqual([fields['A'], fields['B']], ['x&&amp;z', '  ']);
  });

  it('decodeText leaves references to forbidden characters and unknown names alone', () => {
    assert.equal(decodeText('&#xD800;&#1114112;&nbsp;&quot;&apos;'), '&#xD800;&#1114112;&nbsp;"\'');
  });

  it(`bounds nesting at ${xmlLimits.maxDepth} levels (xml_too_complex, not a stack overflow)`, () => {
    const nest = (levels: number) => `<xml>${head}${'<a>'.repeat(levels)}x${'</a>'.repeat(levels)}${text}</xml>`;
    assert.doesNotThrow(() => parseXml(nest(xmlLimits.maxDepth - 1)));
    assert.throws(() => parseXml(nest(xmlLimits.maxDepth)), isAppError(ErrorCode.xmlTooComplex, /deeper/));
    assert.throws(() => parseXml(nest(4_200)), isAppError(ErrorCode.xmlTooComplex, /deeper/));
  });

  it(`bounds attributes per element at ${xmlLimits.maxAttributes} and elements at ${xmlLimits.maxElements}`, () => {
    const attributes = (n: number) => Array.from({ length: n }, (_, i) => ` a${i}="=>${i}"`).join('');
    assert.doesNotThrow(() => parseXml(`<xml${attributes(xmlLimits.maxAttributes)}>${head}${text}</xml>`));
    assert.throws(
      () => parseXml(`<xml>${head}<A${attributes(xmlLimits.maxAttributes + 1)}/>${text}</xml>`),
      isAppError(ErrorCode.xmlTooComplex, /attributes/),
    );
    assert.throws(
      () => parseXml(`<xml>${head}${'<b/>'.repeat(xmlLimits.maxElements)}${text}</xml>`),
      isAppError(ErrorCode.xmlTooComplex, /elements/),
    );
  });

  it('refuses unclosed comments, CDATA sections, tags and processing instructions (xml_invalid)', () => {
    for (const open of ['<!-- x', '<![CDATA[ x', '<A b="x>', '<?pi x']) {
      assert.throws(() => parseXml(`<xml>${head}${open}</xml>`), isAppError(ErrorCode.xmlInvalid), open);
    }
  });

  it('reads the root child <Encrypt> only: not one in a comment, CDATA or deeper element', () => {
    const decoys =
      '<!--<Encrypt>c</Encrypt>--><Content><![CDATA[<Encrypt>d</Encrypt>]]></Content><A><Encrypt>n</Encrypt></A>';
    assert.equal(locateEncrypt(`<xml>${decoys}<Encrypt><![CDATA[ QUJD ]]></Encrypt></xml>`), 'QUJD');
  });

  // Timed with a generous bound, best of five: the shapes that were quadratic took ~260 ms
  // at this size (unclosed CDATA openers) and the entity bypass ~900 ms; linear work is a
  // few ms here.
  describe('a hostile body of 192 KB costs a bounded few milliseconds, whatever its shape', () => {
    const size = 192 * 1024;
    const shapes: ReadonlyArray<readonly [string, string]> = [
      ['CDATA openers never closed', `<xml>${head}<A>${'<![CDATA[<!DOCTYPE '.repeat(size / 19)}</A></xml>`],
      ['CDATA openers closed at the end', `<xml>${head}<A>${'<![CDATA[<!-- '.repeat(size / 14)}]]></A></xml>`],
      ['comments', `<xml>${head}${'<!-- <![CDATA[ -->'.repeat(size / 18)}${text}</xml>`],
      ['processing instructions', `<xml>${head}${'<?p "?>" ?>'.repeat(size / 11)}${text}</xml>`],
      ['entity references', `<xml>${head}${text}<A>${'&amp;&#65;&b;'.repeat(size / 13)}</A></xml>`],
      ['one tag of attributes', `<xml>${head}<A ${'b="<!DOCTYPE" '.repeat(size / 14)}/></xml>`],
      ['an unclosed quote', `<xml>${head}<A b="${'<'.repeat(size)}</A></xml>`],
      ['deep nesting', `<xml>${head}${'<a>'.repeat(size / 7)}${'</a>'.repeat(size / 7)}</xml>`],
    ];
    for (const [name, document] of shapes) {
      it(name, () => {
        assert.ok(document.length < maxXmlBytes);
        for (const run of [parseXml, (b: string) => locateEncrypt(b)]) {
          const cost = fastest(attempt(() => run(document)));
          assert.ok(cost < 150, `${name}: ${cost.toFixed(1)} ms`);
        }
      });
    }
  });
});
