// The agent's side of a whisper: a supervisor speaks to this console's agent alone (the SDK's whisper
// event, with a play URL for the supervisor's stream). Shown as a tile that plays it, until the call
// ends; the customer is never told.
import type { Call, Member, PlayUrl, RtcRoomClient } from '@rtcroom/sdk';
import { t } from './i18n.js';
import type { ConsoleMedia } from './media/tiles.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export class WhisperHeard {
  private heard?: { call: Call; supervisor: string; playUrl: PlayUrl };

  constructor(client: RtcRoomClient, private readonly media: () => ConsoleMedia | undefined) {
    client.on('whisper', (e) => (this.heard = e));
    client.on('callEnded', (e) => {
      if (this.heard?.call.id === e.call.id) this.heard = undefined;
    });
  }

  draw(): void {
    const h = this.heard;
    $('whisper').hidden = !h;
    $('whisper-text').textContent = h ? t('whisperToYou', { supervisor: h.supervisor }) : '';
    // The tile wants a member: the supervisor is none (no seat), so it is described as one publishing.
    const member = h && ({ memberId: `whisper-${h.supervisor}`, identity: h.supervisor, displayName: '', state: 'MEMBER_STATE_PUBLISHING', connectionInterrupted: false } as Member);
    this.media()?.renderParties($('whisper-tiles'), member ? [{ member, playUrl: h.playUrl }] : []);
  }
}
