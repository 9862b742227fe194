/**
 * The audit log of sensitive actions (table `audit_log`, read by owners at GET /api/audit-log).
 * Actions in use: `auth.signInFailed`, `auth.ownerCreated`, `member.add`, `member.remove`,
 * `member.roleChange`, `apiKey.create`, `apiKey.revoke`, `credential.set`, `credential.delete`,
 * `flow.publish`, `flow.import`, `caller.erased`, `caller.exported`, `retention.set`, `retention.applied`,
 * `workspace.privateNetwork`, `temporal.<action>` (writes through the Temporal UI, api/temporal-ui.ts);
 * other features add theirs (e.g. `recording.download`).
 * Details must not hold secrets or personal data beyond what identifies the target.
 * Written by the API (with the request's actor, api/audit.ts) and by activities (actor `system`).
 */
import type { Database } from '../db/client';
import { auditLog } from '../db/schema';

export interface AuditEntry {
  workspaceId: string | null;
  /** `user:<email>`, `apiKey:<prefix>`, `system`, `anonymous`; see `currentActor` in api/audit.ts. */
  actor: string;
  action: string;
  target?: string | null;
  details?: Record<string, unknown>;
}

export async function audit(db: Pick<Database, 'insert'>, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({ workspaceId: entry.workspaceId, actor: entry.actor, action: entry.action, target: entry.target ?? null, details: entry.details ?? {} });
}
