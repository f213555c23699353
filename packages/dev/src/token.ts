// Mints an access token for a business backend or a test: npm run token -- <identity> [ttlSeconds]
// Needs ACCESS_TOKEN_SECRET (the gateway's); grants: create, join and list rooms.
import { issueAccessToken } from '@rtcroom/common';

const [identity, ttl] = process.argv.slice(2);
const secret = process.env.ACCESS_TOKEN_SECRET;
if (!identity || !secret) {
  process.stderr.write('usage: ACCESS_TOKEN_SECRET=... npm run token -- <identity> [ttlSeconds]\n');
  process.exit(2);
}
try {
  process.stdout.write(issueAccessToken(secret, { identity, ttlSeconds: ttl ? Number(ttl) : undefined }) + '\n');
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
