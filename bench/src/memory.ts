// Memory of rtcroom's processes: PSS (proportional set size, which adds up across processes) of each,
// idle and then with N members seated (rooms of six), as `npm start` runs it (--one-process) or as
// four processes. Prints one JSON line. Usage:
//   node bench/dist/memory.js [--one-process] [--members 600]
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { issueAccessToken, readCommandLine, usageFailed } from '@rtcroom/common';
import { BenchClient } from './client';
import { sleep } from './clock';
import { pssKb } from './proc-stats';
import { wsUrl } from './protocol';
import { startRtcroom, type Target } from './system';

const usage = `usage: node bench/dist/memory.js [--one-process] [--members 600]
  (needs Postgres on 127.0.0.1:5432 and NATS on 127.0.0.1:4222, and npm run build)
`;

async function main(): Promise<void> {
  const { values } = readCommandLine(usage, { options: { 'one-process': { type: 'boolean' }, members: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  const members = Number(values.members ?? 600);
  if (!(Number.isInteger(members) && members > 0)) usageFailed(usage, `--members must be a positive whole number, got ${values.members}`);
  const repoRoot = path.resolve(__dirname, '..', '..');
  const tag = `mem${randomBytes(3).toString('hex')}`;
  const secret = randomBytes(32).toString('hex');
  const target: Target = await startRtcroom({
    repoRoot,
    logDir: path.join(repoRoot, 'bench', 'results', 'tmp', tag),
    secret,
    natsUrl: 'nats://127.0.0.1:4222',
    pgAdminUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
    startTimeoutMs: 60_000,
    tag,
    oneProcess: values['one-process'] === true,
  });
  const clients: BenchClient[] = [];
  try {
    const pss = () => Object.fromEntries(target.processes.map((p) => [p.name, Math.round((pssKb(p.pid) ?? NaN) / 1024)]));
    await sleep(3000);
    const idle = pss();
    for (let i = 0; i < members; i++) {
      const identity = `${tag}-m${i}`;
      const client = await BenchClient.open(wsUrl(target.address, issueAccessToken(secret, { identity, ttlSeconds: 3600 })), identity, { timeoutMs: 10_000 });
      clients.push(client);
      const reply = await client.request({ joinRoom: { roomName: `${tag}-r${Math.floor(i / 6)}`, createIfMissing: true, createOptions: { maxMembers: 6 } } }, 10_000);
      if (!reply.frame.joinRoom?.room?.id) throw new Error(`join ${i} answered ${JSON.stringify(reply.frame.error ?? reply.frame)}`);
    }
    await sleep(3000);
    const seated = pss();
    const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
    process.stdout.write(
      `${JSON.stringify({ shape: values['one-process'] ? 'one process' : 'four processes', inprocessCalls: process.env.RTCROOM_INPROCESS_CALLS ?? 'on', members, idleMb: idle, idleTotalMb: sum(idle), seatedMb: seated, seatedTotalMb: sum(seated) })}\n`,
    );
  } finally {
    await Promise.all(clients.map((c) => c.close(1000).catch(() => undefined)));
    await target.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`memory: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
