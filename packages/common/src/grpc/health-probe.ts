// A container health check for the gRPC services: node health-probe.js <host:port> [service]
// Exits 0 when grpc.health.v1.Health/Check answers SERVING, else 1 (2: a bad command line). With
// GRPC_TLS_CA set (the service's own environment) it speaks TLS; health needs no client certificate.
import { readCommandLine, usageFailed } from '../command-line';
import { checkHealth } from './health-check';

const usage = `usage: [GRPC_TLS_CA=ca.crt] node health-probe.js [host:port] [service]
Asks grpc.health.v1.Health/Check at host:port (default 127.0.0.1:50051) about the service (default:
the server as a whole); exits 0 when it answers SERVING, else 1.
`;

const { positionals } = readCommandLine(usage, { allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
if (positionals.length > 2) usageFailed(usage, `unexpected argument ${positionals[2]}`);
const [address = '127.0.0.1:50051', service = ''] = positionals;
const caFile = process.env.GRPC_TLS_CA || undefined;
checkHealth(address, service, caFile ? { caFile } : undefined).then((answer) => {
  process.stdout.write(answer.serving ? 'SERVING\n' : `NOT SERVING ${answer.error ?? ''}\n`);
  process.exit(answer.serving ? 0 : 1);
});
