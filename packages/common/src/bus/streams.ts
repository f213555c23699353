// rtcroom's JetStream streams, each defined here once, with the one service that declares it: the
// service that publishes to it. Only the owner creates the stream or brings its settings up to date
// (at its start: openEventBus with its own streams); a service that consumes another's stream binds to
// it as it is (startEventConsumer) and never rewrites it. So two versions of the services running side
// by side during a deploy do not fight over a stream's settings, and a setting an operator changed on
// a stream survives the start of every service that does not own it.
//
// A consumer that starts before the stream's owner has ever run creates the stream from this same
// definition (a consumer needs its stream to exist): the settings are then the owner's, and from then
// on only the owner changes them.
import { StreamSpec } from './event-bus';
import { subjects } from '../subjects';

export type StreamOwner = 'room' | 'url-issuer';

export interface OwnedStreamSpec extends StreamSpec {
  owner: StreamOwner;
}

/** Room events, numbered per room, published by the room service's outbox relay (the gateways' feed). */
export const roomEventsStream: OwnedStreamSpec = { name: 'ROOM_EVENTS', subjects: [subjects.allRoomEvents], maxAgeSeconds: 24 * 3600, owner: 'room' };

/** Call invitations and their progress, addressed to users; published by the room service. */
export const userEventsStream: OwnedStreamSpec = { name: 'USER_EVENTS', subjects: [subjects.allUserEvents], maxAgeSeconds: 3600, owner: 'room' };

/**
 * The media server's facts (stream began/ended, recording ready), published by the url-issuer; kept a
 * week so a consumer that was down (presence, the room service) catches up.
 */
export const mediaEventsStream: OwnedStreamSpec = { name: 'MEDIA_EVENTS', subjects: [subjects.allMediaEvents], maxAgeSeconds: 7 * 24 * 3600, owner: 'url-issuer' };

export const allStreams: readonly OwnedStreamSpec[] = [roomEventsStream, userEventsStream, mediaEventsStream];

/** The streams a service declares (creates and keeps up to date) at its start. */
export function streamsOwnedBy(owner: StreamOwner): OwnedStreamSpec[] {
  return allStreams.filter((s) => s.owner === owner);
}
