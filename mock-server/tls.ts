/**
 * TLS material for `--tls`: a self-signed certificate generated at start with the `selfsigned`
 * package (v5: async, WebCrypto-based, so no OpenSSL binary is needed), or PEM files from
 * `--cert` / `--key`. The official `openai` SDK always dials `wss:` (§1.1), so this is what lets it
 * connect; clients trust the generated certificate by passing {@link TlsMaterial.certPem} as a CA.
 */
import { readFile } from 'node:fs/promises';
import { generate } from 'selfsigned';
import { ConfigError } from '../common/errors.ts';

/** Certificate and key, PEM. */
export interface TlsMaterial {
  readonly certPem: string;
  readonly keyPem: string;
  /** True when generated at start (self-signed). */
  readonly selfSigned: boolean;
}

/**
 * Generates a self-signed certificate for `localhost`, `127.0.0.1`, `::1` and `host` (when it is a
 * name or another address), valid for one day before and 30 days after now. EC P-256 keeps
 * generation fast (tens of ms).
 */
export async function generateSelfSigned(host: string): Promise<TlsMaterial> {
  const altNames: { type: 2 | 7; value?: string; ip?: string }[] = [
    { type: 2, value: 'localhost' },
    { type: 7, ip: '127.0.0.1' },
    { type: 7, ip: '::1' },
  ];
  const isIp = /^[\d.]+$/.test(host) || host.includes(':');
  if (host !== 'localhost' && host !== '127.0.0.1' && host !== '::1' && host !== '0.0.0.0' && host !== '::') {
    altNames.push(isIp ? { type: 7, ip: host } : { type: 2, value: host });
  }
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: 'rth mock server' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 86_400_000),
    notAfterDate: new Date(now + 30 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { certPem: pems.cert, keyPem: pems.private, selfSigned: true };
}

/** Reads `--cert` / `--key` PEM files; a ConfigError names the flag of a file that cannot be read. */
export async function loadTlsFiles(certFile: string, keyFile: string): Promise<TlsMaterial> {
  const problems: string[] = [];
  const read = async (path: string, flag: string): Promise<string> => {
    try {
      const text = await readFile(path, 'utf8');
      if (!text.includes('-----BEGIN')) problems.push(`${flag} ${path}: not a PEM file (no "-----BEGIN" line)`);
      return text;
    } catch (err) {
      problems.push(`${flag} ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      return '';
    }
  };
  const [certPem, keyPem] = await Promise.all([read(certFile, '--cert'), read(keyFile, '--key')]);
  if (problems.length > 0) throw new ConfigError('E_FLAG', problems);
  return { certPem, keyPem, selfSigned: false };
}
