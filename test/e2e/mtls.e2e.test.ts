// Mutual TLS between the services, end to end: the whole system started outside development mode
// (real secrets, Postgres, NATS) with the certificates `npm run certs` makes. Callers without a
// trusted certificate are turned away, each role may call only its methods, and the services' own
// calls (muxed, and unary with RTCROOM_GRPC_MUX=off) carry a client's join through.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { AsyncClient, checkHealth, clientChannel, createClient, DomainError, GrpcTlsConfig } from '@rtcroom/common';
import { createTestDatabase, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient, DevCertificates, makeDevCertificates, RunningSystem, startAll } from '@rtcroom/dev';
import { gatewayv1, presencev1, roomServicev1, roomv1, tokenv1, urlIssuerv1 } from '@rtcroom/proto';

const repoRoot = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'rtcroom-mtls-'));
const certs: DevCertificates = makeDevCertificates({ outDir: join(dir, 'ours') });
// The same names, signed by a CA the system does not know.
const foreign: DevCertificates = makeDevCertificates({ outDir: join(dir, 'foreign') });

/** Trusts our CA; presents `name`'s certificate (from `from`), or none. */
const tlsAs = (name?: string, from: DevCertificates = certs): GrpcTlsConfig => ({ caFile: certs.caFile, ...(name ? from.files[name] : {}) });

const secret = () => randomBytes(32).toString('hex');
let counter = 0;
const roomName = () => `mtls-${Date.now().toString(36)}-${counter++}`;

async function startSecureSystem(database: TestDatabase): Promise<RunningSystem> {
  return startAll({
    env: {
      RTCROOM_DEV: 'false',
      RTCROOM_CERTS_DIR: certs.dir,
      DATABASE_URL: database.url,
      NATS_URL: testNatsUrl,
      ACCESS_TOKEN_SECRET: secret(),
      STREAM_ID_KEY: secret(),
      MEDIA_SIGNING_KEY: secret(),
    },
    ephemeralPorts: true,
    logLevel: (process.env.TEST_LOG as 'debug') ?? 'silent',
  });
}

const clients: Array<{ close(): void }> = [];
function client<D extends Parameters<typeof createClient>[0]>(definition: D, address: string, tls: GrpcTlsConfig, mux = true): AsyncClient<D> {
  const c = createClient(definition, address, 5000, { tls, mux });
  clients.push(c);
  return c;
}

const reasonOf = (p: Promise<unknown>) => p.then(() => 'OK', (err: unknown) => (err instanceof DomainError ? err.reason : String(err)));

/** A token for a WebSocket client, asked of the gateway's TokenService the way a business backend does. */
async function tokenFor(system: RunningSystem, identity: string): Promise<string> {
  const tokens = client(tokenv1.TokenServiceService, system.gatewayGrpcAddress, tlsAs('internal'));
  return (await tokens.issueAccessToken(tokenv1.IssueAccessTokenRequest.fromPartial({ identity, ttlSeconds: 600 }))).token;
}

/** Two clients through the gateway: create, join, see each other, the stream starts, a leave. */
async function walkJoin(system: RunningSystem): Promise<void> {
  const alice = await DemoClient.connect(system.gatewayUrl, await tokenFor(system, 'alice'));
  const bob = await DemoClient.connect(system.gatewayUrl, await tokenFor(system, 'bob'));
  try {
    const created = await alice.request({ $case: 'createRoom', value: { room: roomv1.Room.fromPartial({ name: roomName() }) } });
    const roomId = created.room!.id;
    const join = (c: DemoClient) => c.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomId }) });
    const a = await join(alice); // gateway -> room -> url-issuer (push URL)
    expect(a.pushUrl?.url).toMatch(/^rtmp:\/\//);
    const b = await join(bob);
    expect(b.members.map((m) => m.identity)).toEqual(['alice', 'bob']);
    await alice.waitForNotice((n) => n.notice?.$case === 'memberJoined');
    // gateway -> presence -> room (stream state), then gateway -> url-issuer (bob's play URL)
    const reported = await alice.request({ $case: 'reportPusherEvent', value: { roomId, code: 1002, message: '' } });
    expect(reported.action).toBe('STREAM_STARTED');
    const started = await bob.waitForNotice((n) => n.notice?.$case === 'streamStarted');
    expect(started.notice?.$case === 'streamStarted' && started.notice.value.playUrl?.viewerIdentity).toBe('bob');
    await bob.request({ $case: 'leaveRoom', value: { roomId } });
    await alice.waitForNotice((n) => n.notice?.$case === 'memberLeft');
  } finally {
    await alice.close();
    await bob.close();
  }
}

