// The rtcroom command line against the real system, as an operator has it: the four services outside
// development mode (Postgres, NATS, mutual TLS with the certificates `npm run certs` makes), the CLI
// holding an internal certificate. Each command once as people read it and once with --json, and the
// failures a script must tell apart: a refusal (1), a wrong command line (2), nothing there (3), this
// side's configuration (4). (The built bin, --help and an unknown flag: test/command-lines.e2e.test.ts;
// the README's examples: test/suggested-commands.e2e.test.ts.)
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createClient, verifyAccessToken } from '@rtcroom/common';
import { createTestDatabase, eventually, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { DevCertificates, makeDevCertificates, RunningSystem, startAll } from '@rtcroom/dev';
import { roomServicev1 } from '@rtcroom/proto';
import { WebhookReceiver } from '../../../services/room/test/support/webhook-receiver';
import { run, rtcroom } from '../src';

const dir = mkdtempSync(join(tmpdir(), 'rtcroom-cli-'));
const certs: DevCertificates = makeDevCertificates({ outDir: join(dir, 'certs') });
const accessTokenSecret = randomBytes(32).toString('hex');
let system: RunningSystem;
let database: TestDatabase;
const receiver = new WebhookReceiver();

interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

/** The operator's environment: where the services are, and the internal certificate. */
const operator = () => ({
  ROOM_SERVICE_ADDRESS: system.roomGrpcAddress,
  TOKEN_SERVICE_ADDRESS: system.gatewayGrpcAddress,
  GRPC_TLS_CA: certs.caFile,
  GRPC_TLS_CERT: certs.files.internal.certFile,
  GRPC_TLS_KEY: certs.files.internal.keyFile,
});

function sink(): Writable & { text: string } {
  const w = new Writable({ write: (chunk, _enc, done) => ((w.text += chunk), done()) }) as Writable & { text: string };
  w.text = '';
  return w;
}

/** `rtcroom <line>` started, as the bin runs it: what it printed so far, and its end. */
function start(line: string | string[], env: NodeJS.ProcessEnv = operator()) {
  const argv = typeof line === 'string' ? line.split(' ') : line;
  const stdout = sink();
  const stderr = sink();
  const done = run(rtcroom, argv, { stdout, stderr }, env).then((status): Ran => ({ status, stdout: stdout.text, stderr: stderr.text }));
  return { stdout, stderr, done };
}

const cli = (line: string | string[], env?: NodeJS.ProcessEnv): Promise<Ran> => start(line, env).done;

async function ok(line: string | string[], ran?: Promise<Ran>): Promise<string> {
  const { status, stdout, stderr } = await (ran ?? cli(line));
  if (status !== 0) throw new Error(`rtcroom ${line} exited ${status}:\n${stdout}\n${stderr}`);
  // A tail says on stderr what it follows; nothing else writes there on success.
  expect(stderr.replace(/^following room \S+ after seq \d+ \(Ctrl-C stops\)\n/, '')).toBe('');
  return stdout;
}

/** A tail started, once it has read where the room is. */
async function following(line: string) {
  const tail = start(line);
  await eventually(() => tail.stderr.text.startsWith('following room'), 10_000, `${line} to start`);
  return tail;
}

const okJson = async (line: string) => JSON.parse(await ok(`${line} --json`));

/** A member seated by a business system (the room service's own JoinRoom, as internal). */
async function seat(roomId: string, identity: string): Promise<void> {
  const rooms = createClient(roomServicev1.RoomServiceService, system.roomGrpcAddress, 5000, { tls: { caFile: certs.caFile, ...certs.files.internal } });
  try {
    await rooms.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId, identity, sessionId: `s-${identity}` }));
  } finally {
    rooms.close();
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  await receiver.start();
  system = await startAll({
    env: {
      RTCROOM_DEV: 'false',
      RTCROOM_CERTS_DIR: certs.dir,
      DATABASE_URL: database.url,
      NATS_URL: testNatsUrl,
      ACCESS_TOKEN_SECRET: accessTokenSecret,
      STREAM_ID_KEY: randomBytes(32).toString('hex'),
      MEDIA_SIGNING_KEY: randomBytes(32).toString('hex'),
      ROOM_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      ROOM_WEBHOOK_POLL_INTERVAL_MS: '50',
      ROOM_WEBHOOK_MIN_BACKOFF_MS: '20',
      ROOM_WEBHOOK_MAX_ATTEMPTS: '2',
    },
    ephemeralPorts: true,
    logLevel: 'silent',
  });
}, 120_000);

