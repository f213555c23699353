// The service desk's admin command, over the room service's gRPC (ROOM_SERVICE_ADDRESS, default
// 127.0.0.1:50051; with mutual TLS, GRPC_TLS_CA, GRPC_TLS_CERT and GRPC_TLS_KEY of an internal certificate):
//   npm run desk -- team create <name> [--display-name T] [--record mp4,hls] [--ring 20] [--wrap-up 30] [--queue-limit 50]
//   npm run desk -- team list | team show <name> | stats <team> [--since ISO-time]
//   npm run desk -- recordings (--call ID | --team NAME | --agent IDENTITY | --customer IDENTITY)
// Prints JSON; a refused request prints its stable reason and exits 1; bad usage exits 2.
import { createClient, fromServiceError, loadGrpcClientTls } from '@rtcroom/common';
import { deskServicev1, deskv1 } from '@rtcroom/proto';

const usage = `usage: npm run desk -- team create <name> [--display-name T] [--record mp4,hls] [--ring S] [--wrap-up S] [--queue-limit N]
       npm run desk -- team list | team show <name> | stats <team> [--since ISO-time]
       npm run desk -- recordings (--call ID | --team NAME | --agent IDENTITY | --customer IDENTITY)
`;

function parse(args: string[]): { words: string[]; flags: Map<string, string> } {
  const words: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith('--')) flags.set(args[i].slice(2), args[++i] ?? '');
    else words.push(args[i]);
  }
  return { words, flags };
}

function seconds(flags: Map<string, string>, name: string): number {
  const raw = flags.get(name);
  if (raw === undefined) return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number`);
  return n;
}

class UsageError extends Error {}

async function main(): Promise<void> {
  const { words, flags } = parse(process.argv.slice(2));
  const desk = createClient(deskServicev1.DeskServiceService, process.env.ROOM_SERVICE_ADDRESS ?? '127.0.0.1:50051', 5000, { tls: loadGrpcClientTls(process.env) });
  const print = (x: unknown) => process.stdout.write(JSON.stringify(x, null, 2) + '\n');
  try {
    const [what, verb, name] = words;
    if (what === 'team' && verb === 'create' && name) {
      const team = deskv1.Team.fromPartial({
        name,
        displayName: flags.get('display-name') ?? '',
        recordingFormats: flags.get('record')?.split(',').filter(Boolean) ?? [],
        ringTimeoutSeconds: seconds(flags, 'ring'),
        wrapUpSeconds: seconds(flags, 'wrap-up'),
        queueLimit: seconds(flags, 'queue-limit'),
      });
      print(deskv1.Team.toJSON((await desk.createTeam({ team })).team!));
    } else if (what === 'team' && verb === 'list') {
      print((await desk.listTeams({})).teams.map((t) => deskv1.Team.toJSON(t)));
    } else if (what === 'team' && verb === 'show' && name) {
      print(deskServicev1.GetTeamResponse.toJSON(await desk.getTeam({ teamId: name, name: '' })));
    } else if (what === 'stats' && verb) {
      const since = flags.get('since');
      if (since !== undefined && Number.isNaN(Date.parse(since))) throw new UsageError('--since must be an ISO time');
      print(deskServicev1.GetTeamStatsResponse.toJSON(await desk.getTeamStats({ team: verb, since: since ? new Date(since) : undefined })));
    } else if (what === 'recordings') {
      const req = deskServicev1.ListCallRecordingsRequest.fromPartial({
        callId: flags.get('call') ?? '',
        team: flags.get('team') ?? '',
        agentIdentity: flags.get('agent') ?? '',
        customerIdentity: flags.get('customer') ?? '',
      });
      print(deskServicev1.ListCallRecordingsResponse.toJSON(await desk.listCallRecordings(req)));
    } else {
      throw new UsageError('unknown command');
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n${usage}`);
      process.exitCode = 2;
    } else {
      const e = fromServiceError(err);
      process.stderr.write(`${e.reason}: ${e.message}\n`);
      process.exitCode = 1;
    }
  } finally {
    desk.close();
  }
}

main().catch((err: unknown) => {
  // A bad GRPC_TLS_* names the variable (ConfigError); anything else is a bug worth its stack.
  process.stderr.write(`${err instanceof Error && err.name === 'ConfigError' ? err.message : (err as Error)?.stack ?? err}\n`);
  process.exitCode = 2;
});
