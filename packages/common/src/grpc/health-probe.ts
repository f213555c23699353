// A container health check for the gRPC services: node health-probe.js <host:port> [service]
// Exits 0 when grpc.health.v1.Health/Check answers SERVING, else 1. With GRPC_TLS_CA set (the
// service's own environment) it speaks TLS; health needs no client certificate.
import { checkHealth } from './health-check';

const [address = '127.0.0.1:50051', service = ''] = process.argv.slice(2);
const caFile = process.env.GRPC_TLS_CA || undefined;
checkHealth(address, service, caFile ? { caFile } : undefined).then((answer) => {
  process.stdout.write(answer.serving ? 'SERVING\n' : `NOT SERVING ${answer.error ?? ''}\n`);
  process.exit(answer.serving ? 0 : 1);
});
