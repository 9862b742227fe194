/**
 * Privacy requests about one caller: erase everything about them (`POST /api/privacy/erase`),
 * export it (`GET /api/privacy/export`), and the hash to search their calls with in the Temporal
 * UI (`GET /api/privacy/search-attribute`). Each leaves an audit entry naming the caller by the
 * keyed hash of their number, never the number.
 */
import type { Client } from '@temporalio/client';
import { and, asc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { callEvents, calls, recordings, telnyxEvents, workspaces } from '../../db/schema';
import type { BlobStore } from '../../lib/blob-store';
import { callerNumberHash, normalizeNumber } from '../../lib/privacy/caller-hash';
import { callsFromNumber, eraseCaller } from '../../lib/privacy/erasure';
import { CallerNumberKey } from '../../workflows/definitions';
import { notFound, parse } from '../errors';
import { audit } from '../audit';
import { currentCaller, requireRole } from '../auth/context';
import { withoutSecrets } from '../telnyx/credentials';
import { toE164 } from '../phone-numbers';

/** A caller's number: E.164 when it is a valid number, otherwise `+` and digits as stored. */
export const callerNumber = z
  .string()
  .trim()
  .max(32)
  .meta({ description: "The caller's phone number, preferably in international format (e.g. +14155550199).", examples: ['+14155550199'] })
  .refine((value) => normalizeNumber(value).replace('+', '').length >= 3, { message: 'must be a phone number (at least 3 digits)' })
  .transform((value) => {
    const e164 = toE164(value);
    return e164.ok ? e164.number : normalizeNumber(value);
  });
export const eraseBody = z.object({ number: callerNumber });
export const numberQuery = z.object({ number: callerNumber });
export const retentionBody = z
  .object({
    retentionDays: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .nullable()
      .meta({ description: 'Days call data is kept (calls, events, recordings, Temporal histories); null keeps it for good.' }),
  })
  .strict();

export interface PrivacyRouteDeps {
  db: Database;
  blobs: BlobStore;
  temporal: Client;
  namespace: string;
  callerHashKey: Buffer;
  workspaceId: () => string;
  /** The Temporal UI's list page, to link a search. */
  temporalUiUrl: string;
}

export function privacyRoutes(deps: PrivacyRouteDeps): Router {
  const router = Router();
  // Erasure, export and the retention period are the workspace owner's decisions.
  const owner = requireRole('owner');

  router.post('/privacy/erase', owner, async (request, response) => {
    const { number } = parse(eraseBody, request.body);
    const report = await eraseCaller(deps, deps.workspaceId(), number, currentCaller().actor);
    response.json(report);
  });

  router.put('/privacy/retention', owner, async (request, response) => {
    const { retentionDays } = parse(retentionBody, request.body);
    const workspaceId = deps.workspaceId();
    const [workspace] = await deps.db.select().from(workspaces).where(eq(workspaces.id, workspaceId));
    if (!workspace) throw notFound('Workspace');
    const [updated] = await deps.db
      .update(workspaces)
      .set({ settings: { ...workspace.settings, retentionDays } })
      .where(eq(workspaces.id, workspaceId))
      .returning();
    await audit(deps.db, { workspaceId, actor: currentCaller().actor, action: 'retention.set', target: `workspace:${workspaceId}`, details: { retentionDays } });
    response.json(updated ? { ...updated, settings: withoutSecrets(updated.settings) } : updated);
  });

  router.get('/privacy/export', owner, async (request, response) => {
    const { number } = parse(numberQuery, request.query, 'query');
    const workspaceId = deps.workspaceId();
    const ids = await callsFromNumber(deps.db, workspaceId, number);
    const [rows, events, audio, carrier] = await Promise.all([
      ids.length ? deps.db.select().from(calls).where(inArray(calls.id, ids)).orderBy(asc(calls.startedAt)) : [],
      ids.length ? deps.db.select().from(callEvents).where(inArray(callEvents.callId, ids)).orderBy(asc(callEvents.callId), asc(callEvents.seq)) : [],
      ids.length ? deps.db.select().from(recordings).where(inArray(recordings.callId, ids)) : [],
      deps.db
        .select()
        .from(telnyxEvents)
        .where(
          and(
            eq(telnyxEvents.workspaceId, workspaceId),
            or(
              ids.length ? inArray(telnyxEvents.callId, ids) : sql`false`,
              and(
                isNull(telnyxEvents.callId),
                or(
                  sql`regexp_replace(coalesce(${telnyxEvents.data}->'payload'->>'from', ''), '[^0-9+]', '', 'g') = ${number}`,
                  sql`regexp_replace(coalesce(${telnyxEvents.data}->'payload'->>'to', ''), '[^0-9+]', '', 'g') = ${number}`,
                ),
              ),
            ),
          ),
        ),
    ]);
    const callerHash = callerNumberHash(deps.callerHashKey, number);
    await audit(deps.db, { workspaceId, actor: currentCaller().actor, action: 'caller.exported', target: `callerHash:${callerHash}`, details: { calls: rows.length } });
    response.setHeader('content-disposition', `attachment; filename="caller-export-${new Date().toISOString().slice(0, 10)}.json"`);
    response.json({
      number,
      exportedAt: new Date().toISOString(),
      calls: rows.map((call) => ({
        ...call,
        events: events.filter((event) => event.callId === call.id).map(({ workspaceId: _w, callId: _c, ...event }) => event),
        recordings: audio
          .filter((recording) => recording.callId === call.id)
          .map((recording) => ({ id: recording.id, kind: recording.kind, durationMs: recording.durationMs, createdAt: recording.createdAt, audioUrl: `/api/recordings/${encodeURIComponent(recording.id)}/audio` })),
      })),
      carrierEvents: carrier.map(({ workspaceId: _w, ...event }) => event),
    });
  });

  router.get('/privacy/search-attribute', owner, (request, response) => {
    const { number } = parse(numberQuery, request.query, 'query');
    const value = callerNumberHash(deps.callerHashKey, number);
    const query = `${CallerNumberKey.name} = '${value}'`;
    response.json({
      searchAttribute: CallerNumberKey.name,
      value,
      query,
      temporalUrl: `${deps.temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(deps.namespace)}/workflows?query=${encodeURIComponent(query)}`,
    });
  });

  return router;
}
