// One join is one trace across the services: each service runs as its own process with tracing on,
// exporting over OTLP/HTTP (JSON) to a receiver in this test, as it would to a collector. Bob's join
// starts at his frame on the gateway, goes over gRPC to the room service (its Postgres statements
// inside), on to the url-issuer for his push URL, and through the outbox relay and NATS back to the
// gateway, which delivers "bob joined" to Alice: every span in one trace, each under its parent.
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, eventually, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient } from '@rtcroom/dev';
import { gatewayv1 } from '@rtcroom/proto';
import { Cluster } from '../support/service-processes';

const secret = 'tracing-e2e-secret-long-enough-for-it';

/** A span as OTLP/JSON exports it, with the service.name of the process that made it. */
interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

/** An OTLP/HTTP receiver (the JSON encoding) that keeps every span it is sent. */
class OtlpReceiver {
  readonly spans: ExportedSpan[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces' && req.method === 'POST') this.take(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private take(body: any): void {
    for (const rs of body.resourceSpans ?? []) {
      const service = rs.resource?.attributes?.find((a: any) => a.key === 'service.name')?.value?.stringValue;
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          const attributes = Object.fromEntries((s.attributes ?? []).map((a: any) => [a.key, Object.values(a.value ?? {})[0]]));
          this.spans.push({ service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || undefined, name: s.name, kind: s.kind, attributes });
        }
      }
    }
  }
}

let database: TestDatabase;
let cluster: Cluster;
const receiver = new OtlpReceiver();

beforeAll(async () => {
  await receiver.start();
  database = await createTestDatabase();
  cluster = await Cluster.start({
    databaseUrl: database.url,
    natsUrl: testNatsUrl,
    accessTokenSecret: secret,
    gateways: 1,
    presences: 1,
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' },
  });
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
  await database?.drop();
  await receiver.stop();
});

it('follows a join from the frame at the gateway through the room service, Postgres, the outbox, NATS and the fan-out in one trace', async () => {
  const alice = await DemoClient.connect(cluster.gatewayUrl(0), issueAccessToken(secret, { identity: 'alice' }));
  const bob = await DemoClient.connect(cluster.gatewayUrl(0), issueAccessToken(secret, { identity: 'bob' }));
  try {
    const first = await alice.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomName: 'traced', createIfMissing: true }) });
    const roomId = first.room!.id;
    // Alice's seat is taken at the gateway once her join's handling ends, after its answer (a join by
    // name reads what it may have missed first); her requests go in order, so a ping answered means it
    // has. Else bob's join could reach her as a replay of that read, not as a delivery in his trace
    // (seen once on a loaded machine).
    await alice.request({ $case: 'ping', value: {} });
    await bob.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomId }) });
    await alice.waitForNotice((n) => n.roomId === roomId && n.notice?.$case === 'memberJoined');

    // Bob's join: the trace in which the gateway delivered a room event to Alice.
    const trace = await eventually(
      () => {
        const delivered = receiver.spans.filter((s) => s.service === 'gateway' && s.name.startsWith('deliver ') && s.attributes['rtcroom.room_id'] === roomId);
        const joins = delivered.map((d) => receiver.spans.filter((s) => s.traceId === d.traceId)).filter((t) => t.some((s) => s.name === 'gateway joinRoom'));
        // Every span of the trace, the relay's publish and the delivery included, has arrived.
        return joins.find((t) => t.some((s) => s.service === 'room' && s.name.startsWith('publish ')));
      },
      15_000,
      "bob's join as one trace",
    );

    const services = new Set(trace.map((s) => s.service));
    expect([...services].sort()).toEqual(expect.arrayContaining(['gateway', 'room']));
    const names = (service: string) => trace.filter((s) => s.service === service).map((s) => s.name);
    expect(names('gateway')).toEqual(expect.arrayContaining(['gateway joinRoom', 'rtcroom.room.v1.RoomService/JoinRoom']));
    expect(names('room')).toContain('rtcroom.room.v1.RoomService/JoinRoom');
    // Bob's push URL was signed in Alice's join: the room's first join signs its own and the free
    // seats' in one call (push-url-grants.ts), in its trace, at both ends.
    const aliceTrace = await eventually(
      () => {
        const batches = receiver.spans.filter((s) => s.service === 'url-issuer' && s.name === 'rtcroom.media.v1.UrlIssuerService/IssuePushUrls');
        return batches.map((b) => receiver.spans.filter((s) => s.traceId === b.traceId)).find((t) => t.some((s) => s.name === 'gateway joinRoom'));
      },
      15_000,
      "alice's join with the URL issuer's span",
    );
    expect(aliceTrace.filter((s) => s.service === 'room').map((s) => s.name)).toContain('rtcroom.media.v1.UrlIssuerService/IssuePushUrls');
    // The room service's Postgres statements are in it, with their text.
    expect(trace.filter((s) => s.service === 'room' && s.attributes['db.system.name'] === 'postgresql').length).toBeGreaterThan(0);

    // One tree: a single root (Bob's frame), every other span under a parent in the same trace.
    const ids = new Set(trace.map((s) => s.spanId));
    const roots = trace.filter((s) => !s.parentSpanId);
    expect(roots.map((s) => `${s.service} ${s.name}`)).toEqual(['gateway gateway joinRoom']);
    expect(trace.filter((s) => s.parentSpanId && !ids.has(s.parentSpanId)).map((s) => s.name)).toEqual([]);
    // The chain from the frame to the delivery: frame -> ... -> relay publish -> delivery.
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const delivery = trace.find((s) => s.service === 'gateway' && s.name.startsWith('deliver '))!;
    const path: string[] = [];
    for (let s: ExportedSpan | undefined = delivery; s; s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined) path.unshift(`${s.service}: ${s.name}`);
    expect(path[0]).toBe('gateway: gateway joinRoom');
    // Span names keep the subject's shape, not its room: few names, the subject in an attribute.
    expect(path).toContain('room: publish rtcroom.room.*.member.joined');
    expect(path[path.length - 1]).toBe('gateway: deliver rtcroom.room.*.member.joined');
    expect(delivery.attributes['messaging.destination.name']).toBe(`rtcroom.room.${roomId}.member.joined`);
    expect(path).toContainEqual('room: rtcroom.room.v1.RoomService/JoinRoom');
  } finally {
    await alice.close();
    await bob.close();
  }
}, 60_000);
