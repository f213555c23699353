// Mints an access token for a business backend or a test:
//   npm run token -- <identity> [ttlSeconds] [--agent team1,team2]
// Needs ACCESS_TOKEN_SECRET (the gateway's); grants: create, join and list rooms, and with --agent
// the service-desk agent grant for those teams.
import { defaultGrants, issueAccessToken } from '@rtcroom/common';

const args = process.argv.slice(2);
const agentAt = args.indexOf('--agent');
const agentTeams = agentAt >= 0 ? (args.splice(agentAt, 2)[1] ?? '').split(',').filter(Boolean) : [];
const [identity, ttl] = args;
const secret = process.env.ACCESS_TOKEN_SECRET;
if (!identity || !secret || (agentAt >= 0 && agentTeams.length === 0)) {
  process.stderr.write('usage: ACCESS_TOKEN_SECRET=... npm run token -- <identity> [ttlSeconds] [--agent team1,team2]\n');
  process.exit(2);
}
try {
  const grants = agentTeams.length > 0 ? { ...defaultGrants, agentTeams } : undefined;
  process.stdout.write(issueAccessToken(secret, { identity, ttlSeconds: ttl ? Number(ttl) : undefined, grants }) + '\n');
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
