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

class RefusedAddress extends Error {}

function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const usable = allowPrivate ? addresses : addresses.filter((entry) => isPublicAddress(entry.address));
      if (usable.length === 0) {
        return callback(new RefusedAddress(`${hostname} is a private or loopback address, which this workspace does not allow`), '', 0);
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

function send(input: HttpRequestInput, url: URL): Promise<{ response: IncomingMessage; body: string }> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      {
        method: input.method,
        headers: Object.fromEntries(input.headers.map((header) => [header.name, header.value])),
        lookup: guardedLookup(input.allowPrivateNetwork),
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

export function createHttpActivities() {
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
      if (ipaddr.isValid(literal) && !input.allowPrivateNetwork && !isPublicAddress(literal)) {
        return { ok: false, status: null, error: `${literal} is a private or loopback address, which this workspace does not allow` };
      }
      try {
        const { response, body } = await send(input, url);
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
