// The service desk's admin command, over the room service's gRPC (ROOM_SERVICE_ADDRESS, default
// 127.0.0.1:50051; with mutual TLS, GRPC_TLS_CA, GRPC_TLS_CERT and GRPC_TLS_KEY of an internal certificate):
//   npm run desk -- team create <name> [--display-name T] [--record mp4,hls] [--ring 20] [--wrap-up 30] [--queue-limit 50]
//   npm run desk -- team list | team show <name> | stats <team> [--since ISO-time]
//   npm run desk -- recordings (--call ID | --team NAME | --agent IDENTITY | --customer IDENTITY)
// Prints JSON; a refused request prints its stable reason and exits 1; bad usage exits 2.
import { createClient, fromServiceError, loadGrpcClientTls, readCommandLine, usageFailed } from '@rtcroom/common';
import { deskServicev1, deskv1 } from '@rtcroom/proto';
import { startItFirst, tcpUnreachable } from './unreachable';

const usage = `usage: npm run desk -- team create <name> [--display-name T] [--record mp4,hls] [--ring S] [--wrap-up S] [--queue-limit N]
       npm run desk -- team list | team show <name> | stats <team> [--since ISO-time]
       npm run desk -- recordings (--call ID | --team NAME | --agent IDENTITY | --customer IDENTITY)
       npm run desk -- --help
Calls the room service at ROOM_SERVICE_ADDRESS (default 127.0.0.1:50051); with mutual TLS, give an
internal certificate in GRPC_TLS_CA, GRPC_TLS_CERT and GRPC_TLS_KEY.
`;

const { values: flags, positionals } = readCommandLine(usage, {
  allowPositionals: true,
  options: {
    'display-name': { type: 'string' },
    record: { type: 'string' },
    ring: { type: 'string' },
    'wrap-up': { type: 'string' },
    'queue-limit': { type: 'string' },
    since: { type: 'string' },
    call: { type: 'string' },
    team: { type: 'string' },
    agent: { type: 'string' },
    customer: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
type Flag = Exclude<keyof typeof flags, 'help'>;

/** Each command: its words, how many names follow them, and the flags it takes. */
const commands = {
  'team create': { names: 1, flags: ['display-name', 'record', 'ring', 'wrap-up', 'queue-limit'] },
  'team list': { names: 0, flags: [] },
  'team show': { names: 1, flags: [] },
  stats: { names: 1, flags: ['since'] },
  recordings: { names: 0, flags: ['call', 'team', 'agent', 'customer'] },
} satisfies Record<string, { names: number; flags: Flag[] }>;
type Command = keyof typeof commands;

/** The command the words name, with its names; exits 2 when the line is not one of the above. */
function command(): { name: Command; args: string[] } {
  const words = positionals[0] === 'team' ? 2 : 1;
  const name = positionals.slice(0, words).join(' ');
  if (!(name in commands)) usageFailed(usage, positionals.length === 0 ? 'a command is needed' : `unknown command: ${name}`);
  const spec = commands[name as Command];
  const args = positionals.slice(words);
  if (args.length !== spec.names) usageFailed(usage, `${name} takes ${spec.names === 0 ? 'no name' : 'one name'}, got ${args.length}`);
  const stray = (Object.keys(flags) as Array<Flag | 'help'>).find((f) => f !== 'help' && !(spec.flags as Flag[]).includes(f));
  if (stray) usageFailed(usage, `--${stray} is not an option of ${name}`);
  return { name: name as Command, args };
}

function wholeNumber(name: 'ring' | 'wrap-up' | 'queue-limit'): number {
  const raw = flags[name];
  if (raw === undefined) return 0; // the service's default
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < 0) usageFailed(usage, `--${name} must be a whole number, got "${raw}"`);
  return n;
}

async function main(): Promise<void> {
  const { name, args } = command();
  const since = flags.since;
  if (since !== undefined && Number.isNaN(Date.parse(since))) usageFailed(usage, `--since must be an ISO time, got "${since}"`);
  const team = name === 'team create' ? deskv1.Team.fromPartial({
    name: args[0],
    displayName: flags['display-name'] ?? '',
    recordingFormats: flags.record?.split(',').filter(Boolean) ?? [],
    ringTimeoutSeconds: wholeNumber('ring'),
    wrapUpSeconds: wholeNumber('wrap-up'),
    queueLimit: wholeNumber('queue-limit'),
  }) : undefined;

  const address = process.env.ROOM_SERVICE_ADDRESS || '127.0.0.1:50051';
  const desk = createClient(deskServicev1.DeskServiceService, address, 5000, { tls: loadGrpcClientTls(process.env) });
  const print = (x: unknown) => process.stdout.write(JSON.stringify(x, null, 2) + '\n');
  try {
    switch (name) {
      case 'team create':
        print(deskv1.Team.toJSON((await desk.createTeam({ team })).team!));
        break;
      case 'team list':
        print((await desk.listTeams({})).teams.map((t) => deskv1.Team.toJSON(t)));
        break;
      case 'team show':
        print(deskServicev1.GetTeamResponse.toJSON(await desk.getTeam({ teamId: args[0], name: '' })));
        break;
      case 'stats':
        print(deskServicev1.GetTeamStatsResponse.toJSON(await desk.getTeamStats({ team: args[0], since: since ? new Date(since) : undefined })));
        break;
      case 'recordings': {
        const req = deskServicev1.ListCallRecordingsRequest.fromPartial({
          callId: flags.call ?? '',
          team: flags.team ?? '',
          agentIdentity: flags.agent ?? '',
          customerIdentity: flags.customer ?? '',
        });
        print(deskServicev1.ListCallRecordingsResponse.toJSON(await desk.listCallRecordings(req)));
        break;
      }
    }
  } catch (err) {
    const e = fromServiceError(err);
    // UNAVAILABLE is also what a service answers about another it could not reach: only nothing at
    // the address is "start the system first".
    const unreachable = e.reason === 'UNAVAILABLE' ? await tcpUnreachable(address) : undefined;
    process.stderr.write(unreachable ? startItFirst('room service', address, unreachable, 'ROOM_SERVICE_ADDRESS') : `${e.reason}: ${e.message}\n`);
    process.exitCode = 1;
  } finally {
    desk.close();
  }
}

main().catch((err: unknown) => {
  // A bad GRPC_TLS_* names the variable (ConfigError); anything else is a bug worth its stack.
  process.stderr.write(`${err instanceof Error && err.name === 'ConfigError' ? err.message : (err as Error)?.stack ?? err}\n`);
  process.exitCode = 2;
});
