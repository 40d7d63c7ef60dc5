/**
 * TEST DOUBLE — a throwaway self-signed certificate for the fake Kubernetes API server,
 * made once per process with the `openssl` CLI. HTTPS matters because kubectl (client-go)
 * does not send a bearer token over plain HTTP; clients skip verification (insecure).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KeyPair {
  readonly key: string;
  readonly cert: string;
}

let cached: KeyPair | undefined;

/** A self-signed certificate for 127.0.0.1, valid one day. */
export function selfSignedCertificate(): KeyPair {
  if (cached !== undefined) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'fake-apiserver-tls-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        certPath,
      ].concat(['-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']),
      { stdio: 'ignore' },
    );
    cached = { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8') };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
