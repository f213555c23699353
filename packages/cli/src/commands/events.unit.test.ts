// The tail's promise, on a room service that goes away for a while: every event once, in seq order,
// going on from the last seq printed; stopped by Ctrl-C (the signal) without an error.
import { roomEventv1 } from '@rtcroom/proto';
import { CliError, exitStatus } from '../cli-error';
import type { Command, CommandContext } from '../command-tree';
import type { Connection } from '../connection';
import { output } from '../output';
import { events } from './events';

const event = (seq: number): roomEventv1.RoomEvent =>
  roomEventv1.RoomEvent.fromPartial({ id: `e_${seq}`, roomId: 'r_aaaaaaaaaaaaaaaaaaaa', seq, time: new Date(0), payload: { $case: 'memberJoined', value: { member: { identity: `m${seq}` } } } });

function sink() {
  const chunks: string[] = [];
  return { write: (c: string) => (chunks.push(c), true), text: () => chunks.join('') } as unknown as NodeJS.WritableStream & { text(): string };
}

it('goes on from the last seq printed after the service was unreachable, and stops on Ctrl-C', async () => {
  const written = [1, 2, 3, 4, 5, 6].map(event);
  const asked: number[] = [];
  let calls = 0;
  const abort = new AbortController();
  const rooms = {
    async getRoom() {
      return { room: { id: 'r_aaaaaaaaaaaaaaaaaaaa' }, members: [], seq: 0, playStreamIds: [] };
    },
    async listRoomEvents(req: { afterSeq: number }) {
      asked.push(req.afterSeq);
      calls++;
      // Two events a call; the second and third calls find the service gone.
      if (calls === 2 || calls === 3) throw new CliError('UNREACHABLE', 'no room service at 127.0.0.1:1 (ECONNREFUSED)', exitStatus.unreachable);
      const page = written.filter((e) => e.seq > req.afterSeq).slice(0, 2);
      if (page.length === 0) abort.abort(); // all read: the operator presses Ctrl-C
      return { events: page, lastSeq: 6 };
    },
  };
  const stdout = sink();
  const stderr = sink();
  const ctx: CommandContext = { connection: { rooms: () => rooms } as unknown as Connection, output: output(true, stdout, stderr), signal: abort.signal };
  await (events.children.tail as Command).run(ctx, ['r_aaaaaaaaaaaaaaaaaaaa'], { 'from-start': true, interval: '50' });

  expect(stdout.text().trim().split('\n').map((l) => JSON.parse(l).seq)).toEqual([1, 2, 3, 4, 5, 6]);
  expect(asked).toEqual([0, 2, 2, 2, 4, 6]);
  expect(stderr.text()).toBe(
    'following room r_aaaaaaaaaaaaaaaaaaaa after seq 0 (Ctrl-C stops)\n' +
      'UNREACHABLE: no room service at 127.0.0.1:1 (ECONNREFUSED); retrying after seq 2\n' +
      'reconnected; going on after seq 2\n',
  );
});
