// rtcroom tokens issue: an access token for a client, signed by the gateway's TokenService (so the
// operator needs an internal certificate, not the signing secret).
import { tokenv1 } from '@rtcroom/proto';
import { command, group } from '../command-tree';
import { list, seconds, text } from './arguments';

export const tokens = group({
  summary: "Access tokens for clients, signed by the gateway's TokenService.",
  children: {
    issue: command({
      summary: 'prints an access token for an identity (create and join rooms, plus the grants asked for)',
      args: '<identity>',
      arity: [1, 1],
      details: 'Like `npm run token`, but signed by the gateway itself: no secret on this machine.',
      flags: {
        name: { type: 'string', value: 'TEXT', help: 'display name used when the client gives none' },
        ttl: { type: 'string', value: 'DURATION', help: 'lifetime: 3600, 90m, 8h, 7d (60 s to 7 days; default 6h)' },
        room: { type: 'string', value: 'ROOM', help: 'only this room (a name or an id)' },
        list: { type: 'boolean', help: 'may list and read rooms it is not in' },
        admin: { type: 'boolean', help: 'may update and close rooms, remove and ban members (in --room only, when given)' },
        agent: { type: 'string', value: 'TEAMS', help: 'service-desk agent of these teams (comma-separated)' },
        audience: { type: 'boolean', help: 'joins only as audience: no seat, not even by promotion' },
        supervisor: { type: 'string', value: 'TEAMS', help: 'service-desk supervisor of these teams (comma-separated)' },
      },
      async run(ctx, [identity], flags) {
        const grants = tokenv1.Grants.fromPartial({
          roomCreate: true,
          roomJoin: true,
          room: text(flags, 'room') ?? '',
          roomList: flags.list === true,
          roomAdmin: flags.admin === true,
          agentTeams: list(flags, 'agent') ?? [],
          audienceOnly: flags.audience === true,
          supervisorTeams: list(flags, 'supervisor') ?? [],
        });
        const answer = await ctx.connection.tokens().issueAccessToken({ identity, name: text(flags, 'name') ?? '', ttlSeconds: seconds(flags, 'ttl') ?? 0, grants });
        // The token alone, so that TOKEN=$(rtcroom tokens issue alice) works.
        ctx.output.result(tokenv1.IssueAccessTokenResponse.toJSON(answer), () => `${answer.token}\n`);
      },
    }),
  },
});
