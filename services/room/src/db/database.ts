// The room store's tables as Kysely sees them: one Database interface assembled from the tables each
// capability and the plumbing declare beside their repositories.
import { Kysely, Transaction } from 'kysely';
import { CallsTable } from '../calls/store/call.tables';
import { AgentsTable, CallRecordingsTable, TeamsTable } from '../desk/store/desk.tables';
import { RoomMessagesTable } from '../messages/store/message.tables';
import { RoomEventsTable } from '../outbox/outbox.table';
import { MembersTable, RoomBansTable, RoomsTable } from '../rooms/store/room.tables';
import { WebhookDeadLettersTable, WebhooksTable } from '../webhooks/webhook.tables';

export interface RoomDatabase {
  rooms: RoomsTable;
  members: MembersTable;
  room_events: RoomEventsTable;
  room_bans: RoomBansTable;
  webhooks: WebhooksTable;
  webhook_dead_letters: WebhookDeadLettersTable;
  calls: CallsTable;
  teams: TeamsTable;
  agents: AgentsTable;
  call_recordings: CallRecordingsTable;
  room_messages: RoomMessagesTable;
}

export type RoomDb = Kysely<RoomDatabase> | Transaction<RoomDatabase>;
