// The certificates `npm run certs` makes, as the services' configuration reads them: a service starts
// only with its own certificate, its own key and the CA that signed it; each mistake names the variable.
// Needs openssl (the certs command's).
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadGrpcSecurity } from '@rtcroom/common';
import { CertificateError, DevCertificates, makeDevCertificates, serviceNames } from './dev-certificates';

const dir = mkdtempSync(join(tmpdir(), 'rtcroom-tls-config-'));
let certs: DevCertificates;
let foreign: DevCertificates;

beforeAll(() => {
  certs = makeDevCertificates({ outDir: join(dir, 'ours'), clients: ['internal', 'internal-billing'], hosts: ['room.rtcroom.svc', '10.0.0.7'] });
  foreign = makeDevCertificates({ outDir: join(dir, 'foreign') });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const envOf = (name: string, overrides: Record<string, string> = {}) => ({
  GRPC_TLS_CA: certs.caFile,
  GRPC_TLS_CERT: certs.files[name].certFile,
  GRPC_TLS_KEY: certs.files[name].keyFile,
  ...overrides,
});

function refusal(load: () => unknown): ConfigError {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('makeDevCertificates', () => {
  it('names each service in its CN, with SANs for its compose name, loopback and the extra hosts', () => {
    for (const name of serviceNames) {
      const cert = new X509Certificate(readFileSync(certs.files[name].certFile));
      expect(cert.subject).toBe(`CN=${name}`);
      expect(cert.subjectAltName).toBe(`DNS:${name}, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:room.rtcroom.svc, IP Address:10.0.0.7`);
      expect(cert.checkIssued(new X509Certificate(readFileSync(certs.caFile)))).toBe(true);
    }
    expect(Object.keys(certs.files)).toEqual([...serviceNames, 'internal', 'internal-billing']);
  });

  it('keeps the CA when run again, so the renewed certificates are trusted by everyone still running', () => {
    const before = readFileSync(certs.caFile, 'utf8');
    const serial = new X509Certificate(readFileSync(certs.files.room.certFile)).serialNumber;
    const again = makeDevCertificates({ outDir: certs.dir });
    expect(again.newCa).toBe(false);
    expect(readFileSync(certs.caFile, 'utf8')).toBe(before);
    expect(new X509Certificate(readFileSync(certs.files.room.certFile)).serialNumber).not.toBe(serial);
  });

  it('gives why openssl failed as the cause', () => {
    const broken = join(dir, 'broken-ca');
    mkdirSync(broken);
    writeFileSync(join(broken, 'ca.crt'), 'not a certificate');
    writeFileSync(join(broken, 'ca.key'), 'not a key'); // kept as the CA: signing with it fails
    let refused: unknown;
    try {
      makeDevCertificates({ outDir: broken });
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(CertificateError);
    expect(refused).toMatchObject({ message: expect.stringMatching(/^openssl x509 failed/), cause: expect.objectContaining({ status: expect.any(Number) }) });
  });

  it('refuses client names that are not internal ones, and bad hosts or days', () => {
    expect(() => makeDevCertificates({ outDir: join(dir, 'bad'), clients: ['room'] })).toThrow(CertificateError);
    expect(() => makeDevCertificates({ outDir: join(dir, 'bad'), clients: ['internal-no spaces'] })).toThrow(CertificateError);
    expect(() => makeDevCertificates({ outDir: join(dir, 'bad'), hosts: ['a b'] })).toThrow(CertificateError);
    expect(() => makeDevCertificates({ outDir: join(dir, 'bad'), days: 0 })).toThrow(CertificateError);
  });
});

describe('loadGrpcSecurity with certificate files', () => {
  it('takes a service’s own certificate, key and CA', () => {
    expect(loadGrpcSecurity(envOf('room'), 'room')).toEqual({
      tls: { caFile: certs.caFile, certFile: certs.files.room.certFile, keyFile: certs.files.room.keyFile },
      insecure: false,
    });
  });

  it('gives every service, the media bridge too, a certificate its own configuration accepts', () => {
    for (const name of serviceNames) expect(loadGrpcSecurity(envOf(name), name).tls?.certFile).toBe(certs.files[name].certFile);
    expect(serviceNames).toContain('media-bridge');
  });

  it('refuses another service’s certificate, a key that is not the certificate’s, and a certificate from another CA', () => {
    const wrongRole = refusal(() => loadGrpcSecurity(envOf('gateway'), 'room'));
    expect([wrongRole.variable, wrongRole.message]).toEqual(['GRPC_TLS_CERT', expect.stringMatching(/issued to "gateway".*CN=room/)]);
    expect(refusal(() => loadGrpcSecurity(envOf('room', { GRPC_TLS_KEY: certs.files.presence.keyFile }), 'room')).variable).toBe('GRPC_TLS_KEY');
    const otherCa = refusal(() => loadGrpcSecurity(envOf('room', { GRPC_TLS_CERT: foreign.files.room.certFile, GRPC_TLS_KEY: foreign.files.room.keyFile }), 'room'));
    expect([otherCa.variable, otherCa.message]).toEqual(['GRPC_TLS_CERT', expect.stringMatching(/not signed by the CA/)]);
  });

  it('accepts a CA file with several CAs (a CA being replaced), and refuses files that are not PEM', () => {
    const bundle = join(dir, 'bundle.crt');
    writeFileSync(bundle, readFileSync(foreign.caFile, 'utf8') + readFileSync(certs.caFile, 'utf8'));
    expect(loadGrpcSecurity(envOf('room', { GRPC_TLS_CA: bundle }), 'room').tls?.caFile).toBe(bundle);
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate');
    expect(refusal(() => loadGrpcSecurity(envOf('room', { GRPC_TLS_CA: garbage }), 'room')).variable).toBe('GRPC_TLS_CA');
    expect(refusal(() => loadGrpcSecurity(envOf('room', { GRPC_TLS_CERT: garbage }), 'room')).variable).toBe('GRPC_TLS_CERT');
    copyFileSync(certs.caFile, join(dir, 'key-is-a-cert.pem'));
    expect(refusal(() => loadGrpcSecurity(envOf('room', { GRPC_TLS_KEY: join(dir, 'key-is-a-cert.pem') }), 'room')).variable).toBe('GRPC_TLS_KEY');
  });

  it('gives the underlying failure as the cause of a file it cannot use', () => {
    const missing = refusal(() => loadGrpcSecurity(envOf('room', { GRPC_TLS_CA: join(dir, 'no-such.crt') }), 'room'));
    expect([missing.variable, (missing.cause as NodeJS.ErrnoException)?.code]).toEqual(['GRPC_TLS_CA', 'ENOENT']);
    const broken = join(dir, 'broken.crt');
    writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    // (Node's own errors come from outside jest's realm: matched by shape, not instanceof.)
    expect(refusal(() => loadGrpcSecurity(envOf('room', { GRPC_TLS_CERT: broken }), 'room')).cause).toMatchObject({ message: expect.any(String) });
    copyFileSync(certs.caFile, join(dir, 'key-is-a-cert-too.pem'));
    const notKey = refusal(() => loadGrpcSecurity(envOf('room', { GRPC_TLS_KEY: join(dir, 'key-is-a-cert-too.pem') }), 'room'));
    expect([notKey.variable, notKey.cause]).toEqual(['GRPC_TLS_KEY', expect.objectContaining({ message: expect.any(String) })]);
  });
});
