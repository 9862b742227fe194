/**
 * The audit log of sensitive actions (table `audit_log`, read by owners at GET /api/audit-log).
 * Actions in use: `auth.signInFailed`, `auth.ownerCreated`, `member.add`, `member.remove`,
 * `member.roleChange`, `apiKey.create`, `apiKey.revoke`, `credential.set`, `credential.delete`,
 * `flow.publish`; other features add theirs (e.g. `caller.erase`, `recording.download`).
 * Details must not hold secrets or personal data beyond what identifies the target.
 */
import type { Database } from '../db/client';
import { auditLog } from '../db/schema';
import { currentCaller } from './auth/context';

export interface AuditEntry {
  workspaceId: string | null;
  /** `user:<email>`, `apiKey:<prefix>`, `system`, `anonymous`; see {@link currentActor}. */
  actor: string;
  action: string;
  target?: string | null;
  details?: Record<string, unknown>;
}

export async function audit(db: Pick<Database, 'insert'>, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({ workspaceId: entry.workspaceId, actor: entry.actor, action: entry.action, target: entry.target ?? null, details: entry.details ?? {} });
}

/** The actor of the current authenticated request (inside an /api route). */
export const currentActor = (): string => currentCaller().actor;
