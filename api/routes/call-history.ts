/**
 * Call history for operators: `GET /api/call-history` (filters, search, pages),
 * `GET /api/call-history/export.csv|.json` (the same filters, streamed from a database cursor) and
 * `GET /api/call-stats`.
 */
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { stringify } from 'csv-stringify';
import { and, desc, eq, gte, ilike, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import { Router, type RequestHandler } from 'express';
import type pg from 'pg';
import QueryStream from 'pg-query-stream';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { CALL_STATUSES, calls, flows } from '../../db/schema';
import { parse } from '../errors';

const isoDate = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2026-11-24T00:00:00Z' });

/** Test calls and scripted test runs from the builder (`calls.test`): left out unless asked for. */
const testsFilter = z
  .enum(['exclude', 'include', 'only'], { message: "must be 'exclude' (the default: real calls only), 'include' or 'only'" })
  .default('exclude')
  .meta({ description: "Test calls and test runs from the builder: 'exclude' (default), 'include' or 'only'." });

const testsCondition = (tests: z.output<typeof testsFilter>): SQL | undefined => (tests === 'include' ? undefined : eq(calls.test, tests === 'only'));

/** Filters shared by the history page and the exports. */
export const historyFilters = z
  .object({
    /** Free text: part of the caller's or the dialled number, or of the call id. */
    q: z.string().trim().max(100).optional(),
    /** Part of the caller's or the dialled number (digits; `+` and spaces are ignored). */
    number: z.string().trim().max(32).optional(),
    status: z
      .union([z.enum([...CALL_STATUSES, 'live']), z.array(z.enum([...CALL_STATUSES, 'live']))])
      .optional()
      .transform((value) => (value === undefined ? undefined : Array.isArray(value) ? value : [value])),
    flowId: z.uuid({ message: 'must be a flow id (UUID)' }).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    minDurationMs: z.coerce.number().int().min(0).optional(),
    maxDurationMs: z.coerce.number().int().min(0).optional(),
    tests: testsFilter,
  })
  .refine((value) => !value.from || !value.to || value.from <= value.to, { message: 'from must not be after to', path: ['from'] })
  .refine((value) => value.minDurationMs === undefined || value.maxDurationMs === undefined || value.minDurationMs <= value.maxDurationMs, {
    message: 'minDurationMs must not be more than maxDurationMs',
    path: ['minDurationMs'],
  });

const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(25),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

/** How long a call lasted (still going: until now), in ms. */
const durationMs = sql<number>`(extract(epoch from (coalesce(${calls.endedAt}, now()) - ${calls.startedAt})) * 1000)::bigint`;

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (char) => `\\${char}`);

export function historyWhere(workspaceId: string, filters: z.output<typeof historyFilters>): SQL | undefined {
  const conditions: (SQL | undefined)[] = [eq(calls.workspaceId, workspaceId), testsCondition(filters.tests)];
  if (filters.q) {
    const like = `%${escapeLike(filters.q)}%`;
    const digits = filters.q.replace(/[^\d]/g, '');
    conditions.push(
      or(
        ilike(calls.id, like),
        ilike(calls.callerNumber, like),
        ilike(calls.calledNumber, like),
        ...(digits.length >= 2 ? [ilike(calls.callerNumber, `%${digits}%`), ilike(calls.calledNumber, `%${digits}%`)] : []),
      ),
    );
  }
  if (filters.number) {
    const digits = `%${filters.number.replace(/[^\d]/g, '')}%`;
    conditions.push(or(ilike(calls.callerNumber, digits), ilike(calls.calledNumber, digits)));
  }
  if (filters.status) {
    const statuses = filters.status.flatMap((status) => (status === 'live' ? (['ringing', 'active'] as const) : [status]));
    conditions.push(inArray(calls.status, statuses));
  }
  if (filters.flowId) conditions.push(eq(calls.flowId, filters.flowId));
  if (filters.from) conditions.push(gte(calls.startedAt, new Date(filters.from)));
  if (filters.to) conditions.push(lte(calls.startedAt, new Date(filters.to)));
  if (filters.minDurationMs !== undefined) conditions.push(sql`${durationMs} >= ${filters.minDurationMs}`);
  if (filters.maxDurationMs !== undefined) conditions.push(sql`${durationMs} <= ${filters.maxDurationMs}`);
  return and(...conditions);
}

/** The columns of a history row (and of each exported row). */
const historyColumns = {
  id: calls.id,
  startedAt: calls.startedAt,
  answeredAt: calls.answeredAt,
  endedAt: calls.endedAt,
  durationMs: sql<number>`${durationMs}`.mapWith(Number).as('duration_ms'),
  callerNumber: calls.callerNumber,
  calledNumber: calls.calledNumber,
  flowId: calls.flowId,
  flowName: sql<string | null>`${flows.name}`.as('flow_name'),
  flowVersion: calls.flowVersion,
  status: calls.status,
  endReason: calls.endReason,
  lastNodeId: calls.currentNodeId,
  workflowId: calls.workflowId,
  test: calls.test,
};

