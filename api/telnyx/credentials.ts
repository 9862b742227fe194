/**
 * Telnyx credentials of a workspace: the API key and the webhook public key. Stored encrypted in
 * the `credentials` table (providers `telnyx` and `telnyx-public-key`, AES-256-GCM with
 * SWITCHBOARD_SECRET_KEY, see api/auth/secrets.ts) and never sent back (only a masked hint); when a
 * workspace has none, the environment's TELNYX_API_KEY / TELNYX_PUBLIC_KEY apply.
 */
import { and, eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { credentials, DEFAULT_WORKSPACE_ID, type WorkspaceSettings } from '../../db/schema';
import { audit } from '../audit';
import { currentCaller, requireRole } from '../auth/context';
import { credentialContext, readCredential } from '../auth/routes';
import type { SecretStatus, TelnyxCredentialStatus } from '../../lib/contracts/api-responses';
import { encryptSecret } from '../../lib/secrets';
import { parse } from '../errors';
import { TELNYX_WEBHOOK_PATH } from './webhook-routes';

/** The providers (rows of `credentials`) the two secrets are stored as. */
const PROVIDER = { apiKey: 'telnyx', publicKey: 'telnyx-public-key' } as const;

export interface TelnyxCredentials {
  apiKey: string | undefined;
  publicKey: string | undefined;
}

export const credentialsBody = z
  .object({
    apiKey: z
      .string()
      .trim()
      .min(10, 'apiKey: that is too short for a Telnyx API key')
      .max(300)
      .regex(/^[\x21-\x7e]+$/, 'apiKey: a Telnyx API key is printable ASCII without spaces')
      .nullable()
      .optional(),
    publicKey: z
      .string()
      .trim()
      .refine((value) => Buffer.from(value, 'base64').length === 32, 'publicKey: must be the base64 Ed25519 public key from Mission Control (32 bytes)')
      .nullable()
      .optional(),
  })
  .meta({ description: 'Give a value to replace a secret, null to remove the stored one (the environment applies again), or leave it out to keep it.' });

/** Old installations kept the secrets in the workspace settings: never show them. */
const LEGACY_SETTINGS_KEY = 'telnyxCredentials';

/** A workspace's settings without the secrets, for anything that shows settings. */
export function withoutSecrets<T extends WorkspaceSettings>(settings: T): T {
  const { [LEGACY_SETTINGS_KEY]: _secrets, ...rest } = settings as Record<string, unknown>;
  return rest as unknown as T;
}

async function stored(db: Database, secretKey: Buffer, workspaceId: string): Promise<{ apiKey?: string; publicKey?: string }> {
  const [apiKey, publicKey] = await Promise.all([readCredential(db, secretKey, workspaceId, PROVIDER.apiKey), readCredential(db, secretKey, workspaceId, PROVIDER.publicKey)]);
  return { ...(apiKey ? { apiKey } : {}), ...(publicKey ? { publicKey } : {}) };
}

/**
 * The deployment's own Telnyx keys (TELNYX_API_KEY / TELNYX_PUBLIC_KEY) serve the installation's
 * first workspace only: another workspace uses the keys it saved, never the deployment's account.
 */
export const environmentTelnyx = (workspaceId: string, env: NodeJS.ProcessEnv = process.env): TelnyxCredentials =>
    workspaceId === DEFAULT_WORKSPACE_ID
    ? { apiKey: env.TELNYX_API_KEY || undefined, publicKey: env.TELNYX_PUBLIC_KEY || undefined }
    : { apiKey: undefined, publicKey: undefined };

/** The credentials to use: the workspace's own, else (first workspace only) the environment's. */
export async function readTelnyxCredentials(db: Database, secretKey: Buffer, workspaceId: string, env: NodeJS.ProcessEnv = process.env): Promise<TelnyxCredentials> {
  const own = await stored(db, secretKey, workspaceId);
  const fallback = environmentTelnyx(workspaceId, env);
  return { apiKey: own.apiKey ?? fallback.apiKey, publicKey: own.publicKey ?? fallback.publicKey };
}

/** Replaces (string) or removes (null) stored secrets; absent keys stay as they are. Audited. */
export async function saveTelnyxCredentials(
  db: Database,
  secretKey: Buffer,
  workspaceId: string,
  actor: string,
  changes: { apiKey?: string | null; publicKey?: string | null },
): Promise<void> {
  for (const field of ['apiKey', 'publicKey'] as const) {
    const value = changes[field];
    const provider = PROVIDER[field];
    if (value === undefined) continue;
    if (value === null) {
      const deleted = await db.delete(credentials).where(and(eq(credentials.workspaceId, workspaceId), eq(credentials.provider, provider))).returning();
      if (deleted.length > 0) await audit(db, { workspaceId, actor, action: 'credential.delete', target: provider });
      continue;
    }
    const values = {
      workspaceId,
      provider,
      ciphertext: encryptSecret(secretKey, value, credentialContext(workspaceId, provider)),
      hint: value.slice(-4),
      updatedBy: actor,
      updatedAt: new Date(),
    };
    await db.insert(credentials).values(values).onConflictDoUpdate({ target: [credentials.workspaceId, credentials.provider], set: values });
    await audit(db, { workspaceId, actor, action: 'credential.set', target: provider });
  }
}

function status(own: string | undefined, fromEnv: string | undefined): SecretStatus {
  const value = own ?? fromEnv;
  if (!value) return { set: false, source: null, hint: null };
  return { set: true, source: own ? 'workspace' : 'environment', hint: `••••${value.slice(-4)}` };
}

/** The URL Telnyx should send webhooks to, as this request reached the API. */
function webhookUrl(request: { protocol: string; get(name: string): string | undefined }): string {
  const proto = request.get('x-forwarded-proto')?.split(',')[0]?.trim() || request.protocol;
  const host = request.get('x-forwarded-host')?.split(',')[0]?.trim() || request.get('host') || 'localhost';
  return `${proto}://${host}${TELNYX_WEBHOOK_PATH}`;
}

/** `GET/PUT /telnyx/credentials`: write-only secrets, shown as masked hints. */
export function telnyxCredentialRoutes(db: Database, workspaceId: () => string, secretKey: () => Buffer): Router {
  const router = Router();
  const describe = async (request: Parameters<typeof webhookUrl>[0]): Promise<TelnyxCredentialStatus> => {
    const own = await stored(db, secretKey(), workspaceId());
    const fallback = environmentTelnyx(workspaceId());
    return {
      apiKey: status(own.apiKey, fallback.apiKey),
      publicKey: status(own.publicKey, fallback.publicKey),
      webhookUrl: webhookUrl(request),
    };
  };
  // Owners only: even the hints (last 4 characters) are for the people who manage the keys.
  router.get('/telnyx/credentials', requireRole('owner'), async (request, response) => {
    response.json(await describe(request));
  });
  router.put('/telnyx/credentials', requireRole('owner'), async (request, response) => {
    const body = parse(credentialsBody, request.body ?? {});
    await saveTelnyxCredentials(db, secretKey(), workspaceId(), currentCaller().actor, body);
    response.json(await describe(request));
  });
  return router;
}
