// Entry of a forked client process: runs what the harness sends it and answers with raw samples.
import { runChurnLoad } from '../load/churn-load';
import { IdleHolder } from '../load/idle-load';
import { ResumeHolder } from '../load/resume-load';
import type { FromWorker, ToWorker } from './messages';

let idle: IdleHolder | undefined;
let resume: ResumeHolder | undefined;

function reply(message: FromWorker): void {
  process.send?.(message);
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.kind) {
    case 'churn':
      return reply({ kind: 'churn-done', samples: await runChurnLoad(message.plan) });
    case 'idle-open':
      idle = new IdleHolder();
      return reply({ kind: 'idle-opened', result: await idle.open(message.plan) });
    case 'idle-close': {
      const result = idle ? await idle.close() : { pingRttMs: [], pingFailures: 0, droppedWhileIdle: 0 };
      idle = undefined;
      return reply({ kind: 'idle-closed', result });
    }
    case 'resume-seat':
      resume = new ResumeHolder();
      return reply({ kind: 'resume-seated', result: await resume.seat(message.plan) });
    case 'resume-collect':
      if (!resume) throw new Error('resume-collect before resume-seat');
      return reply({ kind: 'resume-collected', samples: await resume.collect() });
    case 'resume-close':
      await resume?.close();
      resume = undefined;
      return reply({ kind: 'resume-closed' });
    case 'exit':
      process.exit(0);
  }
}

process.on('message', (message: ToWorker) => {
  handle(message).catch((err: unknown) => reply({ kind: 'failed', message: err instanceof Error ? err.stack ?? err.message : String(err) }));
});
// The harness is gone: nothing left to report to.
process.on('disconnect', () => process.exit(0));
