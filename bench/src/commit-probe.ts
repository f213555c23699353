// The disk, watched: while a scenario runs against rtcroom, one small Postgres commit every 50 ms on a
// table of its own in the bench database. Every join, stream change and leave waits for a commit, and
// a commit waits for the disk (fsync): on this machine the disk now and then stalls commits for
// hundreds of milliseconds with nothing else running, which lands in rtcroom's p99 and max. The probe
// tells such a run apart from one where rtcroom itself was slow.
import { Client } from 'pg';
import { nowMs, sleep } from './clock';
import { summarize, type Summary } from './stats';

/** A commit slower than this counts as a stall. */
export const STALL_MS = 50;

export interface CommitProbeFigures {
  commits: Summary | null;
  /** Commits slower than STALL_MS. */
  stalls: number;
  error?: string;
}

export interface CommitProbe {
  stop(): Promise<CommitProbeFigures>;
}

export async function startCommitProbe(databaseUrl: string, intervalMs = 50): Promise<CommitProbe> {
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  await client.query('CREATE TABLE IF NOT EXISTS bench_commit_probe (at timestamptz NOT NULL)');
  const samples: number[] = [];
  let stopping = false;
  let error: string | undefined;
  const loop = (async () => {
    while (!stopping) {
      const t = nowMs();
      try {
        await client.query('INSERT INTO bench_commit_probe (at) VALUES (now())');
      } catch (err) {
        error = (err as Error).message;
        return;
      }
      samples.push(nowMs() - t);
      await sleep(intervalMs);
    }
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      await client.end().catch(() => undefined);
      return { commits: summarize(samples), stalls: samples.filter((ms) => ms > STALL_MS).length, ...(error ? { error } : {}) };
    },
  };
}