afterAll(async () => {
  await system?.stop();
  await receiver.stop();
  await database?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('rooms', () => {
  it('creates, lists, reads, updates and closes a room, by name or by id', async () => {
    expect(await ok('rooms create lobby --display-name Lobby --max-members 4 --record mp4')).toMatch(/^id: +r_\w+\nname: +lobby\ndisplay name: Lobby\nkind: +group\n/m);
    const { room } = await okJson('rooms create quiet --kind call');
    expect(room).toMatchObject({ name: 'quiet', kind: 'ROOM_KIND_CALL', maxMembers: 2 });

    const listed = await ok('rooms list');
    expect(listed.split('\n')[0]).toMatch(/^ID +NAME +KIND +MEMBERS +CREATED$/);
    expect(listed).toMatch(/quiet +call +0\/2/);
    expect((await okJson('rooms list --all')).rooms.map((r: { name: string }) => r.name)).toEqual(['quiet', 'lobby']);

    await seat(room.id, 'ann');
    const got = await ok('rooms get quiet');
    expect(got).toMatch(/^members: +1\/2$/m);
    expect(got).toMatch(/^IDENTITY +NAME +ROLE +STATE +CONNECTED +MIC +CAMERA +JOINED\nann +seat +joined/m);
    expect(await okJson(`rooms get ${room.id}`)).toMatchObject({ room: { id: room.id }, members: [{ identity: 'ann' }], seq: 2 });

    expect(await ok(['rooms', 'update', 'quiet', '--display-name', 'Quiet room', '--metadata', '{"case":42}'])).toMatch(/^display name: Quiet room$/m);
    expect((await okJson('rooms update quiet --owner-rights none')).room).toMatchObject({ displayName: 'Quiet room', metadata: '{"case":42}', ownerRights: 'OWNER_RIGHTS_NONE' });

    expect(await ok('rooms close quiet')).toMatch(/^state: +closed$/m);
    expect((await okJson(`rooms close ${room.id}`)).room).toMatchObject({ state: 'ROOM_STATE_CLOSED' });
    expect(await ok('rooms list')).not.toContain('quiet');
  });

  it("says what is wrong: the service's reason (exit 1), a wrong command line (exit 2)", async () => {
    expect(await cli('rooms get no-such-room')).toEqual({ status: 1, stdout: '', stderr: expect.stringMatching(/^ROOM_NOT_FOUND: /) });
    const json = await cli('rooms get no-such-room --json');
    expect([json.status, JSON.parse(json.stderr)]).toEqual([1, { error: { code: 'ROOM_NOT_FOUND', message: expect.any(String) } }]);
    expect(await cli('rooms create lobby')).toMatchObject({ status: 1, stderr: expect.stringMatching(/^ALREADY_EXISTS: /) });

    expect(await cli('rooms create --max-members lots')).toMatchObject({ status: 2, stdout: '', stderr: expect.stringMatching(/^--max-members must be a whole number of at least 1, got "lots"\nusage: rtcroom rooms create/) });
    expect(await cli('rooms create --kind huge')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^--kind must be one of group, call/) });
    expect(await cli('rooms get')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^rtcroom rooms get takes 1 argument \(<room>\), got 0\nusage: rtcroom rooms get <room>/) });
    expect(await cli('rooms update lobby')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^nothing to update/) });
    expect(await cli('rooms list --since yesterday')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^--since is not a flag of rtcroom rooms list\n/) });
    expect(await cli('rooms lst')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^unknown command: rtcroom rooms lst\nusage: rtcroom rooms <command>/) });
    expect(await cli('rooms')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^rtcroom rooms needs a command\n/) });
    expect(await cli('rooms list --frobnicate')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^Unknown option '--frobnicate'\nusage: rtcroom rooms list/) });
    expect(await cli('--json rooms get')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^\{"error":\{"code":"USAGE","message":"rtcroom rooms get takes 1 argument/) });
  });

  it('prints a real --help at every level', async () => {
    for (const [line, first] of [
      ['--help', 'usage: rtcroom <command> [flags]'],
      ['desk --help', 'usage: rtcroom desk <command> [flags]'],
      ['desk teams -h', 'usage: rtcroom desk teams <command> [flags]'],
      ['members ban --help', 'usage: rtcroom members ban <room> <identity> [flags]'],
    ]) {
      const ran = await cli(line);
      expect([ran.status, ran.stderr, ran.stdout.split('\n')[0]]).toEqual([0, '', first]);
    }
    expect((await cli('--help')).stdout).toMatch(/^ {2}webhooks +Endpoints/m);
  });
});

