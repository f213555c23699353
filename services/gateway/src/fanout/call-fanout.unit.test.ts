// What a gateway tells after a break of its NATS connection, of the call events read back: the newest
// step of each call per recipient, in the order published, leaving out what was told.
import { createLogger } from '@rtcroom/common';
import { callv1 } from '@rtcroom/proto';
import { MissedSteps } from './call-fanout';

const logger = createLogger({}, 'silent');
const { RINGING, ACTIVE, ENDED } = { RINGING: callv1.CallState.CALL_STATE_RINGING, ACTIVE: callv1.CallState.CALL_STATE_ACTIVE, ENDED: callv1.CallState.CALL_STATE_ENDED };

const message = (id: string, to: string, callId: string, state: callv1.CallState, whisperStreamId = '') => ({
  subject: 'rtcroom.user.x.call',
  data: callv1.CallEvent.encode(callv1.CallEvent.fromPartial({ id, recipientIdentity: to, call: { id: callId, state }, whisperStreamId })).finish(),
});

const ids = (steps: Map<string, callv1.CallEvent[]>) => Object.fromEntries([...steps].map(([who, events]) => [who, events.map((e) => e.id)]));

function missedSteps(messages: { subject: string; data: Uint8Array }[], wanted: (e: callv1.CallEvent) => boolean, served: (who: string) => boolean = () => true) {
  const steps = new MissedSteps(logger);
  for (const m of messages) steps.add(m, served);
  return steps.byRecipient(wanted);
}

it('keeps the newest step of each call per recipient, in the order published', () => {
  const messages = [
    message('a1', 'ann', 'c1', RINGING),
    message('b1', 'bob', 'c1', RINGING),
    message('a2', 'ann', 'c2', RINGING),
    message('a3', 'ann', 'c1', ENDED),
    message('b2', 'bob', 'c1', ENDED),
  ];
  expect(ids(missedSteps(messages, () => true))).toEqual({ ann: ['a2', 'a3'], bob: ['b2'] });
});

it('keeps a whisper apart from the steps of its call', () => {
  const messages = [message('w', 'agent', 'c1', ACTIVE, 'stream-1'), message('s', 'agent', 'c1', ACTIVE)];
  expect(ids(missedSteps(messages, () => true))).toEqual({ agent: ['w', 's'] });
});

it('leaves out the calls whose newest step was told, those of nobody served here, and what does not decode', () => {
  const messages = [message('a1', 'ann', 'c1', RINGING), { subject: 's', data: Buffer.from([0xff, 0xff]) }, message('a2', 'ann', 'c1', ACTIVE), message('z1', 'zed', 'c9', RINGING)];
  const ann = (who: string) => who === 'ann';
  expect(ids(missedSteps(messages, (e) => e.id !== 'a2', ann))).toEqual({}); // its newest step told: the older one is past
  expect(ids(missedSteps(messages, () => true, ann))).toEqual({ ann: ['a2'] });
});
