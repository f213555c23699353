// A container health check for the gRPC services: node health-probe.js <host:port> [service]
// Exits 0 when grpc.health.v1.Health/Check answers SERVING, else 1.
import * as grpc from '@grpc/grpc-js';

const [address = '127.0.0.1:50051', service = ''] = process.argv.slice(2);
// grpc.health.v1.HealthCheckRequest { string service = 1; } and its response { ServingStatus status = 1; }
const encodeRequest = (name: string) => {
  const bytes = Buffer.from(name, 'utf8');
  return bytes.length ? Buffer.concat([Buffer.from([0x0a, bytes.length]), bytes]) : Buffer.alloc(0);
};
const client = new grpc.Client(address, grpc.credentials.createInsecure());
client.makeUnaryRequest(
  '/grpc.health.v1.Health/Check',
  () => encodeRequest(service),
  (buf: Buffer) => buf,
  {},
  new grpc.Metadata(),
  { deadline: Date.now() + 3000 },
  (err, res) => {
    const serving = !err && res !== undefined && res.length >= 2 && res[0] === 0x08 && res[1] === 1;
    process.stdout.write(serving ? 'SERVING\n' : `NOT SERVING ${err?.message ?? ''}\n`);
    client.close();
    process.exit(serving ? 0 : 1);
  },
);
