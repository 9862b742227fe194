import { and, eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { triggerSettings, type SipTrunkSettings, type TriggerSettings } from '@switchboard/flow-model';
import type { Database } from '../../db/client';
import { flows, phoneTriggers } from '../../db/schema';
import { encryptSecret } from '../../lib/secrets';
import { HttpError, notFound, parse } from '../errors';
import { e164 } from '../phone-numbers';
import { sipPasswordContext, type ProvisionResult, type SipProvisioner } from '../telephony/sip-provisioning';

const uuid = z.uuid({ message: 'must be a UUID' });
export const triggerBody = z.object({
  phoneNumber: e164,
  flowId: uuid,
  enabled: z.boolean().default(true),
  settings: triggerSettings.default({}),
});

type StoredSettings = Record<string, unknown>;
const storedSip = (settings: StoredSettings) => settings.sip as Partial<SipTrunkSettings> | undefined;

/** Settings as answered: the trunk password never leaves the server; `authPasswordSet` says whether there is one. */
export function publicTriggerSettings(settings: StoredSettings): StoredSettings {
  const stored = storedSip(settings);
  if (!stored) return settings;
  const { authPassword, authPasswordSealed, ...sip } = stored;
  return { ...settings, sip: { ...sip, authPasswordSet: Boolean(authPassword || authPasswordSealed) } };
}

/** Warnings about a provisioned trunk that is accepted but risky. */
function triggerWarnings(settings: StoredSettings): string[] {
  const sip = storedSip(settings);
  if ((sip?.allowedAddresses?.length ?? 0) > 0 || sip?.authUsername) return [];
  return ['settings.sip: the trunk accepts calls from any source address without a password; set allowedAddresses (your carrier\'s ranges) or authUsername/authPassword'];
}

/** A PUT that keeps the trunk's username without resending its password keeps the stored one. */
function keepSealedPassword(body: unknown, previous: StoredSettings): unknown {
  const sip = (body as { settings?: { sip?: Record<string, unknown> } } | undefined)?.settings?.sip;
  const sealed = storedSip(previous)?.authPasswordSealed;
  if (!sip || typeof sip !== 'object' || sip.authPassword !== undefined || !sealed || sip.authUsername !== storedSip(previous)?.authUsername) return body;
  const settings = (body as { settings: Record<string, unknown> }).settings;
  return { ...(body as object), settings: { ...settings, sip: { ...sip, authPasswordSealed: sealed } } };
}

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
export interface PhoneTriggerOptions {
  /** Key to seal SIP trunk digest passwords with. */
  secretKey?: () => Buffer;
  /**
   * Refuses (throws an HttpError) a number the workspace may not claim. Numbers are unique across
   * the installation, so without this check the first workspace to name a number gets its calls.
   */
  checkNumberClaim?: (workspaceId: string, phoneNumber: string) => Promise<void>;
  /** After a trigger was created or changed (the API caches the prompts its calls will play). */
  onSaved?: (triggerId: string) => void;
}

export function phoneTriggerRoutes(db: Database, workspaceId: () => string, provisioner?: SipProvisioner, options: PhoneTriggerOptions = {}): Router {
  const { secretKey, checkNumberClaim, onSaved } = options;
  const router = Router();

  /**
   * Seals a new trunk password (a client never sets `authPasswordSealed` itself); without a new one
   * and with the same username, the stored sealed password is kept.
   */
  function sealSettings(settings: TriggerSettings, previous?: StoredSettings): TriggerSettings {
    if (!settings.sip) return settings;
    const { authPassword, authPasswordSealed: _ignored, authPasswordSet: _answered, ...sip } = settings.sip;
    const before = previous ? storedSip(previous) : undefined;
    const seal = (password: string) => {
      if (!secretKey) throw new HttpError(503, 'noSecretKey', 'This API has no secret key to store SIP trunk passwords with');
      return encryptSecret(secretKey(), password, sipPasswordContext(workspaceId()));
    };
    if (authPassword) return { ...settings, sip: { ...sip, authPasswordSealed: seal(authPassword) } };
    const same = sip.authUsername && before?.authUsername === sip.authUsername;
    // A row from before passwords were sealed holds it in clear: sealed now, on its first save.
    const legacy = same && !before?.authPasswordSealed && before?.authPassword ? seal(before.authPassword) : undefined;
    const kept = same ? (before?.authPasswordSealed ?? legacy) : undefined;
    if (sip.authUsername && !kept) throw new HttpError(400, 'invalidRequest', 'settings.sip.authPassword: this trunk username has no stored password; send authPassword');
    return { ...settings, sip: { ...sip, ...(kept ? { authPasswordSealed: kept } : {}) } };
  }
  const publicRow = <T extends { settings: StoredSettings }>(row: T) => ({ ...row, settings: publicTriggerSettings(row.settings) });

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
    return row ? { ...publicRow(row), sip, warnings: sip.state === 'provisioned' ? triggerWarnings(row.settings) : [] } : { sip };
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
    response.json((await db.select().from(phoneTriggers).where(eq(phoneTriggers.workspaceId, workspaceId()))).map(publicRow));
  });

  router.post('/phone-triggers', async (request, response) => {
    const body = parse(triggerBody, request.body);
    await assertFlow(body.flowId);
    await checkNumberClaim?.(workspaceId(), body.phoneNumber);
    try {
      const [trigger] = await db.insert(phoneTriggers).values({ ...body, settings: sealSettings(body.settings), workspaceId: workspaceId() }).returning();
      const id = (trigger as { id: string }).id;
      onSaved?.(id);
      response.status(201).json(await withProvisioning(id));
    } catch (error) {
      if (isUniqueViolation(error)) throw taken();
      throw error;
    }
  });

  router.get('/phone-triggers/:id', async (request, response) => {
    response.json(publicRow(await loadTrigger(request.params.id)));
  });

  router.put('/phone-triggers/:id', async (request, response) => {
    const trigger = await loadTrigger(request.params.id);
    const body = parse(triggerBody, keepSealedPassword(request.body, trigger.settings));
    await assertFlow(body.flowId);
    if (body.phoneNumber !== trigger.phoneNumber) await checkNumberClaim?.(workspaceId(), body.phoneNumber);
    try {
      await db
        .update(phoneTriggers)
        .set({ ...body, settings: sealSettings(body.settings, trigger.settings), updatedAt: new Date() })
        .where(eq(phoneTriggers.id, trigger.id));
      onSaved?.(trigger.id);
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
