/**
 * Who may claim a phone number for a trigger. Numbers are unique across the installation and the
 * carrier's calls are routed by number, so a claim decides whose flow answers. The installation's
 * first workspace owns the deployment's numbers (its own Telnyx account, TELNYX_API_KEY); any other
 * workspace may only claim numbers its own saved Telnyx account holds.
 */
import type { Database } from '../../db/client';
import { DEFAULT_WORKSPACE_ID } from '../../db/schema';
import { HttpError } from '../errors';
import { createTelnyxApi } from './client';
import { readTelnyxCredentials } from './credentials';

export async function checkNumberClaim(db: Database, secretKey: Buffer, workspaceId: string, phoneNumber: string): Promise<void> {
  if (workspaceId === DEFAULT_WORKSPACE_ID) return;
  const { apiKey } = await readTelnyxCredentials(db, secretKey, workspaceId);
  const refuse = (why: string) =>
    new HttpError(403, 'numberNotVerified', `phoneNumber: this workspace can only use numbers of its own Telnyx account, and ${why}`);
  if (!apiKey) throw refuse('it has saved no Telnyx API key (Connections page)');
  let numbers;
  try {
    numbers = await createTelnyxApi({ apiKey }).listNumbers();
  } catch (error) {
    throw new HttpError(502, 'telnyxUnavailable', `phoneNumber: could not check the number with Telnyx: ${(error as Error).message}`);
  }
  if (!numbers.some((number) => number.phoneNumber === phoneNumber)) throw refuse('that account does not hold this number');
}
