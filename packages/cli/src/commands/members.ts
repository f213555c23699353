// rtcroom members: list, remove, ban, unban (RoomService, as the operator).
import { roomServicev1, roomv1 } from '@rtcroom/proto';
import { command, group } from '../command-tree';
import { enumName, table, time } from '../output';
import { roomId, seconds, text } from './arguments';

export const membersTable = (members: roomv1.Member[]) =>
  table(
    ['IDENTITY', 'NAME', 'ROLE', 'STATE', 'CONNECTED', 'JOINED'],
    members.map((m) => [
      m.identity,
      m.displayName,
      m.role === roomv1.MemberRole.MEMBER_ROLE_AUDIENCE ? 'audience' : 'seat',
      enumName(roomv1.memberStateToJSON(m.state), 'MEMBER_STATE_'),
      m.connectionInterrupted ? 'no' : 'yes',
      time(m.joinTime),
    ]),
    'nobody is seated',
  );

const reasonFlag = { reason: { type: 'string' as const, value: 'TEXT', help: 'why, for people (in the MemberLeft event; up to 256 characters)' } };

export const members = group({
  summary: "A room's members (seats and audience): list them, remove or ban one, lift a ban.",
  children: {
    list: command({
      summary: 'the members, seated and in the audience',
      args: '<room>',
      arity: [1, 1],
      async run(ctx, [ref]) {
        const answer = await ctx.connection.rooms().listMembers({ roomId: await roomId(ctx, ref) });
        ctx.output.result(roomServicev1.ListMembersResponse.toJSON(answer), () => membersTable(answer.members));
      },
    }),
    remove: command({
      summary: 'takes a member\'s seat (it may join again; "ban" keeps it out)',
      args: '<room> <identity>',
      arity: [2, 2],
      flags: reasonFlag,
      async run(ctx, [ref, identity], flags) {
        const answer = await ctx.connection.rooms().removeMember({ roomId: await roomId(ctx, ref), identity, reasonText: text(flags, 'reason') ?? '', banSeconds: 0 });
        ctx.output.result(roomServicev1.RemoveMemberResponse.toJSON(answer), () => `removed ${identity}\n`);
      },
    }),
    ban: command({
      summary: 'keeps an identity out of a room for a while (removing it if seated)',
      args: '<room> <identity>',
      arity: [2, 2],
      details: 'Its joins fail with BANNED, whatever token it holds. An identity not seated is banned all the same.',
      flags: {
        for: { type: 'string', value: 'DURATION', help: 'how long: 90, 15m, 2h, 7d (default 1h; at most 30d)' },
        ...reasonFlag,
      },
      async run(ctx, [ref, identity], flags) {
        const banSeconds = seconds(flags, 'for') ?? 3600;
        const answer = await ctx.connection.rooms().removeMember({ roomId: await roomId(ctx, ref), identity, reasonText: text(flags, 'reason') ?? '', banSeconds });
        ctx.output.result(roomServicev1.RemoveMemberResponse.toJSON(answer), () =>
          `banned ${identity} until ${time(answer.bannedUntil)}${answer.member ? ' (removed from its seat)' : ''}\n`);
      },
    }),
    unban: command({
      summary: 'lifts a ban: the identity may join again',
      args: '<room> <identity>',
      arity: [2, 2],
      async run(ctx, [ref, identity]) {
        const answer = await ctx.connection.rooms().unbanMember({ roomId: await roomId(ctx, ref), identity });
        ctx.output.result(roomServicev1.UnbanMemberResponse.toJSON(answer), () =>
          answer.wasBanned ? `lifted the ban of ${identity}\n` : `${identity} was not banned\n`);
      },
    }),
  },
});