/** One call to each service's port, as `tls` presents itself. */
function callEveryService(system: RunningSystem, tls: GrpcTlsConfig, mux: boolean): Record<string, Promise<string>> {
  return {
    room: reasonOf(client(roomServicev1.RoomServiceService, system.roomGrpcAddress, tls, mux).listRooms(roomServicev1.ListRoomsRequest.fromPartial({ pageSize: 1 }))),
    presence: reasonOf(client(presencev1.PresenceServiceService, system.presenceGrpcAddress, tls, mux).listOnline(presencev1.ListOnlineRequest.fromPartial({ identities: ['alice'] }))),
    urlIssuer: reasonOf(client(urlIssuerv1.UrlIssuerServiceService, system.urlIssuerAddress, tls, mux).listRecordings(urlIssuerv1.ListRecordingsRequest.fromPartial({ roomId: 'r_x', pageSize: 1 }))),
    tokens: reasonOf(client(tokenv1.TokenServiceService, system.gatewayGrpcAddress, tls, mux).issueAccessToken(tokenv1.IssueAccessTokenRequest.fromPartial({ identity: 'mallory' }))),
  };
}

const resolveAll = async (calls: Record<string, Promise<string>>) => Object.fromEntries(await Promise.all(Object.entries(calls).map(async ([k, p]) => [k, await p])));
const everywhere = (reason: string) => ({ room: reason, presence: reason, urlIssuer: reason, tokens: reason });

