import { and, eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { triggerSettings } from '@switchboard/flow-model';
import type { Database } from '../../db/client';
import { flows, phoneTriggers } from '../../db/schema';
import { HttpError, notFound, parse } from '../errors';
import { e164 } from '../phone-numbers';
import type { ProvisionResult, SipProvisioner } from '../telephony/sip-provisioning';

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

/** How LiveKit SIP provisioning went for a saved trigger (the trigger is saved either way). */
export type SipProvisioning = ProvisionResult | { state: 'failed'; error: string } | { state: 'notConfigured' };

/**
 * Phone trigger CRUD. With a SIP provisioner, every save makes LiveKit SIP match the trigger (an
 * inbound trunk and a dispatch rule; none while disabled) and a delete removes them; the answer's
 * `sip` says how that went. A LiveKit failure never loses the save: `POST
 * /phone-triggers/:id/provision` (or the next save) tries again.
 */
export function phoneTriggerRoutes(db: Database, workspaceId: () => string, provisioner?: SipProvisioner): Router {
  const router = Router();

  async function provision(id: string): Promise<SipProvisioning> {
    if (!provisioner) return { state: 'notConfigured' };
    try {
      return await provisioner.provision(id);
    } catch (error) {
      if (error instanceof HttpError) throw error;
      const message = (error as Error).message;
      const hint = /redis required/i.test(message) ? ' (LiveKit server keeps SIP trunks in Redis: run it with Redis, e.g. REDIS_ADDRESS for npm start)' : '';
      return { state: 'failed', error: `LiveKit SIP provisioning failed: ${message}${hint}` };
    }
  }
  /** The row as saved, with the provisioning outcome (and the ids it stored). */
  async function withProvisioning(id: string) {
    const sip = await provision(id);
    const [row] = await db.select().from(phoneTriggers).where(eq(phoneTriggers.id, id));
    return { ...row, sip };
  }

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
      response.status(201).json(await withProvisioning((trigger as { id: string }).id));
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
      await db
        .update(phoneTriggers)
        .set({ ...body, updatedAt: new Date() })
        .where(eq(phoneTriggers.id, trigger.id));
      response.json(await withProvisioning(trigger.id));
    } catch (error) {
      if (isUniqueViolation(error)) throw taken();
      throw error;
    }
  });

  router.delete('/phone-triggers/:id', async (request, response) => {
    const trigger = await loadTrigger(request.params.id);
    // LiveKit first: if that fails the row (and its ids) stay, and the delete can be retried.
    if (provisioner) {
      try {
        await provisioner.remove(trigger);
      } catch (error) {
        throw new HttpError(502, 'sipProvisioningFailed', `The trigger was kept: removing its LiveKit SIP trunk failed: ${(error as Error).message}`);
      }
    }
    await db.delete(phoneTriggers).where(eq(phoneTriggers.id, trigger.id));
    response.status(204).end();
  });

  /** Provisions (again) the trigger's LiveKit SIP trunk and dispatch rule; a no-op when they match. */
  router.post('/phone-triggers/:id/provision', async (request, response) => {
    const trigger = await loadTrigger(request.params.id);
    const result = await withProvisioning(trigger.id);
    if (result.sip.state === 'failed') throw new HttpError(502, 'sipProvisioningFailed', result.sip.error);
    if (result.sip.state === 'notConfigured') throw new HttpError(503, 'liveKitNotConfigured', 'This API has no LiveKit server to provision SIP on');
    response.json(result);
  });

  return router;
}
