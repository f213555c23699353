// What a <live-pusher> bindstatechange code means for the member's stream (REFERENCE.md section 4).
export type PusherVerdict = 'stream_started' | 'stream_stopped' | 'reissue_url' | 'none';

/** 1002: push began. -1307: network lost after retries. 3004: server refused (bad or expired URL). */
export function judgePusherCode(code: number): PusherVerdict {
  switch (code) {
    case 1002:
      return 'stream_started';
    case -1307:
      return 'stream_stopped';
    case 3004:
      return 'reissue_url';
    default:
      return 'none';
  }
}
