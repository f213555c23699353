import { DomainError } from '@rtcroom/common/errors';
import { missingRoomError, Principal } from './room-access';

describe('missingRoomError', () => {
  const scoped: Principal = { identity: 'ann', grants: { roomJoin: true, room: 'lobby' } };
  const notFound = new DomainError('ROOM_NOT_FOUND', 'no room r_other');

  it('answers a token scoped to another room PERMISSION_DENIED, keeping the missing room as its cause', () => {
    const err = missingRoomError(scoped, { roomId: 'r_other' }, notFound);
    expect(err).toMatchObject({ reason: 'PERMISSION_DENIED', message: 'the access token acts in room lobby only' });
    expect(err.cause).toBe(notFound);
  });

  it('answers the operator, and a token naming its own room, with the not-found itself', () => {
    expect(missingRoomError(null, { roomId: 'r_other' }, notFound)).toBe(notFound);
    expect(missingRoomError(scoped, { name: 'lobby' }, notFound)).toBe(notFound);
  });
});
