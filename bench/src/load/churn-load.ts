// A client process's share of a churn run: its rooms, paced from one timer, stopped at the deadline.
import { nowMs } from '../clock';
import { emptyChurnSamples, type ChurnPlan, type ChurnSamples } from '../pool/messages';
import { Pacer } from './pacer';
import { RoomRun } from './room-run';

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
  return out;
}
