// Starting the measured system says why it could not, with the underlying error as the cause: here a
// Postgres that does not answer (needs the services built, as the bench does: npm run build).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { StartError, startRtcroom } from './system';

it('fails with StartError, naming the database and carrying the connection error as its cause', async () => {
  const logDir = mkdtempSync(path.join(tmpdir(), 'bench-system-'));
  try {
    const start = startRtcroom({
      repoRoot: path.resolve(__dirname, '..', '..'),
      logDir,
      secret: 'bench-test-secret-0123456789abcdef',
      natsUrl: 'nats://127.0.0.1:4222',
      pgAdminUrl: 'postgres://postgres@127.0.0.1:1/postgres', // nothing listens on port 1
      startTimeoutMs: 5000,
      tag: 'causetest',
    });
    await expect(start).rejects.toBeInstanceOf(StartError);
    await expect(start).rejects.toMatchObject({
      message: expect.stringContaining('cannot create the bench database on postgres://postgres@127.0.0.1:1/postgres'),
      cause: expect.objectContaining({ code: 'ECONNREFUSED' }),
    });
  } finally {
    rmSync(logDir, { recursive: true, force: true });
  }
});
