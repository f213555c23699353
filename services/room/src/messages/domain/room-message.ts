// Room messages: what one is, its limits, who may send it and who may read it. Nothing here knows
// of gRPC, NATS or SQL.
import { DomainError } from '@rtcroom/common/errors';
import type { Actor, Grants } from '../../rooms/domain/room-access';
import { inScope } from '../../rooms/domain/room-access';
import type { Member, Room } from '../../rooms/domain/room';

export type MessageBody = { kind: 'text'; text: string } | { kind: 'custom'; topic: string; payload: Uint8Array };

export interface RoomMessage {
  id: string;
  roomId: string;
  /** The seq of the room event that carried it (0 until written). */
  seq: number;
  time: Date;
  /** Empty when an internal system sent it. */
  senderMemberId: string;
  senderIdentity: string;
  /** Identities it is addressed to; empty: the whole room. */
  recipients: string[];
  body: MessageBody;
}

/** The deployment's limits (config: ROOM_MESSAGE_*). */
export interface MessageLimits {
  maxTextLength: number;
  maxPayloadBytes: number;
  maxRecipients: number;
  /** Messages kept per room (ListMessages). */
  history: number;
  /** Per sender: tokens added per second, and the bucket's size. */
  ratePerSecond: number;
  burst: number;
  /** Every room's messages go to webhooks (else only those of rooms with message_webhooks). */
  webhooks: boolean;
}

export const defaultMessageLimits: MessageLimits = {
  maxTextLength: 500,
  maxPayloadBytes: 4096,
  maxRecipients: 20,
  history: 50,
  ratePerSecond: 5,
  burst: 10,
  webhooks: false,
};

const topicPattern = /^[A-Za-z0-9_.:/-]{1,64}$/;
const idempotencyKeyPattern = /^[\x20-\x7e]{1,128}$/;

/** Checks the body, the recipients and the key against the limits; recipients come back de-duplicated. */
export function checkMessage(body: MessageBody | undefined, recipients: string[], idempotencyKey: string, limits: MessageLimits): { body: MessageBody; recipients: string[] } {
  if (!body) throw new DomainError('INVALID_ARGUMENT', 'a message needs a text or a custom body', { field: 'body' });
  if (body.kind === 'text') {
    const length = [...body.text].length;
    if (length === 0) throw new DomainError('INVALID_ARGUMENT', 'text must not be empty', { field: 'text' });
    if (length > limits.maxTextLength) {
      throw new DomainError('MESSAGE_TOO_LARGE', `text is limited to ${limits.maxTextLength} characters (got ${length})`, { field: 'text', limit: String(limits.maxTextLength) });
    }
  } else {
    if (!topicPattern.test(body.topic)) throw new DomainError('INVALID_ARGUMENT', 'custom.topic must be 1-64 characters of A-Z a-z 0-9 _ . : / -', { field: 'custom.topic' });
    if (body.payload.length > limits.maxPayloadBytes) {
      throw new DomainError('MESSAGE_TOO_LARGE', `custom.payload is limited to ${limits.maxPayloadBytes} bytes (got ${body.payload.length})`, {
        field: 'custom.payload',
        limit: String(limits.maxPayloadBytes),
      });
    }
  }
  const unique = [...new Set(recipients)];
  if (unique.length > limits.maxRecipients) {
    throw new DomainError('TOO_MANY_RECIPIENTS', `a message is addressed to at most ${limits.maxRecipients} members (got ${unique.length})`, {
      field: 'recipients',
      limit: String(limits.maxRecipients),
    });
  }
  if (unique.some((r) => r === '')) throw new DomainError('INVALID_ARGUMENT', 'a recipient is an identity, not empty', { field: 'recipients' });
  if (idempotencyKey && !idempotencyKeyPattern.test(idempotencyKey)) {
    throw new DomainError('INVALID_ARGUMENT', 'idempotency_key must be at most 128 printable characters', { field: 'idempotency_key' });
  }
  return { body, recipients: unique };
}

/**
 * Whether a principal's token lets it send messages: room_message when the token says (true or
 * false), else as room_join (tokens issued before room messages existed keep working), in scope.
 */
export function maySend(grants: Grants, room: Pick<Room, 'id' | 'name'>): boolean {
  const allowed = grants.roomMessage ?? grants.roomJoin === true;
  return allowed && inScope(grants, room);
}

/** The sender (seated, allowed) or, for the operator, the optional seated identity it sends as. */
export function checkSender(actor: Actor, identity: string, room: Room, seated: Member[]): Member | null {
  if (actor && actor.identity !== identity) throw new DomainError('PERMISSION_DENIED', 'a principal sends as itself only', { field: 'identity' });
  if (actor && !maySend(actor.grants, room)) throw new DomainError('PERMISSION_DENIED', 'the access token does not grant sending messages (room_message)');
  if (room.state !== 'open') throw new DomainError('ROOM_CLOSED', `room ${room.id} is closed`);
  if (!identity) return null;
  const member = seated.find((m) => m.identity === identity);
  if (!member) throw new DomainError('NOT_A_MEMBER', `${identity} holds no seat in room ${room.id}`, { identity });
  return member;
}

/** Each recipient must be seated when the message is sent. */
export function checkRecipients(recipients: string[], room: Room, seated: Member[]): void {
  const present = new Set(seated.map((m) => m.identity));
  const missing = recipients.filter((r) => !present.has(r));
  if (missing.length > 0) throw new DomainError('NOT_A_MEMBER', `not seated in room ${room.id}: ${missing.slice(0, 5).join(', ')}`, { field: 'recipients', identity: missing[0] });
}

/** Whether `identity` may read the message: addressed to everyone, to it, or sent by it. */
export function addressedTo(message: Pick<RoomMessage, 'recipients' | 'senderIdentity'>, identity: string): boolean {
  return message.recipients.length === 0 || message.senderIdentity === identity || message.recipients.includes(identity);
}
