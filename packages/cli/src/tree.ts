// rtcroom's commands, as one tree.
import { group } from './command-tree';
import { desk } from './commands/desk';
import { events } from './commands/events';
import { members } from './commands/members';
import { rooms } from './commands/rooms';
import { tokens } from './commands/tokens';
import { webhooks } from './commands/webhooks';

export const rtcroom = group({
  summary:
    "Administers an rtcroom system over its services' gRPC, as an operator (an internal certificate with\n" +
    'mutual TLS). Exit status: 0 done; 1 the service refused (the code is its reason, e.g. ROOM_NOT_FOUND);\n' +
    '2 a wrong command line (USAGE); 3 nothing answers at the address (UNREACHABLE, UNAVAILABLE); 4 this\n' +
    "side's configuration (CONFIG, TLS_REQUIRED). Errors go to stderr as `CODE: message`, with --json as\n" +
    '{"error": {"code", "message"}}. Plain gRPC is used only to this machine unless --insecure.',
  children: { rooms, members, events, webhooks, tokens, desk },
});