describe('members', () => {
  it('lists the seated, removes one, bans and unbans another', async () => {
    const { room } = await okJson('rooms create crowd');
    for (const who of ['ann', 'bob', 'cy']) await seat(room.id, who);
    expect(await ok('members list crowd')).toMatch(/^IDENTITY.*\nann .*\nbob .*\ncy /);
    expect((await okJson('members list crowd')).members.map((m: { identity: string }) => m.identity)).toEqual(['ann', 'bob', 'cy']);

    expect(await ok(['members', 'remove', 'crowd', 'bob', '--reason', 'asked to'])).toBe('removed bob\n');
    expect((await okJson(`members remove ${room.id} cy`)).member).toMatchObject({ identity: 'cy', leaveReason: 'LEAVE_REASON_REMOVED' });
    expect(await ok('members ban crowd ann --for 10m')).toMatch(/^banned ann until \S+Z \(removed from its seat\)\n$/);
    await expect(seat(room.id, 'ann')).rejects.toMatchObject({ reason: 'BANNED' });
    expect(await okJson('members ban crowd dan --for 2h')).toEqual({ bannedUntil: expect.any(String) }); // a pre-ban: no seat

    expect(await ok('members unban crowd ann')).toBe('lifted the ban of ann\n');
    await seat(room.id, 'ann');
    expect(await okJson('members unban crowd ann')).toEqual({ wasBanned: false });
    expect(await ok('members unban crowd ann')).toBe('ann was not banned\n');

    expect(await cli('members remove crowd nobody')).toMatchObject({ status: 1, stderr: expect.stringMatching(/^NOT_A_MEMBER: /) });
    expect(await cli('members ban crowd ann --for soon')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^--for must be a duration such as 90, 15m, 2h or 7d, got "soon"/) });
    expect(await cli('members ban crowd ann --for 31d')).toMatchObject({ status: 1, stderr: expect.stringMatching(/^INVALID_ARGUMENT: ban_seconds must be at most/) });
  });

  it('mutes a member, forbids and allows unmuting, and moves one between a seat and the audience', async () => {
    const { room } = await okJson('rooms create hushed');
    await seat(room.id, 'eve');
    expect(await ok('members list hushed')).toMatch(/^IDENTITY +NAME +ROLE +STATE +CONNECTED +MIC +CAMERA +JOINED\neve .* on +on /);
    expect(await ok('members mute hushed eve --audio --forbid-unmute')).toBe('eve: microphone on (forbidden), camera on\n');
    expect((await okJson('members mute hushed eve --video')).member.media.video).toMatchObject({ muteRequested: true });
    expect(await ok('members list hushed')).toMatch(/^eve .* on \(forbidden\) +on \(asked off\) /m);
    expect(await ok('members allow-unmute hushed eve')).toMatch(/^eve: microphone on \(asked off\), camera on \(asked off\)\n$/);

    expect(await ok('members role hushed eve audience')).toBe('eve is now in the audience\n');
    expect(await ok('members list hushed')).toMatch(/^eve +\S* *audience /m);
    expect(await ok('members role hushed eve seat')).toBe('eve is now seated\n'); // the operator moves it at once
    expect(await cli('members role hushed eve stage')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^the role must be seat or audience, got "stage"/) });
    expect(await cli('members mute hushed nobody')).toMatchObject({ status: 1, stderr: expect.stringMatching(/^NOT_A_MEMBER: /) });
  });
});

