// What a <live-pusher> bindstatechange code means for the member's stream (REFERENCE.md section 4).
// Shared: the gateway turns its clients' reports into stream state in the room directly (one hop on the
// push-began path), and presence's ReportPusherEvent, kept for other callers, judges them the same way.
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
