// rtcroom members: list, remove, ban, unban, mute, allow-unmute, role (RoomService, as the operator).
import { roomServicev1, roomv1 } from '@rtcroom/proto';
import { command, group } from '../command-tree';
import { enumName, table, time } from '../output';
import { usageError } from '../cli-error';
import { roomId, seconds, text } from './arguments';

export const membersTable = (members: roomv1.Member[]) =>
  table(
    ['IDENTITY', 'NAME', 'ROLE', 'STATE', 'CONNECTED', 'MIC', 'CAMERA', 'JOINED'],
    members.map((m) => [
      m.identity,
      m.displayName,
      m.role === roomv1.MemberRole.MEMBER_ROLE_AUDIENCE ? 'audience' : 'seat',
      enumName(roomv1.memberStateToJSON(m.state), 'MEMBER_STATE_'),
      m.connectionInterrupted ? 'no' : 'yes',
      track(m.media?.audio),
      track(m.media?.video),
      time(m.joinTime),
    ]),
    'nobody is seated',
  );

/** A track as the table shows it: on/off, and what the room's managers said of it. */
function track(t: roomv1.TrackState | undefined): string {
  if (!t) return '-';
  return (t.on ? 'on' : 'off') + (t.forbidden ? ' (forbidden)' : t.muteRequested ? ' (asked off)' : '');
}

const trackFlags = {
  audio: { type: 'boolean' as const, help: 'the microphone' },
  video: { type: 'boolean' as const, help: 'the camera' },
};

/** The tracks named by --audio / --video; neither: both. */
const tracks = (flags: Record<string, unknown>) => (flags.audio || flags.video ? { audio: !!flags.audio, video: !!flags.video } : { audio: true, video: true });

const roles: Record<string, roomv1.MemberRole> = { seat: roomv1.MemberRole.MEMBER_ROLE_SEAT, audience: roomv1.MemberRole.MEMBER_ROLE_AUDIENCE };

const reasonFlag = { reason: { type: 'string' as const, value: 'TEXT', help: 'why, for people (in the MemberLeft event; up to 256 characters)' } };

export const members = group({
  summary: "A room's members (seats and audience): list them, remove or ban one, lift a ban, mute one, move one between a seat and the audience.",
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
    mute: command({
      summary: "asks a member to turn its microphone and/or camera off (its SDK turns its pusher's off)",
      args: '<room> <identity>',
      arity: [2, 2],
      details: 'Neither --audio nor --video: both. With --forbid-unmute its reports of them on are refused (MEDIA_FORBIDDEN) until allow-unmute.',
      flags: { ...trackFlags, 'forbid-unmute': { type: 'boolean', help: 'keep them off until allow-unmute' } },
      async run(ctx, [ref, identity], flags) {
        const answer = await ctx.connection.rooms().muteMember({ roomId: await roomId(ctx, ref), identity, ...tracks(flags), forbidUnmute: !!flags['forbid-unmute'] });
        ctx.output.result(roomServicev1.MuteMemberResponse.toJSON(answer), () =>
          `${identity}: microphone ${track(answer.member?.media?.audio)}, camera ${track(answer.member?.media?.video)}\n`);
      },
    }),
    'allow-unmute': command({
      summary: 'lets a member turn its microphone and/or camera on again after mute --forbid-unmute',
      args: '<room> <identity>',
      arity: [2, 2],
      details: 'Neither --audio nor --video: both.',
      flags: trackFlags,
      async run(ctx, [ref, identity], flags) {
        const answer = await ctx.connection.rooms().allowUnmute({ roomId: await roomId(ctx, ref), identity, ...tracks(flags) });
        ctx.output.result(roomServicev1.AllowUnmuteResponse.toJSON(answer), () =>
          `${identity}: microphone ${track(answer.member?.media?.audio)}, camera ${track(answer.member?.media?.video)}\n`);
      },
    }),
    role: command({
      summary: 'moves a member between a seat and the audience ("连麦")',
      args: '<room> <identity> <seat|audience>',
      arity: [3, 3],
      details: 'As the operator, at once either way (ROOM_FULL when every seat is taken, AUDIENCE_FULL when the audience is full); an owner in the room only invites to a seat.',
      async run(ctx, [ref, identity, name]) {
        const role = roles[name];
        if (role === undefined) throw usageError(`the role must be seat or audience, got "${name}"`);
        const answer = await ctx.connection.rooms().setMemberRole({ roomId: await roomId(ctx, ref), identity, role });
        const m = answer.member;
        ctx.output.result(roomServicev1.SetMemberRoleResponse.toJSON(answer), () =>
          m?.role === role ? `${identity} is now ${name === 'seat' ? 'seated' : 'in the audience'}\n` : m?.seatInvited ? `invited ${identity} to a seat\n` : `${identity}: no change\n`);
      },
    }),
  },
});
