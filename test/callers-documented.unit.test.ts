// Each RPC's "Callers:" comment in proto/ says which certificate roles may call it; the allow-list
// each service enforces (bindService's CallerPolicy) must say the same, so the contract a reader
// trusts is the one the servers apply.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tokenServiceCallers } from '../services/gateway/src/token.grpc';
import { presenceServiceCallers } from '../services/presence/src/transport/presence.grpc';
import { callServiceCallers } from '../services/room/src/calls/transport/call.grpc';
import { deskServiceCallers } from '../services/room/src/desk/transport/desk.grpc';
import { roomServiceCallers } from '../services/room/src/rooms/transport/room.grpc';
import { webhookServiceCallers } from '../services/room/src/webhooks/webhook.grpc';
import { mediaBridgeServiceCallers } from '../services/media-bridge/src/transport/media-bridge.grpc';
import { urlIssuerServiceCallers } from '../services/url-issuer/src/url-issuer.grpc';

const policies: Array<[string, Record<string, readonly string[]>]> = [
  ['room/v1/room_service.proto', roomServiceCallers],
  ['room/v1/call_service.proto', callServiceCallers],
  ['room/v1/webhook_service.proto', webhookServiceCallers],
  ['desk/v1/desk_service.proto', deskServiceCallers],
  ['presence/v1/presence_service.proto', presenceServiceCallers],
  ['media/v1/url_issuer_service.proto', urlIssuerServiceCallers],
  ['media/v1/media_bridge_service.proto', mediaBridgeServiceCallers],
  ['gateway/v1/token_service.proto', tokenServiceCallers],
];

/** rpc name (as the generated definition spells it) -> the roles its "Callers:" line lists. */
function documentedCallers(proto: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const lines = readFileSync(join(__dirname, '..', 'proto', 'rtcroom', proto), 'utf8').split('\n');
  lines.forEach((line, i) => {
    const rpc = /^\s*rpc (\w+)\(/.exec(line);
    if (!rpc) return;
    const callers = /^\s*\/\/ Callers: ([a-z, -]+?)[.(]/.exec(lines[i - 1] ?? '');
    out[rpc[1][0].toLowerCase() + rpc[1].slice(1)] = callers ? callers[1].split(',').map((r) => r.trim()) : ['(no Callers line)'];
  });
  return out;
}

it.each(policies)('%s: every RPC documents the callers its service admits', (proto, policy) => {
  const asEnforced = Object.fromEntries(Object.entries(policy).map(([method, roles]) => [method, [...roles]]));
  expect(documentedCallers(proto)).toEqual(asEnforced);
});
