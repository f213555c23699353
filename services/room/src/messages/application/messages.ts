// Room message use cases: send (the room's next event, kept in its history) and read the history.
import { createHash } from 'node:crypto';
import { DomainError, isDomainError, newId } from '@rtcroom/common';
import { RoomTransactions } from '../../changes/room-transaction';
import { isUniqueViolation } from '../../db/store';
import { resolveRoom } from '../../rooms/application/rooms';
import { checkId } from '../../rooms/domain/room';
import { Actor, checkRead, missingRoomError } from '../../rooms/domain/room-access';
import { checkMessage, checkRecipients, checkSender, MessageBody, MessageLimits, RoomMessage } from '../domain/room-message';
import { SendRate } from '../domain/send-rate';

export interface SendMessageInput {
  roomId: string;
  /** The sender's identity; empty only for the operator (a message with no sender member). */
  identity: string;
  recipients: string[];
  body: MessageBody | undefined;
  idempotencyKey: string;
}

/** A keyed message's id: the same sender, room and key always give the same one. */
function keyedId(roomId: string, identity: string, key: string): string {
  return `msg_${createHash('sha256').update(`${roomId}\n${identity}\n${key}`).digest('base64url').slice(0, 20)}`;
}

export class Messages {
  private readonly rate: SendRate;

  constructor(
    private readonly tx: RoomTransactions,
    private readonly limits: MessageLimits,
  ) {
    this.rate = new SendRate(limits.ratePerSecond, limits.burst);
  }

  async send(input: SendMessageInput, actor: Actor): Promise<RoomMessage> {
    const { roomId, identity, idempotencyKey } = input;
    checkId('room_id', roomId);
    if (actor && !identity) throw new DomainError('INVALID_ARGUMENT', 'identity is required', { field: 'identity' });
    const { body, recipients } = checkMessage(input.body, input.recipients, idempotencyKey, this.limits);
    const id = idempotencyKey ? keyedId(roomId, identity, idempotencyKey) : newId('msg');
    if (idempotencyKey) {
      const earlier = await this.tx.store.messages.findMessage(roomId, id);
      if (earlier) return earlier;
    }
    const limited = actor !== null; // the operator's own messages are not rate-limited
    if (limited) this.rate.take(roomId, identity);
    try {
      return await this.tx.run(roomId, async (change) => {
        const room = await change.lock(roomId);
        const sender = checkSender(actor, identity, room, change.seated);
        checkRecipients(recipients, room, change.seated);
        const message: RoomMessage = { id, roomId, seq: 0, time: change.now, senderMemberId: sender?.memberId ?? '', senderIdentity: identity, recipients, body };
        change.record({ type: 'message_sent', message, toWebhooks: this.limits.webhooks || room.messageWebhooks === true });
        await change.commit(room); // numbers the event: message.seq is set
        await change.store.messages.saveMessage(message, this.limits.history);
        return message;
      });
    } catch (err) {
      if (limited) this.rate.refund(roomId, identity);
      if (isDomainError(err, 'ROOM_NOT_FOUND')) throw missingRoomError(actor, { roomId }, err);
      if (idempotencyKey && isUniqueViolation(err)) {
        // A retry raced the first send with the same key: answer the first one's message.
        const earlier = await this.tx.store.messages.findMessage(roomId, id);
        if (earlier) return earlier;
        throw new DomainError('ALREADY_EXISTS', 'a message with this idempotency_key was sent before', { field: 'idempotency_key' }, { cause: err });
      }
      throw err;
    }
  }

  /** The room's last messages the actor may read (the operator: all), oldest first, and the room's seq. */
  async history(roomId: string, actor: Actor): Promise<{ messages: RoomMessage[]; seq: number }> {
    checkId('room_id', roomId);
    const room = await resolveRoom(this.tx.store.rooms, { roomId }, actor);
    if (actor) checkRead(actor, room, await this.tx.store.rooms.seatedMembers(roomId));
    const messages = await this.tx.store.messages.recentMessages(roomId, this.limits.history, actor ? actor.identity : undefined);
    return { messages, seq: room.seq };
  }
}
