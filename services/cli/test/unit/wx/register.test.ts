import assert from 'node:assert/strict';
import { Command } from 'commander';
import type { CliIo } from '../../../src/wx/io.js';
import { registerWxCommands } from '../../../src/wx/register.js';
import { loadVector, str } from './fixtures.js';

interface FakeIo extends CliIo {
  readonly out: string[];
  readonly err: string[];
}

function fakeIo(stdin: string, files: Readonly<Record<string, string>> = {}): FakeIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    readStdin: async () => stdin,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    readFile: async (path) => {
      const content = files[path];
      if (content === undefined) throw new Error(`ENOENT: ${path}`);
      return content;
    },
  };
}

async function run(io: CliIo, args: readonly string[]): Promise<number> {
  const program = new Command('mpstack').exitOverride();
  registerWxCommands(program, io);
  process.exitCode = undefined;
  try {
    await program.parseAsync(['wx', ...args], { from: 'user' });
    return Number(process.exitCode ?? 0);
  } finally {
    process.exitCode = undefined;
  }
}

describe('registerWxCommands (commander wiring)', () => {
  const mp = loadVector('official-vectors.json', 'tencent-official-mp-sample-decrypt');
  const flags = [
    '--token',
    str(mp, 'token'),
    '--aes-key',
    str(mp, 'encoding_aes_key'),
    '--appid',
    str(mp, 'appid'),
    '--timestamp',
    str(mp, 'timestamp'),
    '--nonce',
    str(mp, 'nonce'),
  ];

  it('wx decrypt --file reads the body from the file and prints the plaintext', async () => {
    const io = fakeIo('', { 'body.xml': str(mp, 'post_body') });
    const code = await run(io, [
      'decrypt',
      ...flags,
      '--msg-signature',
      str(mp, 'msg_signature'),
      '--file',
      'body.xml',
    ]);
    assert.equal(code, 0);
    assert.equal(io.out.join(''), `${str(mp, 'verification.decrypted_msg_derived')}\n`);
  });

  it('wx decrypt reads stdin by default and sets exit code 1 on a bad signature', async () => {
    const io = fakeIo(str(mp, 'post_body'));
    const code = await run(io, ['decrypt', ...flags, '--msg-signature', 'bad']);
    assert.equal(code, 1);
    assert.match(io.err.join(''), /-40001 ValidateSignatureError/);
  });

  it('wx decrypt --file on a missing file is a usage error (exit 2)', async () => {
    const io = fakeIo('');
    const code = await run(io, ['decrypt', ...flags, '--msg-signature', 'x', '--file', 'nope.xml']);
    assert.equal(code, 2);
    assert.match(io.err.join(''), /cannot read --file nope\.xml/);
  });

  it('wx sign prints the msg_signature', async () => {
    const io = fakeIo('');
    const code = await run(io, [
      'sign',
      '--token',
      str(mp, 'token'),
      '--timestamp',
      str(mp, 'timestamp'),
      '--nonce',
      str(mp, 'nonce'),
      '--encrypt',
      str(mp, 'encrypt'),
    ]);
    assert.equal(code, 0);
    assert.equal(io.out.join(''), `${str(mp, 'msg_signature')}\n`);
  });

  it('wx encrypt reads the plaintext from stdin', async () => {
    const v = loadVector('public-vectors.json', 'wxjava-aes-encrypt-text');
    const io = fakeIo(`${str(v, 'plaintext')}\n`);
    const code = await run(io, [
      'encrypt',
      '--token',
      't',
      '--aes-key',
      str(v, 'encoding_aes_key'),
      '--appid',
      str(v, 'appid'),
      '--random',
      str(v, 'random_ascii'),
    ]);
    assert.equal(code, 0);
    assert.equal(io.out.join(''), `${str(v, 'encrypt')}\n`);
  });

  it('wx jssdk-sign prints the signature', async () => {
    const v = loadVector('official-vectors.json', 'jssdk-official-example');
    const io = fakeIo('');
    await run(io, [
      'jssdk-sign',
      '--ticket',
      str(v, 'jsapi_ticket'),
      '--noncestr',
      str(v, 'noncestr'),
      '--timestamp',
      str(v, 'timestamp'),
      '--url',
      str(v, 'url'),
    ]);
    assert.equal(io.out.join(''), `${str(v, 'signature')}\n`);
  });

  it('wx parse reads stdin and prints JSON', async () => {
    const io = fakeIo(str(mp, 'verification.decrypted_msg_derived'));
    const code = await run(io, ['parse']);
    assert.equal(code, 0);
    assert.equal((JSON.parse(io.out.join('')) as { kind: string }).kind, 'text');
  });
});