describe('events tail', () => {
  it("prints a room's events in seq order as they happen, and goes on from a seq without a gap", async () => {
    const { room } = await okJson('rooms create busy');
    await seat(room.id, 'early');
    // From now on: the next three events, written while the tail waits.
    const tail = await following('events tail busy --json --count 3 --interval 50');
    expect(tail.stderr.text).toBe(`following room ${room.id} after seq 2 (Ctrl-C stops)\n`);
    for (const who of ['p1', 'p2', 'p3']) await seat(room.id, who);
    const lines = (await ok('events tail busy', tail.done)).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((e) => [e.seq, e.memberJoined?.member?.identity])).toEqual([[3, 'p1'], [4, 'p2'], [5, 'p3']]);

    // Resumed after seq 3: exactly what came after, in order, until the room closes (the tail ends there).
    const closing = await following(`events tail ${room.id} --after-seq 3 --interval 50`);
    await ok('rooms close busy');
    const rest = (await ok('events tail', closing.done)).trim().split('\n');
    expect(rest.map((l) => l.trim().split(/\s+/).slice(0, 1).concat(l.trim().split(/\s+/).slice(2, 3)))).toEqual([
      ['4', 'member.joined'],
      ['5', 'member.joined'],
      ...['early', 'p1', 'p2', 'p3'].map((_, i) => [String(6 + i), 'member.left']),
      ['10', 'room.closed'],
    ]);
    expect(rest[0]).toMatch(/^ *4 {2}\S+Z {2}member\.joined +p2$/);

    // The whole history.
    const all = (await ok(`events tail ${room.id} --from-start --json`)).trim().split('\n').map((l) => JSON.parse(l));
    expect(all.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(Object.keys(all[0])).toContain('roomCreated');

    expect(await cli('events tail busy --count 0')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^--count must be a whole number of at least 1/) });
  }, 60_000);
});