/** Export column order (CSV header names are these keys). */
const EXPORT_COLUMNS = [
  'id',
  'startedAt',
  'answeredAt',
  'endedAt',
  'durationMs',
  'callerNumber',
  'calledNumber',
  'flowId',
  'flowName',
  'flowVersion',
  'status',
  'endReason',
  'lastNodeId',
  'test',
] as const;

/** A raw database row of the export query in the export's shape (dates as ISO strings). */
function exportRow(row: Record<string, unknown>): Record<(typeof EXPORT_COLUMNS)[number], string | number | boolean | null> {
  const date = (value: unknown) => (value instanceof Date ? value.toISOString() : value === null ? null : String(value));
  return {
    id: row.id as string,
    startedAt: date(row.started_at),
    answeredAt: date(row.answered_at),
    endedAt: date(row.ended_at),
    durationMs: Number(row.duration_ms),
    callerNumber: (row.caller_number as string | null) ?? null,
    calledNumber: (row.called_number as string | null) ?? null,
    flowId: (row.flow_id as string | null) ?? null,
    flowName: (row.flow_name as string | null) ?? null,
    flowVersion: (row.flow_version as number | null) ?? null,
    status: row.status as string,
    endReason: (row.end_reason as string | null) ?? null,
    lastNodeId: (row.current_node_id as string | null) ?? null,
    test: row.test === true,
  };
}

const statsQuery = z
  .object({
    from: isoDate.optional(),
    to: isoDate.optional(),
    flowId: z.uuid({ message: 'must be a flow id (UUID)' }).optional(),
    tests: testsFilter,
  })
  .refine((value) => !value.from || !value.to || value.from <= value.to, { message: 'from must not be after to', path: ['from'] });

/**
 * A CSV cell a spreadsheet will not run: text starting with `=`, `+`, `-`, `@`, tab or carriage
 * return is a formula to Excel, LibreOffice and Sheets (`=HYPERLINK(…)` in a flow name would run in
 * the reader's spreadsheet), so it gets a leading apostrophe. Plain numbers (+14155550123) stay.
 */
export function csvCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) && !/^[+-]?\d[\d.]*$/.test(value) ? `'${value}` : value;
}

