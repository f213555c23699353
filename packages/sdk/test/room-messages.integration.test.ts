// The SDK's room messages against the real system: text and custom payloads (bytes, through base64
// on the wire) arrive as `message` events in the room's order, private ones only where addressed,
// and a late joiner reads the history.
import { RtcRoomError, utf8Decode } from '@rtcroom/sdk';
import { recorder, roomName, useTestSystem } from './system';

const t = useTestSystem();
const client = t.client;

it('sends text and bytes to the room or to one member; events come in order, history for a late joiner', async () => {
  const ann = await client('ann');
  const bob = await client('bob');
  const cat = await client('cat');
  const roomId = (await ann.enterRoom(roomName('chat'))).room.id;
  await bob.joinRoom({ roomId });
  await cat.joinRoom({ roomId });
  const bobHears = recorder(bob, 'message');
  const catHears = recorder(cat, 'notice');
  const annHears = recorder(ann, 'message');

  const hello = await ann.sendMessage(roomId, '你好, all');
  const bytes = new Uint8Array([0, 1, 2, 250, 251, 252, 253, 254, 255]);
  const custom = await ann.sendMessage(roomId, { topic: 'app.reaction', payload: bytes }, { to: ['bob'] });
  const json = await bob.sendMessage(roomId, { topic: 'app.poll', payload: '{"q":"lunch?"}' });

  const got = await bobHears.next((e) => e.message.id === json.id);
  expect(bobHears.seen.map((e) => e.message.id)).toEqual([hello.id, custom.id, json.id]);
  expect(bobHears.seen.map((e) => e.seq)).toEqual([hello.seq, custom.seq, json.seq]);
  expect(bobHears.seen[0].message.text).toBe('你好, all');
  expect(bobHears.seen[1].message.custom?.payload).toEqual(bytes);
  expect(got.self).toBe(true);
  expect(utf8Decode(got.message.custom!.payload)).toBe('{"q":"lunch?"}');
  // Ann hears her own too, in place; Cat hears the public ones, and the private one's seq carries nothing.
  await annHears.next((e) => e.message.id === json.id);
  expect(annHears.seen.map((e) => [e.message.id, e.self])).toEqual([[hello.id, true], [custom.id, true], [json.id, false]]);
  await catHears.next((n) => n.seq === json.seq);
  const catAt = catHears.seen.find((n) => n.seq === custom.seq)!;
  expect(Object.keys(catAt).sort()).toEqual(['roomId', 'seq', 'time']);

  const dan = await client('dan');
  await dan.joinRoom({ roomId });
  const history = await dan.messageHistory(roomId);
  expect(history.map((m) => m.id)).toEqual([hello.id, json.id]);

  const refused = await ann.sendMessage(roomId, 'x'.repeat(501)).catch((e: RtcRoomError) => e);
  expect(refused).toBeInstanceOf(RtcRoomError);
  expect((refused as RtcRoomError).code).toBe('MESSAGE_TOO_LARGE');
});
