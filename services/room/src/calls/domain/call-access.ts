// Who may do what with calls (the rules of room-access.ts, for the resources that are not one room): a
// principal acts for its own identity only; a call is a room of its own, so placing a call or calling
// a team needs room_join and a token not scoped to one room, and answering one (the call itself says
// who may: callee, offered agent, invitee) a token not scoped to one room; reading a call needs to be
// a party to it. An agent's requests about its team: desk/domain/desk-access.ts.
import { DomainError } from '@rtcroom/common/errors';
import { Call } from './call';
import { Actor, checkSelf } from '../../rooms/domain/room-access';

function denied(message: string): DomainError {
  return new DomainError('PERMISSION_DENIED', message);
}

/** Placing, answering or calling a team, for `identity`. */
export function checkCalling(actor: Actor, identity: string): void {
  if (!actor) return;
  checkSelf(actor, identity, 'take part in calls');
  if (!actor.grants.roomJoin) throw denied('the access token does not allow calls (room_join grant)');
  if (actor.grants.room) throw denied(`the access token acts in room ${actor.grants.room} only; a call is a room of its own`);
}

/** Answering (or refusing) a call offered to `identity`: the call decides whether it was. */
export function checkAnswering(actor: Actor, identity: string): void {
  if (!actor) return;
  checkSelf(actor, identity, 'answer calls');
  if (actor.grants.room) throw denied(`the access token acts in room ${actor.grants.room} only; a call is a room of its own`);
}

/** Reading a call: its caller, callee, agents and those invited. */
export function checkParty(actor: Actor, call: Call): void {
  if (!actor) return;
  const me = actor.identity;
  const party = call.callerIdentity === me || call.calleeIdentity === me || call.agentIdentities.includes(me) || call.invitedIdentities.includes(me);
  if (!party) throw new DomainError('NOT_A_PARTY', 'only the parties to a call (and those invited) can read it');
}

export { checkSelf };
