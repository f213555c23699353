import { DomainError } from './errors';
import { fromServiceError, toServiceError } from './grpc/status';

describe('DomainError', () => {
  it('carries the error it stands for as its cause', () => {
    const underlying = Object.assign(new Error('duplicate key value violates unique constraint "rooms_open_name"'), { code: '23505' });
    const err = new DomainError('ALREADY_EXISTS', 'an open room is named lobby', { name: 'lobby' }, { cause: underlying });
    expect(err.cause).toBe(underlying);
    expect(err.metadata).toEqual({ name: 'lobby' });
    expect(new DomainError('NOT_FOUND', 'no team t').cause).toBeUndefined();
  });

  it("keeps the cause on this side of gRPC: the caller gets reason, message and metadata, and its own call's error as cause", () => {
    const hidden = new Error('no room r_2');
    const err = new DomainError('PERMISSION_DENIED', 'the access token acts in room r_1 only', {}, { cause: hidden });
    const serviceError = toServiceError(err, 'room.rtcroom');
    const received = fromServiceError(serviceError);
    expect(received).toMatchObject({ reason: 'PERMISSION_DENIED', message: 'the access token acts in room r_1 only' });
    expect(received.cause).toBe(serviceError);
    expect(JSON.stringify(serviceError)).not.toContain('no room r_2');
  });
});