describe('webhooks', () => {
  it('adds an endpoint, tests it, lists it, shows and redelivers its dead letters, removes it', async () => {
    const added = await ok(['webhooks', 'add', receiver.url, '--secret', 'cli-test-secret-0123456789']);
    const id = /^id: +(wh_\w+)$/m.exec(added)![1];
    expect(added).toMatch(/^secret: +cli-test-secret-0123456789$/m);

    expect(await ok(`webhooks test ${id}`)).toMatch(/^delivered whtest_\w+ in \d+ ms\n$/);
    const tested = await okJson(`webhooks test ${id}`);
    expect(tested).toMatchObject({ delivered: true, eventId: expect.stringMatching(/^whtest_/) });
    expect(receiver.received.find((r) => r.id === tested.eventId)).toMatchObject({ type: 'webhook.test' });
    receiver.refuse = (d) => d.type === 'webhook.test';
    const refused = await cli(`webhooks test ${id}`);
    expect(refused).toEqual({ status: 1, stdout: expect.stringMatching(/^not delivered \(HTTP 500\)/), stderr: expect.stringMatching(/^NOT_DELIVERED: /) });

    // A room whose events the endpoint refuses: parked after two attempts.
    const { room } = await okJson('rooms create hooked');
    receiver.refuse = (d) => d.roomId === room.id;
    await eventually(async () => (await okJson('webhooks list')).webhooks[0]?.deadLetterCount === 1, 10_000, 'the dead letter');
    // DELIVERED may count events committed just before the endpoint was added, while a transaction
    // elsewhere on the server (another test's database) was running: its start is that conservative.
    expect(await ok('webhooks list')).toMatch(new RegExp(`^ID +URL +DELIVERED +FAILING +DEAD +LAST ERROR\\n${id} +${receiver.url} +\\d+ +0 +1`));
    const dead = await okJson(`webhooks dead-letters ${id}`);
    expect(dead.deadLetters).toEqual([expect.objectContaining({ roomId: room.id, seq: 1, type: 'room.created', attempts: 2, lastError: 'HTTP 500' })]);
    expect(await ok(`webhooks dead-letters ${id}`)).toMatch(/room\.created +2 /);

    receiver.refuse = () => false;
    expect(await ok(['webhooks', 'redeliver', id, '--event', dead.deadLetters[0].eventId])).toBe('1 dead letter(s) will be sent again\n');
    await eventually(() => receiver.seqsOf(room.id).includes(1), 10_000, 'the redelivered event');
    await eventually(async () => (await okJson(`webhooks dead-letters ${id}`)).deadLetters === undefined, 10_000, 'no dead letter left');
    expect(await okJson(`webhooks redeliver ${id}`)).toEqual({ queuedCount: 0 });
    expect(await ok(`webhooks dead-letters ${id}`)).toBe('no dead letters\n');

    expect(await ok(`webhooks remove ${id}`)).toBe(`removed ${id}\n`);
    expect(await okJson('webhooks list')).toEqual({}); // proto3 JSON leaves out an empty list
    expect(await cli(`webhooks remove ${id}`)).toMatchObject({ status: 1, stderr: expect.stringMatching(/^NOT_FOUND: /) });
    expect(await cli('webhooks add ftp://example.com/x')).toMatchObject({ status: 1, stderr: expect.stringMatching(/^INVALID_ARGUMENT: url must be http/) });
    expect(await cli('webhooks redeliver')).toMatchObject({ status: 2 });
  }, 60_000);
});

describe('tokens', () => {
  it("has the gateway's TokenService sign a token with the grants asked for", async () => {
    const token = (await ok('tokens issue agent-7 --ttl 1h --room lobby --list --admin --agent claims,billing')).trim();
    const claims = await verifyAccessToken(accessTokenSecret, token);
    expect(claims).toMatchObject({ sub: 'agent-7', grants: { roomCreate: true, roomJoin: true, room: 'lobby', roomList: true, roomAdmin: true, agentTeams: ['claims', 'billing'] } });
    expect(claims.exp - Math.floor(Date.now() / 1000)).toBeGreaterThan(3500);
    const json = await okJson('tokens issue alice --name Alice');
    expect(json).toEqual({ token: expect.any(String), expiresAt: expect.any(Number) });
    expect(await verifyAccessToken(accessTokenSecret, json.token)).toMatchObject({ sub: 'alice', name: 'Alice' });

    expect(await cli('tokens issue bad/identity')).toMatchObject({ status: 1, stderr: expect.stringMatching(/^INVALID_ARGUMENT: /) });
    expect(await cli('tokens issue alice --ttl forever')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^--ttl must be a duration/) });
  });
});

