/**
 * The httpRequest node's activity, on the flow worker. Refuses private, loopback and other
 * non-public addresses unless the workspace allows them. The check runs inside the connection's
 * DNS lookup, so the address connected to is the address checked (no DNS rebinding).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { HttpRequestInput, HttpRequestResult } from './types';

export type { HttpRequestInput, HttpRequestResult } from './types';

/** Largest answer read, in bytes. */
const MAX_BODY_BYTES = 1024 * 1024;
/** Longest value stored in a flow variable. */
const MAX_VALUE_CHARS = 2000;

/** True for addresses on the public internet (not private, loopback, link-local, reserved…). */
export function isPublicAddress(address: string): boolean {
  try {
    return ipaddr.process(address).range() === 'unicast';
  } catch {
    return false;
  }
}

/**
 * What the deployment lets workspaces reach besides the public internet (the flow worker's
 * `SWITCHBOARD_PRIVATE_NETWORK`): `never` (nothing private, whatever a workspace's setting says);
 * `workspace` (the default: an owner may allow private addresses in the workspace's settings, except
 * link-local ones such as cloud metadata at 169.254.169.254); or a comma-separated allow-list of
 * addresses and CIDR ranges, the only private ones a workspace that allows them may reach.
 */
export type PrivateNetworkPolicy = { kind: 'never' } | { kind: 'workspace' } | { kind: 'allowList'; ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> };

export function privateNetworkPolicy(value: string | undefined): PrivateNetworkPolicy {
  const text = (value ?? '').trim();
  if (text === '' || text === 'workspace') return { kind: 'workspace' };
  if (text === 'never') return { kind: 'never' };
  const ranges = text.split(',').map((entry) => entry.trim()).filter(Boolean).map((entry) => {
    try {
      return entry.includes('/') ? ipaddr.parseCIDR(entry) : ([ipaddr.parse(entry), ipaddr.parse(entry).kind() === 'ipv4' ? 32 : 128] as [ipaddr.IPv4 | ipaddr.IPv6, number]);
    } catch {
      throw new Error(`SWITCHBOARD_PRIVATE_NETWORK: '${entry}' is not an address or CIDR range (use never, workspace, or a list like 10.1.0.0/16,192.168.1.20)`);
    }
  });
  return { kind: 'allowList', ranges };
}

/** Whether a request may connect to `address`, given the workspace's setting and the deployment's policy. */
export function addressAllowed(address: string, workspaceAllows: boolean, policy: PrivateNetworkPolicy): boolean {
  if (isPublicAddress(address)) return true;
  if (!workspaceAllows || policy.kind === 'never') return false;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.process(address);
  } catch {
    return false;
  }
  if (policy.kind === 'allowList') return policy.ranges.some(([range, bits]) => range.kind() === parsed.kind() && parsed.match(range, bits));
  return parsed.range() !== 'linkLocal';
}

class RefusedAddress extends Error {}

function guardedLookup(allowPrivate: boolean, policy: PrivateNetworkPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const usable = addresses.filter((entry) => addressAllowed(entry.address, allowPrivate, policy));
      if (usable.length === 0) {
        return callback(new RefusedAddress(`${hostname} is a private or loopback address, which this workspace (or this deployment) does not allow`), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
      const first = usable[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}

/** The value at a dotted path of a parsed JSON answer, as text. */
export function valueAt(body: unknown, path: string): string | undefined {
  let current: unknown = body;
  for (const part of path.split('.').filter(Boolean)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = Array.isArray(current) ? current[Number(part)] : (current as Record<string, unknown>)[part];
  }
  if (current === undefined) return undefined;
  const text = typeof current === 'string' ? current : JSON.stringify(current);
  return text.length > MAX_VALUE_CHARS ? text.slice(0, MAX_VALUE_CHARS) : text;
}

function send(input: HttpRequestInput, url: URL, policy: PrivateNetworkPolicy): Promise<{ response: IncomingMessage; body: string }> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      {
        method: input.method,
        headers: Object.fromEntries(input.headers.map((header) => [header.name, header.value])),
        lookup: guardedLookup(input.allowPrivateNetwork, policy),
        timeout: input.timeoutMs,
      },
      (response) => {
        let size = 0;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            request.destroy(new Error(`the answer is larger than ${MAX_BODY_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve({ response, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    const deadline = setTimeout(() => request.destroy(new Error(`no answer within ${input.timeoutMs} ms`)), input.timeoutMs);
    request.on('timeout', () => request.destroy(new Error(`no answer within ${input.timeoutMs} ms`)));
    request.on('error', reject);
    request.on('close', () => clearTimeout(deadline));
    if (input.body !== undefined && input.method !== 'GET') request.write(input.body);
    request.end();
  });
}

export function createHttpActivities(policy: PrivateNetworkPolicy = privateNetworkPolicy(process.env.SWITCHBOARD_PRIVATE_NETWORK)) {
  return {
    /** Sends the request; never throws for what the far end does: failures come back as `ok: false`. */
    async httpRequest(input: HttpRequestInput): Promise<HttpRequestResult> {
      let url: URL;
      try {
        url = new URL(input.url);
      } catch {
        return { ok: false, status: null, error: 'The address is not a valid URL' };
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, status: null, error: 'Only http and https addresses are allowed' };
      const literal = url.hostname.replace(/^\[|\]$/g, '');
      if (ipaddr.isValid(literal) && !addressAllowed(literal, input.allowPrivateNetwork, policy)) {
        return { ok: false, status: null, error: `${literal} is a private or loopback address, which this workspace (or this deployment) does not allow` };
      }
      try {
        const { response, body } = await send(input, url, policy);
        const status = response.statusCode ?? 0;
        if (status < 200 || status >= 300) return { ok: false, status, error: `The service answered ${status}` };
        let parsed: unknown = body;
        if (body.trim() !== '') {
          try {
            parsed = JSON.parse(body);
          } catch {
            parsed = body;
          }
        }
        const values: Record<string, string> = {};
        for (const mapping of input.responseMappings) {
          const value = mapping.path === '' ? (typeof parsed === 'string' ? parsed : JSON.stringify(parsed)) : valueAt(parsed, mapping.path);
          if (value !== undefined) values[mapping.variable] = value.slice(0, MAX_VALUE_CHARS);
        }
        return { ok: true, status, values };
      } catch (error) {
        return { ok: false, status: null, error: (error as Error).message };
      }
    },
  };
}

export type HttpActivities = ReturnType<typeof createHttpActivities>;
