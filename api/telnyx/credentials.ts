/**
 * Telnyx credentials of a workspace: the API key and the webhook public key. Stored in the
 * workspace's settings and never sent back (only a masked hint); when a workspace has none, the
 * environment's TELNYX_API_KEY / TELNYX_PUBLIC_KEY apply. Every read and write of the stored
 * secrets goes through this module (encrypting them at rest belongs here).
 */
import { eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { workspaces, type WorkspaceSettings } from '../../db/schema';
import { notFound, parse } from '../errors';
import { TELNYX_WEBHOOK_PATH } from './webhook-routes';

/** The settings key the secrets live under. */
const SECRETS_KEY = 'telnyxCredentials';

interface StoredCredentials {
  apiKey?: string;
  publicKey?: string;
}

export interface TelnyxCredentials {
  apiKey: string | undefined;
  publicKey: string | undefined;
}

/** One secret as the API shows it: whether it is set, where from, and its last characters. */
export interface SecretStatus {
  set: boolean;
  source: 'workspace' | 'environment' | null;
  /** e.g. `••••1a2b`; null when unset. */
  hint: string | null;
}

export const credentialsBody = z
  .object({
    apiKey: z.string().trim().min(10, 'apiKey: that is too short for a Telnyx API key').max(300).nullable().optional(),
    publicKey: z
      .string()
      .trim()
      .refine((value) => Buffer.from(value, 'base64').length === 32, 'publicKey: must be the base64 Ed25519 public key from Mission Control (32 bytes)')
      .nullable()
      .optional(),
  })
  .meta({ description: 'Give a value to replace a secret, null to remove the stored one (the environment applies again), or leave it out to keep it.' });

const stored = (settings: WorkspaceSettings | undefined): StoredCredentials =>
  ((settings as Record<string, unknown> | undefined)?.[SECRETS_KEY] as StoredCredentials | undefined) ?? {};

/** A workspace's settings without the secrets, for anything that shows settings. */
export function withoutSecrets<T extends WorkspaceSettings>(settings: T): T {
  const { [SECRETS_KEY]: _secrets, ...rest } = settings as Record<string, unknown>;
  return rest as unknown as T;
}

async function loadSettings(db: Database, workspaceId: string): Promise<WorkspaceSettings> {
  const [row] = await db.select({ settings: workspaces.settings }).from(workspaces).where(eq(workspaces.id, workspaceId));
  if (!row) throw notFound('Workspace');
  return row.settings;
}

/** The credentials to use: the workspace's own, else the environment's. */
export async function readTelnyxCredentials(db: Database, workspaceId: string, env: NodeJS.ProcessEnv = process.env): Promise<TelnyxCredentials> {
  const own = stored(await loadSettings(db, workspaceId));
  return { apiKey: own.apiKey ?? (env.TELNYX_API_KEY || undefined), publicKey: own.publicKey ?? (env.TELNYX_PUBLIC_KEY || undefined) };
}

/** Replaces (string) or removes (null) stored secrets; absent keys stay as they are. */
export async function saveTelnyxCredentials(db: Database, workspaceId: string, changes: { apiKey?: string | null; publicKey?: string | null }): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx.select({ settings: workspaces.settings }).from(workspaces).where(eq(workspaces.id, workspaceId)).for('update');
    if (!row) throw notFound('Workspace');
    const next: StoredCredentials = { ...stored(row.settings) };
    for (const key of ['apiKey', 'publicKey'] as const) {
      const value = changes[key];
      if (value === null) delete next[key];
      else if (value !== undefined) next[key] = value;
    }
    await tx
      .update(workspaces)
      .set({ settings: { ...row.settings, [SECRETS_KEY]: next } as WorkspaceSettings })
      .where(eq(workspaces.id, workspaceId));
  });
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
export function telnyxCredentialRoutes(db: Database, workspaceId: () => string): Router {
  const router = Router();
  const describe = async (request: Parameters<typeof webhookUrl>[0]) => {
    const own = stored(await loadSettings(db, workspaceId()));
    return {
      apiKey: status(own.apiKey, process.env.TELNYX_API_KEY || undefined),
      publicKey: status(own.publicKey, process.env.TELNYX_PUBLIC_KEY || undefined),
      webhookUrl: webhookUrl(request),
    };
  };
  router.get('/telnyx/credentials', async (request, response) => {
    response.json(await describe(request));
  });
  router.put('/telnyx/credentials', async (request, response) => {
    const body = parse(credentialsBody, request.body ?? {});
    await saveTelnyxCredentials(db, workspaceId(), body);
    response.json(await describe(request));
  });
  return router;
}
