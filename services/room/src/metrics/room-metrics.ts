// The room service's own metrics. Counts are kept in step with what happens (commits, publishes,
// deliveries); the totals (open rooms, seated members, outbox lag, webhook backlog) are read when
// Prometheus scrapes, each with one query on a partial index, bounded by collectTimeoutMs.
import { ServiceMetrics } from '@rtcroom/common';
import { roomEventv1, roomv1 } from '@rtcroom/proto';
import { Kysely, sql } from 'kysely';
import { RoomDatabase } from '../db/database';
import { OutboxRow } from '../outbox/outbox-row';

/** How far the webhook backlog is counted per endpoint: past it the gauge says "at least this". */
const webhookBacklogCountedUpTo = 10_000;

export interface RoomMetrics {
  /** Rows this instance committed (member.joined and member.left are counted, the latter by reason). */
  committed(rows: OutboxRow[]): void;
  /** The outbox relay's publish of `events` events took `seconds` until JetStream acknowledged them all. */
  relayPublished(seconds: number, events: number): void;
  /** A webhook delivery attempt and how it went. */
  webhookAttempt(delivered: boolean): void;
  /** Events parked as dead letters. */
  webhookDeadLettered(events: number): void;
}

export function roomMetrics(metrics: ServiceMetrics, db: Kysely<RoomDatabase>): RoomMetrics {
  metrics.gaugeAtScrape('rtcroom_room_open_rooms', 'Rooms open now', [], async () => [{ value: await count(db, sql`select count(*)::int as n from rooms where state = 'open'`) }]);
  metrics.gaugeAtScrape('rtcroom_room_seated_members', 'Members holding a seat now (joined or publishing)', [], async () => [
    { value: await count(db, sql`select count(*)::int as n from members where state <> 'left'`) },
  ]);
  metrics.gaugeAtScrape('rtcroom_outbox_lag_seconds', 'Age of the oldest room event not yet published to JetStream (0: none waiting)', [], async () => {
    const { rows } = await sql<{ created_at: Date }>`select created_at from room_events where published_at is null order by tx, position limit 1`.execute(db);
    return [{ value: rows[0] ? Math.max(0, (Date.now() - new Date(rows[0].created_at).getTime()) / 1000) : 0 }];
  });
  metrics.gaugeAtScrape('rtcroom_webhook_queue_depth', `Room events waiting for delivery, summed over webhook endpoints (each counted up to ${webhookBacklogCountedUpTo})`, [], async () => [
    {
      value: await count(
        db,
        sql`select coalesce(sum(c.n), 0)::int as n from webhooks w cross join lateral (
              select count(*) as n from (
                select 1 from room_events e
                where e.seq is not null and (e.tx, e.position) > (w.cursor_tx, w.cursor_position)
                limit ${webhookBacklogCountedUpTo}) x) c`,
      ),
    },
  ]);
  metrics.gaugeAtScrape('rtcroom_webhook_dead_letters', 'Webhook events parked as dead letters now (until redelivered or the endpoint is removed)', [], async () => [
    { value: await count(db, sql`select count(*)::int as n from webhook_dead_letters`) },
  ]);
  const joined = metrics.counter('rtcroom_room_members_joined_total', 'Members seated (committed by this instance)');
  const left = metrics.counter('rtcroom_room_members_left_total', 'Members who gave up their seat, by reason (committed by this instance)', ['reason']);
  const publish = metrics.histogram('rtcroom_outbox_publish_seconds', 'Outbox relay: one batch of events sent to JetStream until every one is acknowledged');
  const published = metrics.counter('rtcroom_outbox_published_total', 'Room events the outbox relay published');
  const attempts = metrics.counter('rtcroom_webhook_attempts_total', 'Webhook delivery attempts, by result (delivered, failed)', ['result']);
  const deadLettered = metrics.counter('rtcroom_webhook_dead_lettered_total', 'Webhook events parked as dead letters after their last failed attempt');
  return {
    committed(rows) {
      for (const row of rows) {
        if (row.subject.endsWith('.member.joined')) joined.inc();
        else if (row.leaveReason) left.inc({ reason: row.leaveReason });
        else if (row.subject.endsWith('.member.left')) {
          // A leave whose reason the row does not carry is decoded to read it.
          const payload = roomEventv1.RoomEvent.decode(row.payload).payload;
          const reason = payload?.$case === 'memberLeft' ? roomv1.LeaveReason[payload.value.reason] : undefined;
          left.inc({ reason: reason?.replace(/^LEAVE_REASON_/, '').toLowerCase() ?? 'unknown' });
        }
      }
    },
    relayPublished(seconds, events) {
      publish.observe(seconds);
      published.inc(events);
    },
    webhookAttempt(delivered) {
      attempts.inc({ result: delivered ? 'delivered' : 'failed' });
    },
    webhookDeadLettered(events) {
      if (events > 0) deadLettered.inc(events);
    },
  };
}

async function count(db: Kysely<RoomDatabase>, query: ReturnType<typeof sql<{ n: number }>>): Promise<number> {
  const { rows } = await query.execute(db);
  return Number(rows[0]?.n ?? 0);
}
