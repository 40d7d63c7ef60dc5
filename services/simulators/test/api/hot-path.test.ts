import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { type ApiHarness, startApi, testAccount } from '../helpers.js';

const account = testAccount();
const sendPath = '/cgi-bin/message/template/send';

/** What a client sees of one answer, less the parts that differ by design (rid, msgid values). */
interface Seen {
  readonly status: number;
  readonly type: string;
  readonly errcode: unknown;
}

async function post(api: ApiHarness, query: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const response = await fetch(`${api.url}${sendPath}${query}`, { method: 'POST', headers, body }).catch(
    () => undefined,
  );
  if (response === undefined)
    return { status: 0, type: 'dropped', json: {} as Record<string, unknown>, hasEtag: false };
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  const json = type.startsWith('application/json') ? (JSON.parse(text) as Record<string, unknown>) : {};
  return { status: response.status, type, json, hasEtag: response.headers.has('etag') };
}

async function control(api: ApiHarness, method: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.ok, true, `${method} ${path} → ${response.status}`);
}

/**
 * One script of template sends covering every answer the route gives and every fault control:
 * what each call saw, the msgids that must repeat, the sends that took effect and the counters.
 */
async function script(api: ApiHarness) {
  const token = await api.token(account);
  const q = `?access_token=${token}`;
  const send = (extra: Record<string, unknown> = {}) =>
    post(api, q, JSON.stringify({ touser: 'o_alice', template_id: 'tpl-order', ...extra }));
  const faulted = async (spec: Record<string, unknown>) => {
    await api.post('/_sim/faults', { api: sendPath, times: 1, ...spec });
    return send();
  };
  const answers = [
    await post(api, '', '{}'),
    await post(api, '?access_token=nope', '{}'),
    await post(api, q, ''),
    await post(api, q, 'not json'),
    await post(api, q, '[1]'),
    // Blank as String#trim sees it (Unicode spaces, a line separator, a byte-order mark), bytes that are not UTF-8.
    await post(api, q, ' \n\t\u00a0\u2028\u3000 '),
    await post(api, q, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])),
    await post(api, q, Buffer.from([0xef, 0xbb, 0xbf, 0x20, 0x0a])),
    await send({ template_id: 'tpl-none' }),
    await send({ touser: 'o_nobody' }),
    await send(),
    await send({ client_msg_id: 'c1' }),
    await send({ client_msg_id: 'c1' }),
    await faulted({ errcode: 45015 }),
    await faulted({ errcode: 45009, phase: 'after' }),
    await faulted({ status: 502 }),
    await faulted({ delayMs: 20 }),
    await faulted({ drop: true }),
    await faulted({ drop: true, phase: 'after' }),
  ];
  await control(api, 'POST', '/_sim/hosts/api', { isDown: true, mode: '503' });
  answers.push(await send());
  await control(api, 'POST', '/_sim/hosts/api', { isDown: false });
  await control(api, 'PUT', '/_sim/quotas', { api: sendPath, perMinute: 1 });
  answers.push(await send(), await send());
  const seen: Seen[] = answers.map(({ status, type, json }) => ({ status, type, errcode: json.errcode }));
  const repeated = answers[11]?.json.msgid === answers[12]?.json.msgid;
  const calls = (await api.get(`/_sim/calls?api=${encodeURIComponent(sendPath)}`)).calls;
  return { seen, repeated, sends: api.state.templateSends().length, calls, hasEtag: answers[10]?.hasEtag };
}

describe('template sends served ahead of Express (the hot path)', () => {
  const running: ApiHarness[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((api) => api.close()));
  });
  const start = async (isExpressOnly: boolean) => {
    const api = await startApi([account], { isExpressOnly });
    running.push(api);
    return api;
  };

  it('answers every case and fault control as the Express route does, and counts the calls alike', async () => {
    const { hasEtag: hotEtag, ...hot } = await script(await start(false));
    const { hasEtag: expressEtag, ...express } = await script(await start(true));
    assert.deepEqual([hotEtag, expressEtag], [false, true], 'Express served one, the hot path the other');
    assert.deepEqual(hot, express);
    assert.equal(hot.repeated, true, 'a repeated client_msg_id answers the first msgid');
    assert.deepEqual(
      hot.seen.map((s) => s.errcode),
      [
        41001,
        40014,
        44002,
        47001,
        47001,
        44002,
        47001,
        44002,
        40037,
        40003,
        0,
        0,
        0,
        45015,
        45009,
        undefined,
        0,
        undefined,
        undefined,
        undefined,
        0,
        45011,
      ],
    );
    assert.deepEqual(
      [15, 17, 18, 19].map((i) => hot.seen[i]?.status),
      [502, 0, 0, 503],
      'a proxy page, dropped before and after the send, a host down',
    );
    assert.equal(hot.sends, 6, 'the sends that took effect, the after-phase faults included');
  });

  it('leaves to Express a body it reads differently: compressed, chunked, or in another charset', async () => {
    const api = await start(false);
    const token = await api.token(account);
    const body = JSON.stringify({ touser: 'o_alice', template_id: 'tpl-order' });
    const q = `?access_token=${token}`;
    const gzip = await post(api, q, gzipSync(body), { 'content-encoding': 'gzip' });
    assert.equal(gzip.json.errcode, 0);
    const chunked = await fetch(`${api.url}${sendPath}${q}`, {
      method: 'POST',
      body: new Blob([body]).stream(),
      duplex: 'half',
    } as RequestInit);
    assert.equal(((await chunked.json()) as { errcode: number }).errcode, 0);
    const latin1 = await post(api, q, Buffer.from(body, 'latin1'), { 'content-type': 'text/plain; charset=latin1' });
    assert.equal(latin1.json.errcode, 0);
    assert.equal(api.state.templateSends().length, 3);
    assert.deepEqual([gzip.hasEtag, latin1.hasEtag], [true, true], 'Express answered (its ETag)');
  });

  it('reads a body that arrives in pieces, a character split between them', async () => {
    const api = await start(false);
    const token = await api.token(account);
    const body = Buffer.from(
      JSON.stringify({ touser: 'o_alice', template_id: 'tpl-order', data: { keyword1: { value: '巧克力' } } }),
    );
    const split = body.indexOf(Buffer.from('克')) + 1;
    const { port } = new URL(api.url);
    const socket = connect(Number(port), '127.0.0.1');
    const answer = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('"errcode"')) resolve(text);
      });
    });
    socket.write(
      `POST ${sendPath}?access_token=${token} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body.subarray(0, split));
    await new Promise((resolve) => setTimeout(resolve, 30));
    socket.write(body.subarray(split));
    assert.match(await answer, /"errcode":0/);
    socket.destroy();
    assert.deepEqual(api.state.templateSends()[0]?.request.data, { keyword1: { value: '巧克力' } });
  });
});
