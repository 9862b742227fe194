/**
 * Joining a call's LiveKit room: the agent's token, the server API's URL, and who in the room is
 * the caller (and whether they may hear prompts yet).
 */
import { AccessToken } from 'livekit-server-sdk';
import { AGENT_IDENTITY_PREFIX } from '../types.js';

/** True for a participant that is the caller (any non-agent participant). */
export function isCallerIdentity(identity: string): boolean {
  return !identity.startsWith(AGENT_IDENTITY_PREFIX);
}

/**
 * False while a SIP caller's call is not yet answered: LiveKit SIP sets the participant attribute
 * `sip.callStatus` (`ringing`, `dialing`, `automation`, `active`, `hangup`); only `active` may
 * hear prompts. A participant without the attribute (WebRTC, the virtual caller) is ready at once.
 */
export function sipCallActive(attributes: Readonly<Record<string, string>> | undefined): boolean {
  const status = attributes?.['sip.callStatus'];
  return status === undefined || status === '' || status === 'active';
}

/** Options of {@link createJoinToken}. */
export interface JoinTokenOptions {
  apiKey: string;
  apiSecret: string;
  roomName: string;
  identity: string;
  /** Participant attributes carried in the token. */
  attributes?: Record<string, string>;
  /** Token lifetime; default 6 h. */
  ttlMs?: number;
  /** The participant's kind as LiveKit reports it; `sip` for a stand-in of a LiveKit SIP caller (tests). */
  kind?: 'sip';
}

/** Mints a token that may join `roomName`, publish and subscribe audio, and send data (DTMF). */
export async function createJoinToken(options: JoinTokenOptions): Promise<string> {
  const token = new AccessToken(options.apiKey, options.apiSecret, {
    identity: options.identity,
    attributes: options.attributes,
    ttl: Math.ceil((options.ttlMs ?? 6 * 3_600_000) / 1000),
  });
  if (options.kind) token.kind = options.kind;
  token.addGrant({
    room: options.roomName,
    roomJoin: true,
    canPublish: true,
    canSubscribe: true,
    canPublishData: true,
  });
  return token.toJwt();
}

/** The HTTP(S) URL of the server API behind a ws(s):// signalling URL. */
export function httpUrlFromWsUrl(url: string): string {
  return url.replace(/^ws(s?):\/\//i, 'http$1://');
}
