// A client process's share of a churn run: its rooms, paced from one timer, stopped at the deadline.
import { nowMs } from '../clock';
import { emptyChurnSamples, type ChurnPlan, type ChurnSamples } from '../pool/messages';
import { Pacer } from './pacer';
import { RoomRun } from './room-run';

const CLOSE_HELD_AFTER_MS = 500;

export async function runChurnLoad(plan: ChurnPlan): Promise<ChurnSamples> {
  const out = emptyChurnSamples();
  const pacer = new Pacer();
  const rooms = plan.rooms.map((room) => new RoomRun(room, plan, out, pacer));
  pacer.start();
  let deadline: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(rooms.map((r) => r.done)),
    new Promise<void>((resolve) => (deadline = setTimeout(resolve, Math.max(0, plan.deadlineAt - nowMs())))),
  ]);
  clearTimeout(deadline);
  pacer.stop();
  await Promise.all(rooms.map((r) => r.abort()));
  // join-leave: the sockets close once the harness has its answer and has read the CPU counters.
  if (plan.lifecycle === 'join-leave') setTimeout(() => void Promise.all(rooms.map((r) => r.closeHeld())), CLOSE_HELD_AFTER_MS);
  return out;
}
