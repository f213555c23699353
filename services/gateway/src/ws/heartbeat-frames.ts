// The heartbeat's own way through the gateway. Every client pings at the welcome's ping_interval_ms
// (1.5 s by default: a silent client is found within 5 s), so at 20,000 idle connections a gateway
// answers about 13,000 pings a second. Through the frame pipeline (log context, the connection's
// request queue, schema check, decode, span, encode) a ping cost the gateway about 48 us; a ping
// frame exactly as the SDK writes it is recognized from its bytes and answered at once
// (bench/results/hotpath.md, "Heartbeats"). Any other spelling takes the pipeline, with the same answer.

/** `{"requestId":"<id>","ping":{}}`: the id printable ASCII without quotes or backslashes, as long as any requestId may be. */
const plainPing = /^\{"requestId":"([\x20\x21\x23-\x5b\x5d-\x7e]{0,64})","ping":\{\}\}$/;
const longestPlainPing = '{"requestId":"","ping":{}}'.length + 64;

/** The requestId of a ping frame written the SDK's way, or undefined for any other frame. */
export function plainPingRequestId(data: Buffer): string | undefined {
  if (data.length > longestPlainPing || data[0] !== 0x7b) return undefined;
  return plainPing.exec(data.toString('latin1'))?.[1];
}

/**
 * The answer to a ping, written as the pipeline writes it (ServerMessage.toJSON of a PingResponse;
 * the unit test holds the two together): the generated toJSON looks through every case of the
 * message, a tenth of what a heartbeat cost the gateway.
 */
export function pongFrame(requestId: string, now: Date): string {
  return `{"requestId":${JSON.stringify(requestId)},"ping":{"serverTime":"${now.toISOString()}"}}`;
}
