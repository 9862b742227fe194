import Telnyx, { APIConnectionError, APIError, AuthenticationError } from 'telnyx';
import type { TelnyxConnectionTest, TelnyxNumber, TelnyxSipConnection } from '../../lib/contracts/api-responses';
import { HttpError } from '../errors';

export const DEFAULT_TELNYX_API_BASE_URL = 'https://api.telnyx.com/v2';

/** Where and how to reach the Telnyx REST API. */
export interface TelnyxApiOptions {
  /** API key (Mission Control → API Keys); default env TELNYX_API_KEY. */
  apiKey?: string | undefined;
  /** Base URL including `/v2`; default env TELNYX_API_BASE_URL, else https://api.telnyx.com/v2. */
  baseURL?: string | undefined;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** Retries of failed requests (429, 5xx, network); default 1. */
  maxRetries?: number;
}

/** The few Telnyx REST calls Switchboard makes, through the `telnyx` SDK. */
export interface TelnyxApi {
  listNumbers(): Promise<TelnyxNumber[]>;
  /** Checks that the API key is accepted (one cheap authenticated request). */
  testConnection(): Promise<TelnyxConnectionTest>;
  listSipConnections(): Promise<TelnyxSipConnection[]>;
}

const MAX_ITEMS = 1000;

export function createTelnyxApi(options: TelnyxApiOptions = {}): TelnyxApi {
  const apiKey = options.apiKey ?? process.env.TELNYX_API_KEY;
  const baseURL = options.baseURL ?? process.env.TELNYX_API_BASE_URL ?? DEFAULT_TELNYX_API_BASE_URL;
  let client: Telnyx | undefined;
  const sdk = (): Telnyx => {
    if (!apiKey) throw new HttpError(503, 'telnyxNotConfigured', 'Set TELNYX_API_KEY to a Telnyx API key');
    client ??= new Telnyx({ apiKey, publicKey: null, baseURL, timeout: options.timeoutMs ?? 10_000, maxRetries: options.maxRetries ?? 1 });
    return client;
  };

  return {
    async listNumbers() {
      return upstream(async () => {
        const numbers: TelnyxNumber[] = [];
        for await (const number of sdk().phoneNumbers.list({ 'page[size]': 250 })) {
          numbers.push({
            id: number.id,
            phoneNumber: number.phone_number,
            status: number.status,
            connectionId: number.connection_id ?? null,
            connectionName: number.connection_name ?? null,
          });
          if (numbers.length >= MAX_ITEMS) break;
        }
        return numbers;
      });
    },

    async testConnection() {
      try {
        await upstream(() => sdk().phoneNumbers.list({ 'page[size]': 1 }));
        return { ok: true, baseURL };
      } catch (error) {
        if (error instanceof HttpError && error.code !== 'telnyxNotConfigured') return { ok: false, baseURL, error: { code: error.code, message: error.message } };
        throw error;
      }
    },

    async listSipConnections() {
      return upstream(async () => {
        const telnyx = sdk();
        const [fqdnConnections, credentialConnections, fqdns] = await Promise.all([
          collect(telnyx.fqdnConnections.list({ 'page[size]': 250 })),
          collect(telnyx.credentialConnections.list({ 'page[size]': 250 })),
          collect(telnyx.fqdns.list({ 'page[size]': 250 })),
        ]);
        const connections: TelnyxSipConnection[] = [];
        for (const connection of fqdnConnections) {
          const id = connection.id ?? '';
          const hosts = fqdns.filter((fqdn) => fqdn.connection_id === id && fqdn.fqdn).map((fqdn) => ({ fqdn: fqdn.fqdn as string, port: fqdn.port ?? null }));
          connections.push(describe(id, connection.connection_name, 'fqdn', connection, hosts));
        }
        for (const connection of credentialConnections) {
          connections.push(describe(connection.id ?? '', connection.connection_name ?? '', 'credential', connection, []));
        }
        return connections;
      });
    },
  };
}

function describe(
  id: string,
  name: string,
  type: TelnyxSipConnection['type'],
  connection: { active?: boolean; webhook_event_url?: string; webhook_api_version?: string },
  fqdns: TelnyxSipConnection['fqdns'],
): TelnyxSipConnection {
  const active = connection.active !== false;
  const problems: string[] = [];
  if (!active) problems.push('The connection is inactive: calls to its numbers are rejected');
  if (type === 'fqdn' && fqdns.length === 0) problems.push('No FQDN: add the LiveKit SIP host so Telnyx knows where to send calls');
  if (!connection.webhook_event_url) problems.push('No webhook URL: set it to <your API>/api/telnyx/webhooks for hang-up events');
  if (connection.webhook_api_version && connection.webhook_api_version !== '2') problems.push('Webhook API version must be 2');
  return {
    id,
    name,
    type,
    active,
    fqdns,
    webhookEventUrl: connection.webhook_event_url ?? null,
    webhookApiVersion: connection.webhook_api_version ?? null,
    problems,
  };
}

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of pages) {
    items.push(item);
    if (items.length >= MAX_ITEMS) break;
  }
  return items;
}

/** Runs a Telnyx request; its failures become our JSON errors (502: Telnyx, not the caller, failed). */
async function upstream<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AuthenticationError) throw new HttpError(502, 'telnyxUnauthorized', 'Telnyx rejected the API key (401): check TELNYX_API_KEY');
    if (error instanceof APIConnectionError) throw new HttpError(502, 'telnyxUnreachable', `Could not reach the Telnyx API: ${error.message}`);
    if (error instanceof APIError) throw new HttpError(502, 'telnyxError', `Telnyx answered ${error.status ?? 'without a status'}: ${error.message}`);
    if (error instanceof HttpError) throw error;
    // Anything else (e.g. a stored key the HTTP client cannot send) is still Telnyx not answering us.
    throw new HttpError(502, 'telnyxError', `The Telnyx request failed: ${(error as Error).message}`);
  }
}
