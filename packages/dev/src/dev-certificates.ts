// A development CA and the certificates rtcroom's services trust each other with (mutual TLS), made
// with the system's openssl. Each service certificate names its role in the subject CN and carries
// SANs for its compose service name, localhost and 127.0.0.1; client certificates (`internal`,
// `internal-<name>`) are for business systems and operators. An existing CA in the directory is kept,
// so running it again renews or adds certificates that every running service still trusts.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { callerNamePattern } from '@rtcroom/common';

// media-bridge runs apart (it needs Janus and ffmpeg) but is trusted and named like the others.
export const serviceNames = ['gateway', 'room', 'presence', 'url-issuer', 'media-bridge'] as const;

export interface DevCertificateOptions {
  /** Where ca.crt, ca.key, <name>.crt and <name>.key are written. */
  outDir: string;
  /** Client certificates to make: `internal` or `internal-<name>` (default: internal). */
  clients?: string[];
  /** Extra DNS names or IP addresses for every service certificate (e.g. room.rtcroom.svc). */
  hosts?: string[];
  /** Validity of the service and client certificates, in days (default 365). */
  days?: number;
  /** Make a new CA even when outDir holds one (every certificate signed by the old one stops being trusted). */
  newCa?: boolean;
}

export interface DevCertificates {
  dir: string;
  caFile: string;
  /** Whether the CA was made now (false: the existing one was kept). */
  newCa: boolean;
  /** Per name (gateway, room, ..., internal): its certificate and key files. */
  files: Record<string, { certFile: string; keyFile: string }>;
}

export class CertificateError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CertificateError';
  }
}

export function makeDevCertificates(options: DevCertificateOptions): DevCertificates {
  const clients = options.clients ?? ['internal'];
  for (const name of clients) {
    if (!/^internal(-|$)/.test(name) || !callerNamePattern.test(name)) {
      throw new CertificateError(`client "${name}" must be internal or internal-<name> (letters, digits, - and _, up to 48)`);
    }
  }
  const hosts = options.hosts ?? [];
  for (const host of hosts) {
    if (!/^[A-Za-z0-9.:-]{1,253}$/.test(host)) throw new CertificateError(`host "${host}" is not a DNS name or IP address`);
  }
  const days = options.days ?? 365;
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new CertificateError('days must be a whole number from 1 to 3650');
  const dir = options.outDir;
  mkdirSync(dir, { recursive: true });
  const caFile = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  // Made beside, then renamed into place: a running service that reads the files meanwhile sees the
  // old pair or the new one (rotation), hardly ever half of each.
  const work = mkdtempSync(join(dir, '.work-'));
  try {
    const makeCa = options.newCa || !existsSync(caFile) || !existsSync(caKey);
    if (makeCa) {
      const conf = writeConf(work, 'ca', 'rtcroom development CA', ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign', 'subjectKeyIdentifier = hash']);
      openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', caKey, '-out', caFile, '-days', '3650', '-config', conf]);
      chmodSync(caKey, 0o600);
    }
    const files: DevCertificates['files'] = {};
    for (const name of serviceNames) {
      const sans = [name, 'localhost', '127.0.0.1', '::1', ...hosts].map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`));
      files[name] = leaf(work, dir, name, days, ['extendedKeyUsage = serverAuth, clientAuth', `subjectAltName = ${[...new Set(sans)].join(', ')}`]);
    }
    for (const name of clients) files[name] = leaf(work, dir, name, days, ['extendedKeyUsage = clientAuth']);
    return { dir, caFile, newCa: makeCa, files };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function leaf(work: string, dir: string, name: string, days: number, extensions: string[]): { certFile: string; keyFile: string } {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  const [newCert, newKey] = [join(work, `${name}.crt`), join(work, `${name}.key`)];
  const csr = join(work, `${name}.csr`);
  const conf = writeConf(work, name, name, [
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
    ...extensions,
  ]);
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', newKey, '-out', csr, '-config', conf]);
  chmodSync(newKey, 0o600);
  const serial = `0x${randomBytes(16).toString('hex')}`;
  openssl(['x509', '-req', '-in', csr, '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'), '-set_serial', serial, '-days', String(days), '-out', newCert, '-extfile', conf, '-extensions', 'ext']);
  renameSync(newKey, keyFile);
  renameSync(newCert, certFile);
  return { certFile, keyFile };
}

function writeConf(work: string, file: string, cn: string, extensions: string[]): string {
  const path = join(work, `${file}.cnf`);
  writeFileSync(path, ['[req]', 'prompt = no', 'distinguished_name = dn', 'x509_extensions = ext', '[dn]', `CN = ${cn}`, '[ext]', ...extensions, ''].join('\n'));
  return path;
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new CertificateError('openssl was not found: install it (apt-get install openssl)', { cause: err });
    throw new CertificateError(`openssl ${args[0]} failed: ${e.stderr?.toString().trim() || e.message}`, { cause: err });
  }
}
