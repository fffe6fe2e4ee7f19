import { createHash, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/**
 * The kiosk's own TLS certificate for the LAN staff console: self-signed (there is no CA on a
 * checkpoint LAN), EC P-256, made once per data directory and kept in `<data>/console-tls/`
 * (key 0600). Its subject alternative names are the kiosk's host name, its LAN addresses and the
 * loopback address. A technician trusts exactly this certificate on a tablet by its SHA-256
 * fingerprint (docs/staff-console-lan.md).
 */
export const TLS_DIR = 'console-tls';
const VALID_DAYS = 825;

export interface KioskCertificate {
  key: string;
  cert: string;
  /** SHA-256 of the certificate (DER), as `AB:CD:...`: what the technician compares on the tablet. */
  fingerprint: string;
  /** base64 SHA-256 of the public key (SPKI): for Chromium's --ignore-certificate-errors-spki-list. */
  spkiSha256: string;
  validTo: string;
}

export function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a): a is NonNullable<typeof a> => a !== undefined && !a.internal && a.family === 'IPv4')
    .map((a) => a.address);
}

/** Loads the certificate, or makes one (and keeps it) when there is none or it expires within 30 days. */
export async function kioskCertificate(dataDir: string, now = new Date()): Promise<KioskCertificate> {
  const dir = join(dataDir, TLS_DIR);
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  if (existsSync(keyFile) && existsSync(certFile)) {
    const loaded = describe(readFileSync(keyFile, 'utf8'), readFileSync(certFile, 'utf8'));
    if (Date.parse(loaded.validTo) - now.getTime() > 30 * 86_400_000) return loaded;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const altNames = [
    { type: 2 as const, value: hostname() },
    { type: 2 as const, value: 'localhost' },
    { type: 7 as const, ip: '127.0.0.1' },
    ...lanAddresses().map((ip) => ({ type: 7 as const, ip })),
  ];
  const pems = await generate([{ name: 'commonName', value: `checkpoint-kiosk ${hostname()}` }, { name: 'organizationName', value: 'checkpoint-kiosk' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + VALID_DAYS * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  writeAtomic(keyFile, pems.private, 0o600);
  writeAtomic(certFile, pems.cert, 0o644);
  return describe(pems.private, pems.cert);
}

function writeAtomic(file: string, text: string, mode: number): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

function describe(key: string, cert: string): KioskCertificate {
  const x = new X509Certificate(cert);
  const spki = x.publicKey.export({ type: 'spki', format: 'der' });
  return { key, cert, fingerprint: x.fingerprint256, spkiSha256: createHash('sha256').update(spki).digest('base64'), validTo: new Date(x.validTo).toISOString() };
}
