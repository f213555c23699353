// Mints an access token for a business backend or a test, signed with the gateway's key
// (ACCESS_TOKEN_SECRET, or the current one of ACCESS_TOKEN_KEYS, with ACCESS_TOKEN_ISSUER and
// ACCESS_TOKEN_AUDIENCE as the gateway has them), or without one with the development secret that
// `npm run up` uses:
//   npm run token -- <identity> [--ttl seconds] [--room name-or-id] [--list] [--admin] [--agent team1,team2]
//     [--audience] [--supervisor team1,team2]
// Grants: create and join rooms; --room scopes the token to one room, --list adds listing rooms,
// --admin managing rooms (in the --room only, when given), --agent the service-desk agent grant,
// --audience joining only as audience (no seat), --supervisor the service-desk supervisor grant.
import { AccessTokenKeys, ConfigError, defaultGrants, devSecrets, Grants, issueAccessToken, loadAccessTokenKeys, readCommandLine, usageFailed } from '@rtcroom/common';

const usage = 'usage: [ACCESS_TOKEN_SECRET=... | ACCESS_TOKEN_KEYS=...] npm run token -- <identity> [--ttl seconds] [--room name-or-id] [--list] [--admin] [--agent team1,team2] [--audience] [--supervisor team1,team2]\n';

function main(): number {
  const { values, positionals } = readCommandLine(usage, {
    allowPositionals: true,
    options: {
      ttl: { type: 'string' },
      room: { type: 'string' },
      list: { type: 'boolean' },
      admin: { type: 'boolean' },
      agent: { type: 'string' },
      audience: { type: 'boolean' },
      supervisor: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  // The ttl may also come second, as before: npm run token -- alice 600
  const [identity, ttlPositional] = positionals;
  const ttl = values.ttl ?? ttlPositional;
  if (!identity) usageFailed(usage, 'an identity is needed');
  if (positionals.length > 2) usageFailed(usage, `unexpected argument ${positionals[2]}`);
  // The development secret is published, so a gateway outside development refuses it: such a token
  // works only against `npm run up` (and other RTCROOM_DEV systems).
  // Read as the gateway reads them (the development rules: this tool also signs for test systems).
  let keys: AccessTokenKeys;
  try {
    keys = loadAccessTokenKeys({ ...process.env, RTCROOM_DEV: 'true' }, devSecrets.accessToken);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 2;
  }
  if (!process.env.ACCESS_TOKEN_SECRET && !process.env.ACCESS_TOKEN_KEYS) {
    process.stderr.write('signed with the development secret of `npm run up`; set ACCESS_TOKEN_SECRET (or ACCESS_TOKEN_KEYS) to the gateway\'s for any other system\n');
  }
  if (ttl !== undefined && !/^\d+$/.test(ttl)) {
    process.stderr.write(`--ttl must be a whole number of seconds, got "${ttl}"\n`);
    return 2;
  }
  const agentTeams = (values.agent ?? '').split(',').filter(Boolean);
  if (values.agent !== undefined && agentTeams.length === 0) {
    process.stderr.write(`--agent needs one or more team names\n${usage}`);
    return 2;
  }
  const supervisorTeams = (values.supervisor ?? '').split(',').filter(Boolean);
  if (values.supervisor !== undefined && supervisorTeams.length === 0) {
    process.stderr.write(`--supervisor needs one or more team names\n${usage}`);
    return 2;
  }
  const grants: Grants = {
    ...defaultGrants,
    ...(values.room ? { room: values.room } : {}),
    ...(values.list ? { roomList: true } : {}),
    ...(values.admin ? { roomAdmin: true } : {}),
    ...(agentTeams.length > 0 ? { agentTeams } : {}),
    ...(values.audience ? { audienceOnly: true } : {}),
    ...(supervisorTeams.length > 0 ? { supervisorTeams } : {}),
  };
  try {
    process.stdout.write(issueAccessToken(keys, { identity, ttlSeconds: ttl ? Number(ttl) : undefined, grants }) + '\n');
    return 0;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
}

process.exitCode = main();
