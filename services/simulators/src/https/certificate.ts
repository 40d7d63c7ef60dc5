import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** A CA and a server certificate it signed, PEM-encoded, for the simulator's HTTPS listener. */
export interface SimulatorCertificate {
  /** The CA a client trusts (`NODE_EXTRA_CA_CERTS`, undici's `connect.ca`, `curl --cacert`). */
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface CertificateOptions {
  /** Names the server certificate covers: DNS names and IP addresses. */
  readonly hosts?: readonly string[];
  readonly now?: number;
  /** Validity of both certificates (default 30 days: a fresh pair is made at every start). */
  readonly validDays?: number;
}

const defaultHosts = ['localhost', '127.0.0.1', '::1'] as const;

/** RSA keys from node:crypto (native, fast) as forge keys. */
function rsaKeys(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; pem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return {
    privateKey: forge.pki.privateKeyFromPem(privateKey),
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
    pem: privateKey,
  };
}

function isIp(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

function baseCertificate(publicKey: forge.pki.PublicKey, now: number, validDays: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A positive serial: 16 random bytes with the top bit cleared.
  cert.serialNumber = `0${randomBytes(16).toString('hex').slice(1)}`;
  cert.validity.notBefore = new Date(now - 3600_000);
  cert.validity.notAfter = new Date(now + validDays * 86_400_000);
  return cert;
}

/**
 * A small CA and a server certificate for the simulator's names, made at start so no key is
 * shipped: the CA's private key is discarded once it signed, so the CA can vouch for nothing else.
 */
export function generateCertificate(options: CertificateOptions = {}): SimulatorCertificate {
  const now = options.now ?? Date.now();
  const validDays = options.validDays ?? 30;
  const hosts = options.hosts ?? defaultHosts;
  const caKeys = rsaKeys();
  const ca = baseCertificate(caKeys.publicKey, now, validDays);
  const caName = [
    { name: 'commonName', value: `mpstack WeChat simulator CA ${new Date(now).toISOString().slice(0, 10)}` },
    { name: 'organizationName', value: 'mpstack (development only)' },
  ];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const serverKeys = rsaKeys();
  const cert = baseCertificate(serverKeys.publicKey, now, validDays);
  cert.setSubject([{ name: 'commonName', value: hosts[0] ?? 'localhost' }]);
  cert.setIssuer(caName);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: hosts.map((host) => (isIp(host) ? { type: 7, ip: host } : { type: 2, value: host })),
    },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKeys.privateKey, forge.md.sha256.create());
  return { caPem: forge.pki.certificateToPem(ca), certPem: forge.pki.certificateToPem(cert), keyPem: serverKeys.pem };
}
