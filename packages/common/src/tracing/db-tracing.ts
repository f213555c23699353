// Postgres statements in a trace: a client span per statement, made where every statement passes
// (the pg pool's connections Kysely is given, and the PGlite dialect), so Kysely's queries, the
// hand-written ones and transactions' begin/commit all show.
import { inSpan, inTrace, SpanKind } from './spans';

/** Texts are parameterized: no values in them. Long ones (a multi-row insert) are cut. */
const maxTextLength = 2048;

/** Runs one statement inside a span named by its operation (SELECT, WITH, COMMIT...), when it is part of a trace. */
export function tracedStatement<T>(text: string, system: 'postgresql' | 'pglite', run: () => Promise<T>): Promise<T> {
  if (!inTrace()) return run();
  const operation = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'SQL';
  return inSpan(
    operation,
    {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system.name': 'postgresql', 'db.operation.name': operation, 'db.query.text': text.length > maxTextLength ? `${text.slice(0, maxTextLength)}...` : text, 'rtcroom.db.engine': system },
    },
    run,
  );
}