export function callHistoryRoutes(
  db: Database,
  pool: pg.Pool,
  workspaceId: () => string,
  temporalLink: (workflowId: string) => string,
  options: { exportStallMs?: number } = {},
): Router {
  const router = Router();
  const exportStallMs = options.exportStallMs ?? 30_000;

  const filteredSelect = (filters: z.output<typeof historyFilters>) =>
    db
      .select(historyColumns)
      .from(calls)
      .leftJoin(flows, eq(flows.id, calls.flowId))
      .where(historyWhere(workspaceId(), filters))
      .orderBy(desc(calls.startedAt), desc(calls.id));

  router.get('/call-history', async (request, response) => {
    const filters = parse(historyFilters, request.query, 'query');
    const page = parse(pageQuery, request.query, 'query');
    const [rows, [counted]] = await Promise.all([
      filteredSelect(filters).limit(page.limit).offset(page.offset),
      db.select({ total: sql<number>`count(*)`.mapWith(Number) }).from(calls).where(historyWhere(workspaceId(), filters)),
    ]);
    response.json({ calls: rows.map((row) => ({ ...row, temporalUrl: temporalLink(row.workflowId) })), total: counted?.total ?? 0, ...page });
  });

  /**
   * Streams every matching call through a server-side cursor: memory stays flat however many rows.
   * The cursor holds a database connection, so an export that makes no progress for `exportStallMs`
   * (a client that stopped reading: nothing leaves the socket) is cut and the connection released;
   * a client that goes away ends it at once.
   */
  const exportCalls = (format: 'csv' | 'json'): RequestHandler => async (request, response) => {
    const filters = parse(historyFilters, request.query, 'query');
    const { sql: text, params } = filteredSelect(filters).toSQL();
    const client = await pool.connect();
    let failed: Error | undefined;
    // A watchdog: when the response has waited exportStallMs for the client to read (it stopped, so
    // the stream waits for a drain that never comes), the response is destroyed, the pipeline fails
    // and the connection is released below.
    let written = -1;
    let since = Date.now();
    const watchdog = setInterval(
      () => {
        const now = response.socket?.bytesWritten ?? 0;
        // Only backpressure counts: a slow query before the first row is not the client's stall.
        if (now !== written || !response.writableNeedDrain) [written, since] = [now, Date.now()];
        else if (Date.now() - since >= exportStallMs) response.destroy(new Error(`export stalled: nothing could be sent for ${exportStallMs} ms`));
      },
      Math.max(50, exportStallMs / 4),
    );
    try {
      const rows = client.query(new QueryStream(text, params as unknown[], { batchSize: 200 }));
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      response.setHeader('content-disposition', `attachment; filename="calls-${stamp}.${format}"`);
      const toRecord = new Transform({
        objectMode: true,
        transform(row: Record<string, unknown>, _encoding, done) {
          done(null, exportRow(row));
        },
      });
      if (format === 'csv') {
        response.setHeader('content-type', 'text/csv; charset=utf-8');
        await pipeline(rows, toRecord, stringify({ header: true, columns: [...EXPORT_COLUMNS], cast: { string: csvCell, boolean: (value) => String(value) } }), response);
      } else {
        response.setHeader('content-type', 'application/json; charset=utf-8');
        let first = true;
        const toJson = new Transform({
          writableObjectMode: true,
          transform(record: unknown, _encoding, done) {
            done(null, `${first ? '[\n' : ',\n'}${JSON.stringify(record)}`);
            first = false;
          },
          flush(done) {
            done(null, first ? '[]\n' : '\n]\n');
          },
        });
        await pipeline(rows, toRecord, toJson, response);
      }
    } catch (error) {
      failed = error as Error;
      // Headers are gone once streaming started; a cut-off body is all a client can be told.
      if (!response.headersSent) throw error;
      response.destroy(failed);
    } finally {
      clearInterval(watchdog);
      client.release(failed);
    }
  };
  router.get('/call-history/export.csv', exportCalls('csv'));
  router.get('/call-history/export.json', exportCalls('json'));

  router.get('/call-stats', async (request, response) => {
    const query = parse(statsQuery, request.query, 'query');
    const where = sql.join(
      [
        sql`c.workspace_id = ${workspaceId()}`,
        ...(query.from ? [sql`c.started_at >= ${new Date(query.from).toISOString()}`] : []),
        ...(query.to ? [sql`c.started_at <= ${new Date(query.to).toISOString()}`] : []),
        ...(query.flowId ? [sql`c.flow_id = ${query.flowId}`] : []),
        ...(query.tests === 'include' ? [] : [sql`c.test = ${query.tests === 'only'}`]),
      ],
      sql` and `,
    );
    const [perDay, totals, dropOff, inputs] = await Promise.all([
      db.execute(sql`
        select to_char(date_trunc('day', c.started_at at time zone 'UTC'), 'YYYY-MM-DD') as day,
               count(*)::int as calls,
               count(*) filter (where c.end_reason = 'completed')::int as completed,
               count(*) filter (where c.end_reason = 'callerHungUp')::int as caller_hung_up
          from calls c where ${where}
         group by 1 order by 1`),
      db.execute(sql`
        select count(*)::int as calls,
               count(*) filter (where c.ended_at is not null)::int as ended,
               count(*) filter (where c.end_reason = 'completed')::int as completed,
               count(*) filter (where c.end_reason = 'callerHungUp')::int as caller_hung_up,
               count(*) filter (where c.ended_at is null)::int as live,
               round(avg(extract(epoch from (c.ended_at - c.started_at)) * 1000) filter (where c.ended_at is not null))::bigint as average_duration_ms
          from calls c where ${where}`),
      db.execute(sql`
        select c.flow_id, f.name as flow_name, c.current_node_id as node_id,
               max(last_node.label) as node_label, max(last_node.node_type) as node_type, count(*)::int as hang_ups
          from calls c
          left join flows f on f.id = c.flow_id
          left join lateral (
            select e.data->>'label' as label, e.data->>'type' as node_type from call_events e
             where e.call_id = c.id and e.type = 'nodeEntered' order by e.seq desc limit 1
          ) last_node on true
         where ${where} and c.end_reason = 'callerHungUp'
         group by c.flow_id, f.name, c.current_node_id
         order by hang_ups desc, node_id`),
      db.execute(sql`
        select count(*) filter (where e.type = 'digit')::int as digit_inputs,
               count(*) filter (where e.type = 'callerSaid')::int as speech_inputs,
               count(distinct e.call_id) filter (where e.type = 'digit')::int as calls_with_digits,
               count(distinct e.call_id) filter (where e.type = 'callerSaid')::int as calls_with_speech
          from call_events e join calls c on c.id = e.call_id
         where ${where} and e.type in ('digit', 'callerSaid')`),
    ]);
    const t = totals.rows[0] as Record<string, number | string | null>;
    const ended = Number(t.ended);
    const i = inputs.rows[0] as Record<string, number>;
    response.json({
      calls: Number(t.calls),
      live: Number(t.live),
      ended,
      completed: Number(t.completed),
      callerHungUp: Number(t.caller_hung_up),
      /** Share of ended calls that the flow itself finished (end reason `completed`). */
      completionRate: ended === 0 ? null : Number(t.completed) / ended,
      averageDurationMs: t.average_duration_ms === null ? null : Number(t.average_duration_ms),
      perDay: perDay.rows.map((row: Record<string, unknown>) => ({
        day: row.day,
        calls: row.calls,
        completed: row.completed,
        callerHungUp: row.caller_hung_up,
      })),
      /** Calls ended by the caller hanging up, by the last node they entered. */
      dropOff: dropOff.rows.map((row: Record<string, unknown>) => ({
        flowId: row.flow_id,
        flowName: row.flow_name,
        nodeId: row.node_id,
        nodeLabel: row.node_label,
        nodeType: row.node_type,
        hangUps: row.hang_ups,
      })),
      inputs: {
        digits: i.digit_inputs,
        speech: i.speech_inputs,
        callsWithDigits: i.calls_with_digits,
        callsWithSpeech: i.calls_with_speech,
      },
    });
  });

  return router;
}
