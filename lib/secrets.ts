/**
 * Provider credentials at rest: AES-256-GCM with the key from SWITCHBOARD_SECRET_KEY (32 bytes,
 * base64 or hex). Without it, a key is generated once into SWITCHBOARD_SECRET_KEY_FILE (default
 * data/secret.key, mode 0600) so `npm start` works on a fresh machine. See docs/security.md.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const DEFAULT_SECRET_KEY_FILE = 'data/secret.key';
const VERSION = 'v1';

/** Reads a 32-byte key written as base64 (44 chars) or hex (64 chars); throws naming what was wrong. */
export function parseSecretKey(text: string, where: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new Error(`${where} must be 32 bytes written as base64 or hex (e.g. \`openssl rand -base64 32\`), got ${key.length} bytes`);
  return key;
}

/** The key from the environment, else from the key file, else a new key written to the key file. */
export function loadSecretKey(env: NodeJS.ProcessEnv = process.env): Buffer {
  if (env.SWITCHBOARD_SECRET_KEY) return parseSecretKey(env.SWITCHBOARD_SECRET_KEY, 'SWITCHBOARD_SECRET_KEY');
  const file = env.SWITCHBOARD_SECRET_KEY_FILE || DEFAULT_SECRET_KEY_FILE;
  if (existsSync(file)) return parseSecretKey(readFileSync(file, 'utf8'), file);
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32);
  try {
    writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return parseSecretKey(readFileSync(file, 'utf8'), file);
    throw error;
  }
  return key;
}

/** Additional data bound to a credential's ciphertext: a row copied to another workspace or provider does not decrypt. */
export const credentialContext = (workspaceId: string, provider: string) => `credential:${workspaceId}:${provider}`;

/** `v1.<iv>.<tag>.<ciphertext>`, base64url; `context` (e.g. workspace and provider) is bound as additional data. */
export function encryptSecret(key: Buffer, plaintext: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
}

export function decryptSecret(key: Buffer, sealed: string, context: string): string {
  const [version, iv, tag, ciphertext] = sealed.split('.');
  if (version !== VERSION || !iv || !tag || ciphertext === undefined) throw new Error('not an encrypted secret of this version');
  // The tag length is fixed: Node would otherwise accept a truncated (4-byte) tag, which is forgeable.
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
}
