// The one statement of an optimistic change that writes no member's row: a room closing on its timer
// with nobody seated, a seat asked for. The room and its events together, or nothing if it moved on.
import { prepared } from '@rtcroom/common';
import { byEventCount, roomWriteCtes, roomWritten } from './room-write.sql';

/** `saved`, `events_written`: room-write.sql.ts; its values are roomWriteValues'. */
export const updateRoomSql = byEventCount((events) => prepared(`with ${roomWriteCtes(events)} ${roomWritten}`));
