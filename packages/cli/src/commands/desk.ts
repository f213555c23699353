// rtcroom desk: the service desk's teams, their figures and call recordings (DeskService). `npm run
// desk` is this group.
import { deskServicev1, deskv1 } from '@rtcroom/proto';
import { command, group } from '../command-tree';
import { enumName, fields, table, time } from '../output';
import { isoTime, list, seconds, text, wholeNumber } from './arguments';
import { usageError } from '../cli-error';

const teamFields = (t: deskv1.Team) =>
  fields({
    id: t.id,
    name: t.name,
    'display name': t.displayName,
    recording: t.recordingFormats.join(','),
    'ring timeout': `${t.ringTimeoutSeconds} s`,
    'wrap-up': `${t.wrapUpSeconds} s`,
    'queue limit': t.queueLimit,
  });

const teams = group({
  summary: 'Service-desk teams: list, show, create.',
  children: {
    list: command({
      summary: 'every team',
      arity: [0, 0],
      async run(ctx) {
        const answer = await ctx.connection.desk().listTeams({});
        ctx.output.result(deskServicev1.ListTeamsResponse.toJSON(answer), () =>
          table(['ID', 'NAME', 'DISPLAY NAME', 'QUEUE LIMIT'], answer.teams.map((t) => [t.id, t.name, t.displayName, String(t.queueLimit)]), 'no teams'));
      },
    }),
    show: command({
      summary: 'a team, by id or name, with its agents and the calls waiting',
      args: '<team>',
      arity: [1, 1],
      async run(ctx, [team]) {
        const answer = await ctx.connection.desk().getTeam({ teamId: team, name: '' });
        ctx.output.result(deskServicev1.GetTeamResponse.toJSON(answer), () =>
          teamFields(answer.team!) +
          '\n' +
          table(['AGENT', 'STATE', 'CONNECTED'], answer.agents.map((a) => [a.identity, enumName(deskv1.agentStateToJSON(a.state), 'AGENT_STATE_'), a.connected ? 'yes' : 'no']), 'no agents') +
          `${answer.queue.length} call(s) waiting\n`);
      },
    }),
    create: command({
      summary: 'creates a team',
      args: '<name>',
      arity: [1, 1],
      flags: {
        'display-name': { type: 'string', value: 'TEXT', help: 'the name people see' },
        record: { type: 'string', value: 'FORMATS', help: "record the team's calls: mp4, hls, or mp4,hls" },
        ring: { type: 'string', value: 'DURATION', help: 'how long an agent is rung before the call moves on' },
        'wrap-up': { type: 'string', value: 'DURATION', help: "an agent's pause after a call" },
        'queue-limit': { type: 'string', value: 'N', help: 'calls that may wait; beyond, QUEUE_FULL' },
      },
      async run(ctx, [name], flags) {
        const team = deskv1.Team.fromPartial({
          name,
          displayName: text(flags, 'display-name') ?? '',
          recordingFormats: list(flags, 'record') ?? [],
          ringTimeoutSeconds: seconds(flags, 'ring') ?? 0,
          wrapUpSeconds: seconds(flags, 'wrap-up') ?? 0,
          queueLimit: wholeNumber(flags, 'queue-limit', { min: 1 }) ?? 0,
        });
        const answer = await ctx.connection.desk().createTeam({ team });
        ctx.output.result(deskServicev1.CreateTeamResponse.toJSON(answer), () => teamFields(answer.team!));
      },
    }),
  },
});

export const desk = group({
  summary: "The service desk: teams, their figures, their calls' recordings.",
  aliases: { team: 'teams' },
  children: {
    teams,
    stats: command({
      summary: "a team's figures since a time (default: the last 24 hours)",
      args: '<team>',
      arity: [1, 1],
      flags: { since: { type: 'string', value: 'ISO-TIME', help: 'calls made since then' } },
      async run(ctx, [team], flags) {
        const answer = await ctx.connection.desk().getTeamStats({ team, since: isoTime(flags, 'since') });
        const s = answer.stats!;
        ctx.output.result(deskServicev1.GetTeamStatsResponse.toJSON(answer), () =>
          fields({
            since: time(s.since),
            offered: s.callsOffered,
            answered: s.callsAnswered,
            abandoned: s.callsAbandoned,
            'waiting now': s.waitingNow,
            'average wait': `${s.averageWaitSeconds.toFixed(1)} s`,
            'longest wait': `${s.longestWaitSeconds.toFixed(1)} s`,
            'average handling': `${s.averageHandlingSeconds.toFixed(1)} s`,
            'agents signed in': s.agentsSignedIn,
            'agents available': s.agentsAvailable,
          }));
      },
    }),
    recordings: command({
      summary: "recordings of the desk's calls, newest first, by call, team, agent or customer",
      arity: [0, 0],
      flags: {
        call: { type: 'string', value: 'ID', help: 'of this call' },
        team: { type: 'string', value: 'TEAM', help: 'of this team (id or name)' },
        agent: { type: 'string', value: 'IDENTITY', help: 'of calls this agent held' },
        customer: { type: 'string', value: 'IDENTITY', help: "of this customer's calls" },
      },
      async run(ctx, _args, flags) {
        const req = deskServicev1.ListCallRecordingsRequest.fromPartial({
          callId: text(flags, 'call') ?? '',
          team: text(flags, 'team') ?? '',
          agentIdentity: text(flags, 'agent') ?? '',
          customerIdentity: text(flags, 'customer') ?? '',
        });
        if (!req.callId && !req.team && !req.agentIdentity && !req.customerIdentity) throw usageError('give --call, --team, --agent or --customer');
        const answer = await ctx.connection.desk().listCallRecordings(req);
        ctx.output.result(deskServicev1.ListCallRecordingsResponse.toJSON(answer), () =>
          table(
            ['CALL', 'CUSTOMER', 'AGENTS', 'URL'],
            answer.recordings.map((r) => [r.callId, r.customerIdentity, r.agentIdentities.join(','), r.recording?.url ?? '']),
            'no recordings',
          ));
      },
    }),
  },
});
