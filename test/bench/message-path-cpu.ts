/**
 * CPU per call of the protocol steps of the webhook (locate `<Encrypt>`, msg_signature,
 * decrypt, parse), in-process, without HTTP or Redis — a micro-benchmark to compare two
 * versions of that code on a busy machine, where whole-server figures drift too much.
 * Also the cost of refusing the most expensive hostile bodies of MPSTACK_MAX_BODY_BYTES.
 *
 *   node test/dist/bench/message-path-cpu.js
 *
 * Prints the median of five 300 ms samples (µs of process CPU per call) for each case.
 */
import {
  decodeAesKey,
  encryptMessage,
  locateEncrypt,
  msgSignature,
  openEncryptValue,
  parseMessageXml,
} from '@mpstack/common/wechat';

const key = decodeAesKey('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG');
const appId = 'wx1234567890abcdef';
const token = 'token';
const timestamp = '1700000000';
const nonce = '1234567890';

const head =
  '<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[oUser123456789012345678901]]></FromUserName>' +
  '<CreateTime>1700000000</CreateTime>';
const text = `${head}<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好 hello]]></Content><MsgId>1234567890123456789</MsgId></xml>`;
const menu =
  `${head}<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[scancode_push]]></Event><EventKey><![CDATA[k]]></EventKey>` +
  '<ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[1]]></ScanResult></ScanCodeInfo></xml>';

function sealed(xml: string, outer: (encrypt: string) => string): { body: string; signature: string } {
  const encrypt = encryptMessage(key, appId, xml);
  return { body: outer(encrypt), signature: msgSignature(token, timestamp, nonce, encrypt) };
}

const safe = sealed(
  text,
  (e) => `<xml><ToUserName><![CDATA[gh_x]]></ToUserName><Encrypt><![CDATA[${e}]]></Encrypt></xml>`,
);
const decoy = text.replace('你好 hello', '<Encrypt>x</Encrypt>');
const compat = sealed(decoy, (e) => decoy.replace('</xml>', `<Encrypt><![CDATA[${e}]]></Encrypt></xml>`));

function open(request: { body: string; signature: string }): void {
  const encrypt = locateEncrypt(request.body);
  const opened = openEncryptValue({
    encrypt,
    token,
    timestamp,
    nonce,
    msgSignature: request.signature,
    keys: [key],
    appId,
  });
  parseMessageXml(opened.xml);
}

function refused(body: string): () => void {
  return () => {
    try {
      parseMessageXml(body);
    } catch {
      return;
    }
    throw new Error('a hostile body was accepted');
  };
}

const start = `${head}<MsgType>text</MsgType>`;
const bypass = `<!--<![CDATA[--><!DOCTYPE x [<!ENTITY a "${'x'.repeat(30_000)}">]><!--]]>-->`;
const cases: ReadonlyArray<readonly [string, () => void]> = [
  ['safe mode text: locate, verify, decrypt, parse', () => open(safe)],
  ['compatible mode, <Encrypt> in the user text', () => open(compat)],
  ['plaintext flat text', () => parseMessageXml(text)],
  ['plaintext nested event (general parser)', () => parseMessageXml(menu)],
  [
    'refused 64 KB: entity bomb behind the comment bypass',
    refused(`${start}${bypass}<C>${'&a;'.repeat(10_000)}</C></xml>`),
  ],
  ['refused 64 KB: CDATA openers never closed', refused(`${start}<C>${'<![CDATA[<!DOCTYPE '.repeat(3_400)}</C></xml>`)],
  ['refused 64 KB: 9,000 levels of nesting', refused(`${start}${'<a>'.repeat(9_000)}${'</a>'.repeat(9_000)}</xml>`)],
  ['refused 64 KB: 10,000 attributes', refused(`${start}<A ${'b="1" '.repeat(10_000)}/></xml>`)],
];

for (const [name, run] of cases) {
  for (let i = 0; i < 200; i++) run();
  const samples: number[] = [];
  for (let sample = 0; sample < 5; sample++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    let calls = 0;
    while (performance.now() - started < 300) {
      run();
      calls++;
    }
    const used = process.cpuUsage(cpu);
    samples.push((used.user + used.system) / calls);
  }
  samples.sort((a, b) => a - b);
  const median = samples[2] ?? 0;
  process.stdout.write(`${name.padEnd(56)} ${median.toFixed(2).padStart(9)} µs\n`);
}
