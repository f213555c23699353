// Text frames <-> protocol messages: the protobuf JSON mapping of gatewayv1.ClientMessage and
// ServerMessage. Anything that is not one well-formed ClientMessage is refused with a stable code:
// MALFORMED_FRAME when it is no JSON object, INVALID_ARGUMENT naming the field when a field does not
// fit its type, range or limit (frame-schema.ts), UNKNOWN_MESSAGE when it carries no known request.
import { gatewayv1 } from '@rtcroom/proto';
import { GatewayError } from '../errors';
import { FrameSchema } from './frame-schema';

const requestIdPattern = /^[\x20-\x7e]{0,64}$/;
/** Loaded once, when the gateway starts (it reads the descriptor set from disk). */
const clientMessageSchema = FrameSchema.load();

export function decodeClientFrame(data: Buffer | string, maxBytes: number): gatewayv1.ClientMessage {
  const size = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
  if (size > maxBytes) throw new GatewayError('FRAME_TOO_LARGE', `frames are limited to ${maxBytes} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch (err) {
    throw new GatewayError('MALFORMED_FRAME', 'a frame must be one JSON object', { cause: err });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new GatewayError('MALFORMED_FRAME', 'a frame must be one JSON object');
  }
  clientMessageSchema.check(json);
  // Checked above: what ts-proto's fromJSON reads now is what the contract says it is.
  const message = gatewayv1.ClientMessage.fromJSON(json);
  if (!requestIdPattern.test(message.requestId)) {
    throw new GatewayError('MALFORMED_FRAME', 'requestId must be at most 64 printable characters');
  }
  if (!message.message) {
    throw new GatewayError('UNKNOWN_MESSAGE', `no known message in the frame (keys: ${Object.keys(json).slice(0, 5).join(', ')})`);
  }
  return message;
}

/** The requestId of a frame that could not be decoded, if it has a usable one, to answer it. */
export function salvageRequestId(data: Buffer | string, maxBytes: number): string {
  if ((typeof data === 'string' ? data.length : data.length) > maxBytes) return '';
  try {
    const json = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
    const id = json?.requestId ?? json?.request_id;
    return typeof id === 'string' && requestIdPattern.test(id) ? id : '';
  } catch {
    return '';
  }
}

export function encodeServerMessage(message: gatewayv1.ServerMessage): string {
  return JSON.stringify(gatewayv1.ServerMessage.toJSON(message));
}
