/**
 * The audit log as the API writes it: `audit()` itself lives in lib/audit.ts (activities write it
 * too); this adds the actor of the current request.
 */
import { currentCaller } from './auth/context';

export { audit, type AuditEntry } from '../lib/audit';

/** The actor of the current authenticated request (inside an /api route). */
export const currentActor = (): string => currentCaller().actor;
