// The room service's use cases wired as service.ts wires them, on the in-memory store and stand-ins
// for the URL issuer and presence: unit tests of the application layer run in milliseconds, without
// Postgres, NATS or gRPC.
import { testLogger } from '@rtcroom/common/testing';
import type { mediav1 } from '@rtcroom/proto';
import { Calls, PresencePort } from '../../src/calls/application/calls';
import { RoomTransactions } from '../../src/changes/room-transaction';
import { InMemoryStore } from '../../src/db/in-memory-store';
import { Desk } from '../../src/desk/application/desk';
import { TeamDirectory } from '../../src/desk/application/desk-directory';
import { DeskRouting } from '../../src/desk/application/desk-routing';
import type { OutboxRow } from '../../src/outbox/outbox-row';
import { IssuedPushUrl, Memberships, PushUrlIssuer, PushUrlRequest } from '../../src/rooms/application/memberships';
import { Rooms } from '../../src/rooms/application/rooms';
import type { ClientKind, RoomOptions } from '../../src/rooms/domain/room';

/** Signs nothing: a push URL per member, named after it. */
export class StandInIssuer implements PushUrlIssuer {
  signed = 0;

  async issuePushUrl({ memberId, record: recording, kind }: PushUrlRequest): Promise<IssuedPushUrl> {
    this.signed++;
    const webrtcUrl = kind === 'browser' ? `webrtc://media.test/push/s_${memberId}` : '';
    return { streamId: `s_${memberId}`, url: `rtmp://media.test/live/s_${memberId}`, expireTime: new Date(Date.now() + 3600_000), recording, webrtcUrl, webrtcUnavailable: '' };
  }

  async issueViewerPlayUrls(_roomId: string, viewerIdentity: string, streamIds: string[], kind?: ClientKind): Promise<mediav1.PlayUrl[]> {
    return streamIds.map((streamId) => ({
      streamId,
      viewerIdentity,
      rtcUrl: `rtmp://media.test/live/${streamId}`,
      rtmpUrl: '',
      flvUrl: '',
      hlsUrl: '',
      expireTime: undefined,
      webrtcUrl: kind === 'browser' ? `webrtc://media.test/live/${streamId}` : '',
      webrtcUnavailable: '',
    }));
  }
}

/** Who is connected: whoever the test says. */
export class StandInPresence implements PresencePort {
  readonly online = new Set<string>();

  async isOnline(identity: string) {
    return this.online.has(identity);
  }

  async onlineAmong(identities: string[]) {
    return new Set(identities.filter((id) => this.online.has(id)));
  }
}

export interface InMemoryRoomService {
  store: InMemoryStore;
  tx: RoomTransactions;
  rooms: Rooms;
  members: Memberships;
  calls: Calls;
  routing: DeskRouting;
  desk: Desk;
  issuer: StandInIssuer;
  presence: StandInPresence;
  /** Outbox rows as handed to the relay after each commit. */
  committed: OutboxRow[];
  /** A second instance on the same store (its own remembered rooms), as two room services on one database. */
  anotherInstance(): InMemoryRoomService;
  stop(): Promise<void>;
}

export function inMemoryRoomService(store = new InMemoryStore(), presence = new StandInPresence()): InMemoryRoomService {
  const committed: OutboxRow[] = [];
  const tx = new RoomTransactions(store, (rows) => committed.push(...rows));
  const rooms = new Rooms(tx, { defaultMaxMembers: 6, maxMembersCap: 50, defaultEmptyTimeoutSeconds: 300, defaultDepartureTimeoutSeconds: 20 });
  const issuer = new StandInIssuer();
  const members = new Memberships(tx, rooms, issuer);
  const calls = new Calls(tx, rooms, members, presence, 30);
  const teams = new TeamDirectory(store.desk);
  const routing = new DeskRouting(tx, calls, presence, teams, testLogger('room'), { defaultHandlingSeconds: 120 });
  const desk = new Desk(tx, rooms, members, calls, presence, routing, teams, issuer);
  return {
    store,
    tx,
    rooms,
    members,
    calls,
    routing,
    desk,
    issuer,
    presence,
    committed,
    anotherInstance: () => inMemoryRoomService(store, presence),
    stop: () => routing.stop(),
  };
}

/** A group room's options, as a client creating one would give them. */
export function groupRoom(name: string, maxMembers: number, owner = 'owner'): RoomOptions {
  return {
    name,
    kind: 'group',
    displayName: '',
    maxMembers,
    metadata: '',
    recording: false,
    ownerIdentity: owner,
    ownerRights: 'manage',
    ownerLeavePolicy: 'transfer',
    emptyTimeoutSeconds: 0,
    departureTimeoutSeconds: 0,
    duplicateIdentity: 'replace',
  };
}
