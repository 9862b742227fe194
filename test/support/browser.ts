/**
 * Headless Debian Chromium for browser tests, driven by playwright-core. Every browser test makes
 * its pages through `newAppPage`, so what every page needs (signing in, error checks) lives in one
 * place: `launchBrowser()` starts Chromium (CHROMIUM_PATH), `newAppPage(browser, stack)` opens a
 * page in a fresh context signed in as the stack's owner.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { signIn } from './auth';
import type { Stack } from './stack';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `skip` option for browser tests: false when Chromium is there, else why they are skipped. */
export const skipWithoutChromium: false | string = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
export const noBrowser = skipWithoutChromium;

const webDir = fileURLToPath(new URL('../../web/', import.meta.url));

/** Builds web/dist, which the API serves. */
export function buildWebApp(): void {
  const vite = path.join(path.dirname(createRequire(path.join(webDir, 'package.json')).resolve('vite/package.json')), 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: webDir, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`vite build failed:\n${result.stdout}\n${result.stderr}`);
}

export interface LaunchOptions {
  /**
   * A WAV file the fake microphone plays (in a loop). With it, pages are allowed the microphone
   * without asking, and get a fake one fed from the file.
   */
  fakeMicrophoneWav?: string;
}

/** Launches headless Chromium. */
export async function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  const media = options.fakeMicrophoneWav
    ? ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${options.fakeMicrophoneWav}`, '--autoplay-policy=no-user-gesture-required']
    : [];
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...media],
  });
}

export interface AppPageOptions {
  /** Default timeout of the page's actions and waits. */
  timeoutMs?: number;
  /** Grants the page the microphone (with a fake device, see `launchBrowser`). */
  microphone?: boolean;
  /** Console errors containing any of these are not failures. */
  allowConsoleErrors?: string[];
  /** Open the page signed out (default: signed in as the stack's owner). */
  signedOut?: boolean;
}

/**
 * A page of the web app served by `stack`, 1440×900, en-US, New York time, signed in as the
 * stack's owner. Errors the page throws or logs fail the test file (checked in an `after` hook);
 * the browser's own "Failed to load resource … status of 4xx" lines are answers the page handles.
 */
export async function newAppPage(browser: Browser, stack: Pick<Stack, 'api' | 'owner'>, options: AppPageOptions = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    locale: 'en-US',
    timezoneId: 'America/New_York',
    baseURL: stack.api,
    ...(options.microphone ? { permissions: ['microphone'] } : {}),
  });
  if (!options.signedOut) {
    const cookie = await signIn(stack.api, stack.owner.email, stack.owner.password);
    const [name, value] = cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: stack.api, httpOnly: true, sameSite: 'Lax' }]);
  }
  const page = await context.newPage();
  page.setDefaultTimeout(options.timeoutMs ?? 15_000);
  const allowed = ['ERR_FAILED', ...(options.allowConsoleErrors ?? [])];
  const failures: string[] = [];
  page.on('pageerror', (error) => failures.push(error.message));
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && !/status of 4\d\d/.test(text) && !allowed.some((allowedText) => text.includes(allowedText))) failures.push(text);
  });
  after(() => assert.deepEqual(failures, [], 'the page logged errors'));
  return page;
}
