/**
 * The workspace's block / do-not-call list: `GET /api/do-not-call`, `POST /api/do-not-call`
 * (`{ phoneNumber, note? }`; the number is normalized to E.164), `DELETE /api/do-not-call/:id`.
 * Calls from a listed number fail the `doNotCall` caller check (see caller-checks.ts).
 */
import { and, asc, eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { doNotCall } from '../../db/schema';
import { HttpError, notFound, parse } from '../errors';
import { e164 } from '../phone-numbers';

export const doNotCallBody = z.object({
  phoneNumber: e164,
  note: z.string().trim().max(500, 'note: at most 500 characters').optional(),
});

export function doNotCallRoutes(db: Database, workspaceId: () => string): Router {
  const router = Router();

  router.get('/do-not-call', async (_request, response) => {
    response.json(await db.select().from(doNotCall).where(eq(doNotCall.workspaceId, workspaceId())).orderBy(asc(doNotCall.phoneNumber)));
  });

  router.post('/do-not-call', async (request, response) => {
    const body = parse(doNotCallBody, request.body);
    const [entry] = await db
      .insert(doNotCall)
      .values({ workspaceId: workspaceId(), phoneNumber: body.phoneNumber, note: body.note || null })
      .onConflictDoNothing({ target: [doNotCall.workspaceId, doNotCall.phoneNumber] })
      .returning();
    if (!entry) throw new HttpError(409, 'alreadyListed', 'phoneNumber: this number is already on the do-not-call list');
    response.status(201).json(entry);
  });

  router.delete('/do-not-call/:id', async (request, response) => {
    const id = parse(z.uuid({ message: 'must be a UUID' }), request.params.id, 'params');
    const deleted = await db
      .delete(doNotCall)
      .where(and(eq(doNotCall.id, id), eq(doNotCall.workspaceId, workspaceId())))
      .returning({ id: doNotCall.id });
    if (deleted.length === 0) throw notFound('Do-not-call entry');
    response.status(204).end();
  });

  return router;
}