describe('desk', () => {
  it('creates a team, lists and shows it, gives its figures and recordings', async () => {
    expect(await ok(['desk', 'teams', 'create', 'claims', '--display-name', 'Insurance claims', '--record', 'mp4,hls', '--ring', '20', '--wrap-up', '30s', '--queue-limit', '50'])).toMatch(
      /^id: +\S+\nname: +claims\ndisplay name: Insurance claims\nrecording: +mp4,hls\nring timeout: 20 s\nwrap-up: +30 s\nqueue limit: +50\n$/,
    );
    expect(await ok('desk teams list')).toMatch(/^ID +NAME +DISPLAY NAME +QUEUE LIMIT\n\S+ +claims +Insurance claims +50\n$/);
    expect((await okJson('desk team list')).teams.map((t: { name: string }) => t.name)).toEqual(['claims']); // `team` as `npm run desk` had it
    expect(await ok('desk teams show claims')).toMatch(/^name: +claims$[\s\S]*^no agents\n0 call\(s\) waiting\n$/m);
    expect((await okJson('desk teams show claims')).team).toMatchObject({ name: 'claims', ringTimeoutSeconds: 20 });
    expect(await ok('desk stats claims')).toMatch(/^offered: +0$/m);
    expect((await okJson('desk stats claims --since 2026-01-01T00:00:00Z')).stats).toMatchObject({ callsOffered: 0, since: '2026-01-01T00:00:00.000Z' });
    expect(await ok('desk recordings --team claims')).toBe('no recordings\n');
    expect(await okJson('desk recordings --team claims')).toEqual({ nextPageToken: '' });

    expect(await cli('desk teams create claims')).toMatchObject({ status: 1, stderr: expect.stringMatching(/^ALREADY_EXISTS: /) });
    expect(await cli('desk recordings')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^give --call, --team, --agent or --customer\n/) });
    expect(await cli('desk stats claims --since last-week')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^--since must be an ISO time/) });
  });
});

describe('connecting', () => {
  it('tells a refusal of its certificate, nothing at the address and a bad configuration apart', async () => {
    // A certificate of another role: the room service turns it away.
    const asGateway = { ...operator(), GRPC_TLS_CERT: certs.files.gateway.certFile, GRPC_TLS_KEY: certs.files.gateway.keyFile };
    expect(await cli('members list lobby', asGateway)).toMatchObject({ status: 1, stderr: expect.stringMatching(/^PERMISSION_DENIED: /) });
    // Plain gRPC to a port that speaks only TLS.
    const plain = await cli(`rooms list --address ${system.roomGrpcAddress}`, {});
    expect(plain).toMatchObject({ status: 3, stderr: expect.stringMatching(/^UNAVAILABLE: room service at /) });
    // Nothing there.
    expect(await cli('rooms list --address 127.0.0.1:1', {})).toMatchObject({ status: 3, stderr: expect.stringMatching(/^UNREACHABLE: no room service at 127\.0\.0\.1:1 \(ECONNREFUSED\)/) });
    // This side: a certificate file that is not there, plain gRPC across a network, a bad address.
    expect(await cli(`rooms list --ca ${join(dir, 'missing.crt')}`)).toMatchObject({ status: 4, stderr: expect.stringMatching(/^CONFIG: GRPC_TLS_CA .*missing\.crt/) });
    expect(await cli('rooms list --address 10.1.2.3:50051', {})).toMatchObject({ status: 4, stderr: expect.stringMatching(/^TLS_REQUIRED: 10\.1\.2\.3:50051 is not this machine/) });
    expect(await cli('rooms list --address nowhere', {})).toMatchObject({ status: 4, stderr: expect.stringMatching(/^CONFIG: ROOM_SERVICE_ADDRESS must be host:port/) });
    // The flags stand in for the variables: the same call, all given on the command line.
    const flags = ['rooms', 'list', '--address', system.roomGrpcAddress, '--ca', certs.caFile, '--cert', certs.files.internal.certFile, '--key', certs.files.internal.keyFile];
    expect(await cli(flags, {})).toMatchObject({ status: 0, stdout: expect.stringMatching(/^ID +NAME/) });
  });
});
