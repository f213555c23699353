// rtcroom rooms: list, get, create, update, close (RoomService, as the operator).
import { roomServicev1, roomv1 } from '@rtcroom/proto';
import { usageError } from '../cli-error';
import { command, group } from '../command-tree';
import { enumName, fields, table, time } from '../output';
import { list, roomId, roomRef, text, wholeNumber } from './arguments';
import { membersTable } from './members';

const { Room, RoomKind, OwnerRights } = roomv1;

export function roomSummary(r: roomv1.Room): Record<string, string | number | undefined> {
  return {
    id: r.id,
    name: r.name,
    'display name': r.displayName,
    kind: enumName(roomv1.roomKindToJSON(r.kind), 'ROOM_KIND_'),
    state: enumName(roomv1.roomStateToJSON(r.state), 'ROOM_STATE_'),
    members: `${r.memberCount}/${r.maxMembers}`,
    owner: r.ownerIdentity,
    metadata: r.metadata,
    recording: r.recording ? (r.recordingFormats.join(',') || 'yes') : undefined,
    created: time(r.createTime),
    closed: r.closeTime ? `${time(r.closeTime)} (${enumName(roomv1.closeReasonToJSON(r.closeReason), 'CLOSE_REASON_')})` : undefined,
  };
}

const roomsTable = (rooms: roomv1.Room[]) =>
  table(
    ['ID', 'NAME', 'KIND', 'MEMBERS', 'CREATED'],
    rooms.map((r) => [r.id, r.name, enumName(roomv1.roomKindToJSON(r.kind), 'ROOM_KIND_'), `${r.memberCount}/${r.maxMembers}`, time(r.createTime)]),
    'no open rooms',
  );

const kinds: Record<string, roomv1.RoomKind> = { group: RoomKind.ROOM_KIND_GROUP, call: RoomKind.ROOM_KIND_CALL };
const ownerRights: Record<string, roomv1.OwnerRights> = { manage: OwnerRights.OWNER_RIGHTS_MANAGE, none: OwnerRights.OWNER_RIGHTS_NONE };

function choice<T>(choices: Record<string, T>, flag: string, raw: string | undefined): T | undefined {
  if (raw === undefined) return undefined;
  if (!(raw in choices)) throw usageError(`--${flag} must be one of ${Object.keys(choices).join(', ')}, got "${raw}"`);
  return choices[raw];
}

