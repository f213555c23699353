// The room view's chat panel: a room's messages as the SDK delivers them (`message` events, in the
// room's order, de-duplicated on id), with the room's recent history read when a seat is taken, and a
// form that sends text to everyone or to the identities named.
import type { RoomMessage, RtcRoomClient } from '@rtcroom/sdk';
import { status, submitButton } from './feedback.js';
import { t } from './i18n.js';
import { esc } from './render.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
/** Lines kept per room (the server keeps its own history). */
const kept = 200;

export class ChatLog {
  private readonly rooms = new Map<string, Map<string, RoomMessage>>();

  constructor(private readonly client: RtcRoomClient) {
    client.on('message', (e) => this.add([e.message]));
  }

  /** A seat was taken: what the room said recently, merged with what arrives live. */
  async loadHistory(roomId: string): Promise<void> {
    this.add(await this.client.messageHistory(roomId));
  }

  add(messages: RoomMessage[]): void {
    for (const m of messages) {
      let room = this.rooms.get(m.roomId);
      if (!room) this.rooms.set(m.roomId, (room = new Map()));
      room.set(m.id, m);
      if (room.size > kept) room.delete(room.keys().next().value as string);
    }
  }

  /** The room's lines, in seq order. */
  render(roomId: string | undefined, me: string): string {
    const messages = [...(roomId ? this.rooms.get(roomId)?.values() ?? [] : [])].sort((a, b) => a.seq - b.seq);
    if (messages.length === 0) return `<li class="none">${esc(t('noMessages'))}</li>`;
    return messages.map((m) => line(m, me)).join('');
  }
}

function line(m: RoomMessage, me: string): string {
  const from = m.senderIdentity ? (m.senderIdentity === me ? t('chatYou') : m.senderIdentity) : t('chatSystem');
  const to = m.recipients.length ? ` <span class="to">→ ${esc(m.recipients.join(', '))}</span>` : '';
  const body = m.text !== undefined ? esc(m.text) : m.custom ? `<code>[${esc(m.custom.topic)}] ${esc(t('customBytes', { bytes: m.custom.payload.length }))}</code>` : '';
  const time = m.time ? new Date(m.time).toLocaleTimeString() : '';
  return `<li data-seq="${m.seq}"${m.recipients.length ? ' class="private"' : ''}><time>${esc(time)}</time><b>${esc(from)}</b>${to}: ${body}</li>`;
}

/** The chat form: sends to the room shown (`room()`), then the message arrives as an event like anyone's. */
export function wireChat(host: {
  client(): RtcRoomClient | undefined;
  room(): string | undefined;
  act(what: string, action: () => Promise<unknown>, button?: HTMLButtonElement | null): void;
}): void {
  $('chat-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const c = host.client();
    const roomId = host.room();
    if (!c) return;
    if (!roomId) return status(t('joinRoomFirst'), 'error');
    const text = $<HTMLInputElement>('chat-text').value;
    const to = $<HTMLInputElement>('chat-to').value.split(',').map((s) => s.trim()).filter(Boolean);
    host.act(t('actSendMessage'), async () => {
      const sent = await c.sendMessage(roomId, text, { to });
      $<HTMLInputElement>('chat-text').value = '';
      return t('messageSent', { seq: sent.seq });
    }, submitButton(e));
  });
}
