/**
 * Browser tests open the app through these two functions, so how a page signs in lives in one
 * place: `launchBrowser()` starts Debian's Chromium (CHROMIUM_PATH), `newAppPage(browser, stack)`
 * opens a page in a fresh context that is signed in as the stack's owner.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { signIn } from './auth';
import type { Stack } from './stack';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** A new page (1440×900, en-US, New York time) whose context holds the owner's session cookie. */
export async function newAppPage(browser: Browser, stack: Pick<Stack, 'api' | 'owner'>): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US', timezoneId: 'America/New_York' });
  const cookie = await signIn(stack.api, stack.owner.email, stack.owner.password);
  const [name, value] = cookie.split('=') as [string, string];
  await context.addCookies([{ name, value, url: stack.api, httpOnly: true, sameSite: 'Lax' }]);
  return context.newPage();
}
