// rtcroom webhooks: the endpoints room events are POSTed to (WebhookService): add, list, remove, test,
// and the events given up on (dead letters): list and send again.
import { webhookv1 } from '@rtcroom/proto';
import { CliError, exitStatus } from '../cli-error';
import { command, group } from '../command-tree';
import { fields, table, time } from '../output';
import { text, wholeNumber } from './arguments';

export const webhooks = group({
  summary: 'Endpoints that receive every room event (POST, signed): add, list, test, remove them; their dead letters.',
  children: {
    add: command({
      summary: 'registers an endpoint; prints its signing secret (shown this once)',
      args: '<url>',
      arity: [1, 1],
      details: 'It receives the events written from now on, in per-room order, at least once.',
      flags: { secret: { type: 'string', value: 'TEXT', help: 'the signing secret, 16-256 characters (default: one is generated)' } },
      async run(ctx, [url], flags) {
        const answer = await ctx.connection.webhooks().createWebhook({ url, secret: text(flags, 'secret') ?? '' });
        const w = answer.webhook!;
        ctx.output.result(webhookv1.CreateWebhookResponse.toJSON(answer), () => fields({ id: w.id, url: w.url, secret: w.secret, created: time(w.createTime) }));
      },
    }),
    list: command({
      summary: 'the endpoints and how their deliveries go (secrets are not shown)',
      arity: [0, 0],
      async run(ctx) {
        const answer = await ctx.connection.webhooks().listWebhooks({});
        ctx.output.result(webhookv1.ListWebhooksResponse.toJSON(answer), () =>
          table(
            ['ID', 'URL', 'DELIVERED', 'FAILING', 'DEAD', 'LAST ERROR'],
            answer.webhooks.map((w) => [w.id, w.url, String(w.deliveredCount), String(w.failedAttempts), String(w.deadLetterCount), w.lastError]),
            'no webhooks',
          ));
      },
    }),
    remove: command({
      summary: 'stops deliveries to an endpoint (its dead letters go with it)',
      args: '<webhook-id>',
      arity: [1, 1],
      async run(ctx, [id]) {
        const answer = await ctx.connection.webhooks().deleteWebhook({ id });
        ctx.output.result(webhookv1.DeleteWebhookResponse.toJSON(answer), () => `removed ${id}\n`);
      },
    }),
    test: command({
      summary: 'sends the endpoint a signed test event (type webhook.test) now and says how it answered',
      args: '<webhook-id>',
      arity: [1, 1],
      details: 'Exits 0 when the endpoint answered 2xx, 1 (code NOT_DELIVERED) when not.',
      async run(ctx, [id]) {
        const answer = await ctx.connection.webhooks().testWebhook({ webhookId: id });
        ctx.output.result(webhookv1.TestWebhookResponse.toJSON(answer), () =>
          answer.delivered ? `delivered ${answer.eventId} in ${answer.durationMs} ms\n` : `not delivered (${answer.error}) after ${answer.durationMs} ms\n`);
        if (!answer.delivered) throw new CliError('NOT_DELIVERED', `the endpoint did not take the test event: ${answer.error}`, exitStatus.refused);
      },
    }),
    'dead-letters': command({
      summary: 'the events an endpoint was given up on',
      args: '<webhook-id>',
      arity: [1, 1],
      flags: {
        'page-size': { type: 'string', value: 'N', help: 'per call, 1-500 (default 100)' },
        all: { type: 'boolean', help: 'every one (follows the pages)' },
      },
      async run(ctx, [id], flags) {
        const pageSize = wholeNumber(flags, 'page-size', { min: 1, max: 500 }) ?? 0;
        const client = ctx.connection.webhooks();
        const found: webhookv1.WebhookDeadLetter[] = [];
        let pageToken = '';
        let nextPageToken = '';
        do {
          const page = await client.listDeadLetters({ webhookId: id, pageSize, pageToken });
          found.push(...page.deadLetters);
          nextPageToken = pageToken = page.nextPageToken;
        } while (flags.all && pageToken);
        ctx.output.result(webhookv1.ListDeadLettersResponse.toJSON({ deadLetters: found, nextPageToken }), () =>
          table(
            ['EVENT', 'ROOM', 'SEQ', 'TYPE', 'ATTEMPTS', 'PARKED', 'LAST ERROR'],
            found.map((d) => [d.eventId, d.roomId, String(d.seq), d.type, String(d.attempts) + (d.redeliveryPending ? ' (again soon)' : ''), time(d.parkTime), d.lastError]),
            'no dead letters',
          ) + (nextPageToken ? '(more: --all lists every one)\n' : ''));
      },
    }),
    redeliver: command({
      summary: "sends an endpoint's dead letters again (all, or those given with --event)",
      args: '<webhook-id>',
      arity: [1, 1],
      details: 'Each is tried once more, soon; delivered, it is no longer listed; refused, it stays parked.',
      flags: { event: { type: 'string', value: 'EVENT-ID', multiple: true, help: 'a dead letter to send again (repeatable; default all)' } },
      async run(ctx, [id], flags) {
        const eventIds = (flags.event as string[] | undefined) ?? [];
        const answer = await ctx.connection.webhooks().redeliverDeadLetters({ webhookId: id, eventIds });
        ctx.output.result(webhookv1.RedeliverDeadLettersResponse.toJSON(answer), () => `${answer.queuedCount} dead letter(s) will be sent again\n`);
      },
    }),
  },
});
