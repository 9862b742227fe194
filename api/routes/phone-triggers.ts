import { and, eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { triggerSettings } from '@switchboard/flow-model';
import type { Database } from '../../db/client';
import { flows, phoneTriggers } from '../../db/schema';
import { HttpError, notFound, parse } from '../errors';
import { e164 } from '../phone-numbers';

const uuid = z.uuid({ message: 'must be a UUID' });
export const triggerBody = z.object({
  phoneNumber: e164,
  flowId: uuid,
  enabled: z.boolean().default(true),
  settings: triggerSettings.default({}),
});

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string; cause?: { code?: string } })?.cause?.code ?? (error as { code?: string })?.code;
  return code === '23505';
}

export function phoneTriggerRoutes(db: Database, workspaceId: () => string): Router {
  const router = Router();

  async function assertFlow(flowId: string) {
    const [flow] = await db.select({ id: flows.id }).from(flows).where(and(eq(flows.id, flowId), eq(flows.workspaceId, workspaceId())));
    if (!flow) throw new HttpError(400, 'invalidRequest', 'flowId: no such flow in this workspace');
  }
  async function loadTrigger(id: string) {
    const [trigger] = await db
      .select()
      .from(phoneTriggers)
      .where(and(eq(phoneTriggers.id, parse(uuid, id, 'params')), eq(phoneTriggers.workspaceId, workspaceId())));
    if (!trigger) throw notFound('Phone trigger');
    return trigger;
  }
  const taken = () => new HttpError(409, 'numberTaken', 'phoneNumber: this number already has a trigger');

  router.get('/phone-triggers', async (_request, response) => {
    response.json(await db.select().from(phoneTriggers).where(eq(phoneTriggers.workspaceId, workspaceId())));
  });

  router.post('/phone-triggers', async (request, response) => {
    const body = parse(triggerBody, request.body);
    await assertFlow(body.flowId);
    try {
      const [trigger] = await db.insert(phoneTriggers).values({ ...body, workspaceId: workspaceId() }).returning();
      response.status(201).json(trigger);
    } catch (error) {
      if (isUniqueViolation(error)) throw taken();
      throw error;
    }
  });

  router.get('/phone-triggers/:id', async (request, response) => {
    response.json(await loadTrigger(request.params.id));
  });

  router.put('/phone-triggers/:id', async (request, response) => {
    const trigger = await loadTrigger(request.params.id);
    const body = parse(triggerBody, request.body);
    await assertFlow(body.flowId);
    try {
      const [updated] = await db
        .update(phoneTriggers)
        .set({ ...body, updatedAt: new Date() })
        .where(eq(phoneTriggers.id, trigger.id))
        .returning();
      response.json(updated);
    } catch (error) {
      if (isUniqueViolation(error)) throw taken();
      throw error;
    }
  });

  router.delete('/phone-triggers/:id', async (request, response) => {
    const trigger = await loadTrigger(request.params.id);
    await db.delete(phoneTriggers).where(eq(phoneTriggers.id, trigger.id));
    response.status(204).end();
  });

  return router;
}