export const rooms = group({
  summary: 'Open rooms: list them, read one with its members, create, update and close them.',
  children: {
    list: command({
      summary: 'the open rooms, newest first',
      arity: [0, 0],
      flags: {
        'page-size': { type: 'string', value: 'N', help: 'rooms per call, 1-100 (default 50)' },
        all: { type: 'boolean', help: 'every open room (follows the pages)' },
      },
      async run(ctx, _args, flags) {
        const pageSize = wholeNumber(flags, 'page-size', { min: 1, max: 100 }) ?? 0;
        const client = ctx.connection.rooms();
        const found: roomv1.Room[] = [];
        let pageToken = '';
        let nextPageToken = '';
        do {
          const page = await client.listRooms({ pageSize, pageToken });
          found.push(...page.rooms);
          nextPageToken = page.nextPageToken;
          pageToken = page.nextPageToken;
        } while (flags.all && pageToken);
        ctx.output.result(
          roomServicev1.ListRoomsResponse.toJSON({ rooms: found, nextPageToken }),
          () => roomsTable(found) + (nextPageToken ? `(more: --all lists every one)\n` : ''),
        );
      },
    }),
    get: command({
      summary: 'a room, by id or name, with its members',
      args: '<room>',
      arity: [1, 1],
      async run(ctx, [ref]) {
        const answer = await ctx.connection.rooms().getRoom(roomRef(ref));
        ctx.output.result(roomServicev1.GetRoomResponse.toJSON(answer), () =>
          fields({ ...roomSummary(answer.room!), seq: answer.seq }) + '\n' + membersTable(answer.members));
      },
    }),
    create: command({
      summary: 'opens a room',
      args: '[name]',
      arity: [0, 1],
      details: 'Without a name the service makes one up. ALREADY_EXISTS when an open room has the name.',
      flags: {
        kind: { type: 'string', value: 'group|call', help: 'group (default) or call (two seats)' },
        'display-name': { type: 'string', value: 'TEXT', help: 'the name people see' },
        'max-members': { type: 'string', value: 'N', help: "seats (default: the service's ROOM_DEFAULT_MAX_MEMBERS)" },
        metadata: { type: 'string', value: 'TEXT', help: 'anything the business system keeps with the room' },
        record: { type: 'string', value: 'FORMATS', help: 'record the room: mp4, hls, or mp4,hls' },
        owner: { type: 'string', value: 'IDENTITY', help: "the room's owner" },
        'owner-rights': { type: 'string', value: 'manage|none', help: 'what the owner may do (default manage)' },
        'request-id': { type: 'string', value: 'ID', help: 'a retry with the same id returns the room the first call made' },
      },
      async run(ctx, [name], flags) {
        const formats = list(flags, 'record');
        const room = Room.fromPartial({
          name: name ?? '',
          kind: choice(kinds, 'kind', text(flags, 'kind')) ?? RoomKind.ROOM_KIND_UNSPECIFIED,
          displayName: text(flags, 'display-name') ?? '',
          maxMembers: wholeNumber(flags, 'max-members', { min: 1 }) ?? 0,
          metadata: text(flags, 'metadata') ?? '',
          recording: formats !== undefined,
          recordingFormats: formats ?? [],
          ownerIdentity: text(flags, 'owner') ?? '',
          ownerRights: choice(ownerRights, 'owner-rights', text(flags, 'owner-rights')) ?? OwnerRights.OWNER_RIGHTS_UNSPECIFIED,
        });
        const answer = await ctx.connection.rooms().createRoom({ room, requestId: text(flags, 'request-id') ?? '' });
        ctx.output.result(roomServicev1.CreateRoomResponse.toJSON(answer), () => fields(roomSummary(answer.room!)));
      },
    }),
    update: command({
      summary: "changes a room's display name, metadata or owner rights",
      args: '<room>',
      arity: [1, 1],
      details: 'Only the fields given change; members are told (RoomUpdated).',
      flags: {
        'display-name': { type: 'string', value: 'TEXT', help: 'the name people see' },
        metadata: { type: 'string', value: 'TEXT', help: 'anything the business system keeps with the room' },
        'owner-rights': { type: 'string', value: 'manage|none', help: 'what the owner may do' },
      },
      async run(ctx, [ref], flags) {
        const rights = choice(ownerRights, 'owner-rights', text(flags, 'owner-rights'));
        const patch = { displayName: text(flags, 'display-name'), metadata: text(flags, 'metadata'), ownerRights: rights };
        const updateMask = [
          ...(patch.displayName !== undefined ? ['display_name'] : []),
          ...(patch.metadata !== undefined ? ['metadata'] : []),
          ...(rights !== undefined ? ['owner_rights'] : []),
        ];
        if (updateMask.length === 0) throw usageError('nothing to update: give --display-name, --metadata or --owner-rights');
        const id = await roomId(ctx, ref);
        const room = Room.fromPartial({ displayName: patch.displayName ?? '', metadata: patch.metadata ?? '', ownerRights: rights ?? OwnerRights.OWNER_RIGHTS_UNSPECIFIED });
        const answer = await ctx.connection.rooms().updateRoom({ roomId: id, room, updateMask });
        ctx.output.result(roomServicev1.UpdateRoomResponse.toJSON(answer), () => fields(roomSummary(answer.room!)));
      },
    }),
    close: command({
      summary: 'closes a room: every member leaves (closing a closed room changes nothing)',
      args: '<room>',
      arity: [1, 1],
      async run(ctx, [ref]) {
        const answer = await ctx.connection.rooms().closeRoom({ roomId: await roomId(ctx, ref) });
        ctx.output.result(roomServicev1.CloseRoomResponse.toJSON(answer), () => fields(roomSummary(answer.room!)));
      },
    }),
  },
});