/** grpc.reflection.v1 ListServices, raw: resolves with the gRPC status code the stream ends with (0 with an answer). */
function reflect(address: string, tls: GrpcTlsConfig): Promise<number> {
  const channel = clientChannel(tls, address);
  const c = new grpc.Client(address, channel.credentials, channel.options);
  return new Promise((resolve) => {
    const stream = c.makeBidiStreamRequest('/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', (b: Buffer) => b, (b: Buffer) => b);
    const done = (code: number) => (stream.cancel(), c.close(), resolve(code));
    stream.on('data', () => done(0));
    stream.on('error', (err: grpc.ServiceError) => done(err.code));
    stream.write(Buffer.from([0x3a, 0x00])); // list_services: ""
  });
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

describe('mutual TLS between the services (outside development mode)', () => {
  let database: TestDatabase;
  let system: RunningSystem;

  beforeAll(async () => {
    database = await createTestDatabase();
    system = await startSecureSystem(database);
  });
  afterAll(async () => {
    await system?.stop();
    await database?.drop();
  });

  it.each([true, false])('turns away a caller without a client certificate, unary and muxed (mux %s)', async (mux) => {
    expect(await resolveAll(callEveryService(system, tlsAs(), mux))).toEqual(everywhere('UNAUTHENTICATED'));
  });

  it.each([true, false])('turns away a certificate from another CA, even one named internal (mux %s)', async (mux) => {
    expect(await resolveAll(callEveryService(system, tlsAs('internal', foreign), mux))).toEqual(everywhere('UNAUTHENTICATED'));
  });

  it('lets the internal certificate mint tokens and administer rooms, and each service only its own calls', async () => {
    const internal = tlsAs('internal');
    const tokens = client(tokenv1.TokenServiceService, system.gatewayGrpcAddress, internal);
    expect((await tokens.issueAccessToken(tokenv1.IssueAccessTokenRequest.fromPartial({ identity: 'alice', ttlSeconds: 600 }))).token).toMatch(/^ey/);
    const rooms = client(roomServicev1.RoomServiceService, system.roomGrpcAddress, internal);
    const { room } = await rooms.createRoom(roomServicev1.CreateRoomRequest.fromPartial({ room: { name: roomName() } }));
    await rooms.closeRoom(roomServicev1.CloseRoomRequest.fromPartial({ roomId: room!.id }));
    expect((await rooms.getRoom(roomServicev1.GetRoomRequest.fromPartial({ roomId: room!.id }))).room?.state).toBe(roomv1.RoomState.ROOM_STATE_CLOSED);

    // A service's certificate in the wrong hands gets no further than that service's own calls.
    const asPresence = client(tokenv1.TokenServiceService, system.gatewayGrpcAddress, tlsAs('presence'));
    expect(await reasonOf(asPresence.issueAccessToken(tokenv1.IssueAccessTokenRequest.fromPartial({ identity: 'mallory' })))).toBe('PERMISSION_DENIED');
    const asUrlIssuer = client(roomServicev1.RoomServiceService, system.roomGrpcAddress, tlsAs('url-issuer'), false);
    expect(await reasonOf(asUrlIssuer.closeRoom(roomServicev1.CloseRoomRequest.fromPartial({ roomId: room!.id })))).toBe('PERMISSION_DENIED');
    const asGateway = client(urlIssuerv1.UrlIssuerServiceService, system.urlIssuerAddress, tlsAs('gateway'));
    expect(await reasonOf(asGateway.listRecordings(urlIssuerv1.ListRecordingsRequest.fromPartial({ roomId: room!.id, pageSize: 1 })))).toBe('PERMISSION_DENIED');
  });

  it("takes a gateway's room changes only for the principal it names, never as the operator's", async () => {
    const rooms = client(roomServicev1.RoomServiceService, system.roomGrpcAddress, tlsAs('internal'));
    const { room } = await rooms.createRoom(roomServicev1.CreateRoomRequest.fromPartial({ room: { name: roomName() } }));
    const asGateway = client(roomServicev1.RoomServiceService, system.roomGrpcAddress, tlsAs('gateway'));
    expect(await reasonOf(asGateway.closeRoom(roomServicev1.CloseRoomRequest.fromPartial({ roomId: room!.id })))).toBe('PERMISSION_DENIED');
    const nobody = { identity: 'nobody', grants: { roomJoin: true } };
    expect(await reasonOf(asGateway.closeRoom(roomServicev1.CloseRoomRequest.fromPartial({ roomId: room!.id, principal: nobody })))).toBe('PERMISSION_DENIED');
    const admin = { identity: 'ops', grants: { roomAdmin: true } };
    await asGateway.closeRoom(roomServicev1.CloseRoomRequest.fromPartial({ roomId: room!.id, principal: admin }));
  });

  it('carries a WebSocket client through a join over the services’ muxed calls', async () => {
    await walkJoin(system);
  });

  it('answers health checks without a client certificate, and reflection only with a trusted one', async () => {
    for (const address of [system.roomGrpcAddress, system.presenceGrpcAddress, system.urlIssuerAddress, system.gatewayGrpcAddress]) {
      expect(await checkHealth(address, '', { caFile: certs.caFile })).toEqual({ serving: true });
    }
    expect(await reflect(system.roomGrpcAddress, tlsAs())).toBe(grpc.status.UNAUTHENTICATED);
    expect(await reflect(system.roomGrpcAddress, tlsAs('internal', foreign))).toBe(grpc.status.UNAUTHENTICATED);
    expect(await reflect(system.roomGrpcAddress, tlsAs('internal'))).toBe(grpc.status.OK);
  });

  it('serves the README’s buf curl command with the internal certificate', async () => {
    const { files, caFile } = certs;
    const { stdout } = await promisify(execFile)(
      join(repoRoot, 'node_modules', '.bin', 'buf'),
      ['curl', '--schema', 'proto', '--protocol', 'grpc', '--cacert', caFile, '--cert', files.internal.certFile, '--key', files.internal.keyFile,
        '-d', '{"identity":"alice","ttlSeconds":3600}', `https://${system.gatewayGrpcAddress}/rtcroom.gateway.v1.TokenService/IssueAccessToken`],
      { cwd: repoRoot, timeout: 20_000 },
    );
    expect(JSON.parse(stdout).token).toMatch(/^ey/);
  });
});

describe('mutual TLS with the services calling each other unary (RTCROOM_GRPC_MUX=off)', () => {
  let database: TestDatabase;
  let system: RunningSystem;
  const before = process.env.RTCROOM_GRPC_MUX;

  beforeAll(async () => {
    database = await createTestDatabase();
    // Read when each client is made, i.e. while the system starts.
    process.env.RTCROOM_GRPC_MUX = 'off';
    try {
      system = await startSecureSystem(database);
    } finally {
      if (before === undefined) delete process.env.RTCROOM_GRPC_MUX;
      else process.env.RTCROOM_GRPC_MUX = before;
    }
  });
  afterAll(async () => {
    await system?.stop();
    await database?.drop();
  });

  it('carries a WebSocket client through a join', async () => {
    await walkJoin(system);
  });
});
