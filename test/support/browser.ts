/**
 * Headless Debian Chromium for browser tests, driven by playwright-core. Every browser test makes
 * its pages through `newAppPage`, so what every page needs (e.g. signing in) lives in one place.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Stack } from './stack';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `skip` option for browser tests: false when Chromium is there, else why they are skipped. */
export const skipWithoutChromium: false | string = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;

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
}

/**
 * A page of the web app served by `stack`, 1440×900, en-US, New York time. Errors the page throws
 * or logs fail the test file (checked in an `after` hook).
 */
export async function newAppPage(browser: Browser, stack: Stack, options: AppPageOptions = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    locale: 'en-US',
    timezoneId: 'America/New_York',
    baseURL: stack.api,
    ...(options.microphone ? { permissions: ['microphone'] } : {}),
  });
  const page = await context.newPage();
  page.setDefaultTimeout(options.timeoutMs ?? 15_000);
  const allowed = ['ERR_FAILED', ...(options.allowConsoleErrors ?? [])];
  const failures: string[] = [];
  page.on('pageerror', (error) => failures.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !allowed.some((text) => message.text().includes(text))) failures.push(message.text());
  });
  after(() => assert.deepEqual(failures, [], 'the page logged errors'));
  return page;
}
