// Makes a development CA and certificates for mutual TLS between the services:
//   npm run certs -- [--out .rtcroom-certs] [--client internal-billing]... [--host room.example.internal]... [--days 365] [--new-ca]
// Writes ca.crt and ca.key (kept when present: running it again renews the certificates under the
// same CA), gateway, room, presence, url-issuer and media-bridge .crt/.key (server and client), and one client
// certificate per --client (default: internal). Bad usage exits 2.
import { resolve } from 'node:path';
import { readCommandLine, usageFailed } from '@rtcroom/common';
import { CertificateError, makeDevCertificates } from './dev-certificates';

const usage = 'usage: npm run certs -- [--out DIR] [--client internal|internal-<name>]... [--host NAME]... [--days N] [--new-ca]\n';

function main(): void {
  const { values } = readCommandLine(usage, {
    options: {
      out: { type: 'string', default: '.rtcroom-certs' },
      client: { type: 'string', multiple: true },
      host: { type: 'string', multiple: true },
      days: { type: 'string', default: '365' },
      'new-ca': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const days = Number(values.days);
  try {
    const made = makeDevCertificates({ outDir: resolve(values.out), clients: values.client, hosts: values.host, days, newCa: values['new-ca'] });
    const dir = made.dir;
    process.stdout.write(
      [
        `${made.newCa ? 'made a new CA' : 'kept the CA'} in ${dir}/ca.crt; certificates: ${Object.keys(made.files).join(', ')}`,
        '',
        'Each service: GRPC_TLS_CA, GRPC_TLS_CERT and GRPC_TLS_KEY, e.g. the room service:',
        `  GRPC_TLS_CA=${dir}/ca.crt GRPC_TLS_CERT=${dir}/room.crt GRPC_TLS_KEY=${dir}/room.key`,
        `All but the media bridge in one process: RTCROOM_CERTS_DIR=${dir} npm run up`,
        `The media bridge: GRPC_TLS_CERT=${dir}/media-bridge.crt GRPC_TLS_KEY=${dir}/media-bridge.key; the url-issuer reaches it at MEDIA_BRIDGE_ADDRESS (SAN media-bridge).`,
        `An internal system presents ${dir}/${(values.client ?? ['internal'])[0]}.crt and .key (README: "How an internal system calls rtcroom").`,
        'Keep ca.key away from the services: it signs anything they will trust.',
        '',
      ].join('\n'),
    );
  } catch (err) {
    if (err instanceof CertificateError) usageFailed(usage, err);
    throw err;
  }
}

main();
