// The service desk's store on Postgres: the port (desk-store.ts) over the repository's functions,
// bound to the pool or to one transaction.
import type { RoomDb } from '../../db/database';
import type { Agent, Team } from '../domain/desk';
import * as desk from './desk.repository';
import type { CallRecordingFilter, CallRecordingRow, DeskStore } from './desk-store';

export class PgDeskStore implements DeskStore {
  constructor(private readonly db: RoomDb) {}

  insertTeam(team: Team) {
    return desk.insertTeam(this.db, team);
  }
  findTeam(idOrName: string) {
    return desk.findTeam(this.db, idOrName);
  }
  listTeams() {
    return desk.listTeams(this.db);
  }
  agentsOf(teamId: string) {
    return desk.agentsOf(this.db, teamId);
  }
  lockAgent(teamId: string, identity: string) {
    return desk.lockAgent(this.db, teamId, identity);
  }
  saveAgent(agent: Agent) {
    return desk.saveAgent(this.db, agent);
  }
  lockTeam(teamId: string) {
    return desk.lockTeam(this.db, teamId);
  }
  lockIdentity(identity: string) {
    return desk.lockIdentity(this.db, identity);
  }
  busyInAnyTeam(identity: string) {
    return desk.busyInAnyTeam(this.db, identity);
  }
  busyElsewhere(teamId: string, identities: string[]) {
    return desk.busyElsewhere(this.db, teamId, identities);
  }
  waitingCalls(teamId: string) {
    return desk.waitingCalls(this.db, teamId);
  }
  liveCalls(teamId: string) {
    return desk.liveCalls(this.db, teamId);
  }
  countWaiting(teamId: string) {
    return desk.countWaiting(this.db, teamId);
  }
  teamsWithQueuedCalls() {
    return desk.teamsWithQueuedCalls(this.db);
  }
  ringingTeamCalls() {
    return desk.ringingTeamCalls(this.db);
  }
  agentsInWrapUpDue(now: Date, limit: number) {
    return desk.agentsInWrapUpDue(this.db, now, limit);
  }
  teamCallFigures(teamId: string, since: Date) {
    return desk.teamCallFigures(this.db, teamId, since);
  }
  insertCallRecording(row: CallRecordingRow) {
    return desk.insertCallRecording(this.db, row);
  }
  listCallRecordings(filter: CallRecordingFilter, limit: number, after: { createdAt: Date; recordingId: string } | null) {
    return desk.listCallRecordings(this.db, filter, limit, after);
  }
}
