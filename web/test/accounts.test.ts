/**
 * End to end in Debian's Chromium against the real API and PostgreSQL: the first owner signs up,
 * adds a viewer and an API key in Settings, signs out; the viewer signs in and sees a view-only
 * app; a session that ends on the server sends the page back to sign-in. The page runs under the
 * API's Content-Security-Policy, and logs no errors. Screenshots: data/test-artifacts/accounts-*.png.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, launchBrowser } from '../../test/support/browser';
import { artifactsDir, startStack, type Stack } from '../../test/support/stack';

const webDir = fileURLToPath(new URL('..', import.meta.url));
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;

let stack: Stack;
let browser: Browser;
let page: Page;
const failures: string[] = [];

function buildWebApp(): void {
  const vite = path.join(path.dirname(createRequire(path.join(webDir, 'package.json')).resolve('vite/package.json')), 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: webDir, encoding: 'utf8' });
  assert.equal(result.status, 0, `vite build failed:\n${result.stdout}\n${result.stderr}`);
}

const shot = (name: string) => page.screenshot({ path: path.join(artifactsDir, `accounts-${name}.png`), fullPage: true });

before(async () => {
  if (skip) return;
  buildWebApp();
  stack = await startStack({ mediaWorker: false, flowWorker: false });
  // A fresh install: no user at all (the stack's API key stays usable: keys outlive their creator).
  await stack.database.pool.query('delete from users');
  browser = await launchBrowser();
  // Not newAppPage: this test signs in through the pages themselves.
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (error) => failures.push(error.message));
  page.on('console', (message) => {
    // A request refused with 401 is logged by Chromium itself; the app's answer to it is what is tested.
    if (message.type() === 'error' && !/status of 401/.test(message.text())) failures.push(message.text());
  });
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('the first visit creates the owner account, who adds a viewer and an API key', { skip }, async () => {
  await page.goto(`${stack.api}/numbers`);
  await page.getByRole('heading', { name: 'Create the owner account' }).waitFor();
  assert.match(page.url(), /\/sign-in$/);
  await page.getByLabel('Your name').fill('Olivia Owner');
  await page.getByLabel('Email').fill('olivia@example.test');
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account and sign in' }).click();
  await page.getByText('Use at least 10 characters').waitFor();
  await page.getByLabel('Password').fill('olivia has a long password');
  await shot('setup');
  await page.getByRole('button', { name: 'Create account and sign in' }).click();
  // Back where she was going, signed in.
  await page.getByRole('heading', { name: 'Phone numbers' }).waitFor();
  await page.getByText('Olivia Owner').waitFor();

  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('heading', { name: 'Members', exact: true }).waitFor();
  const add = page.getByRole('form', { name: 'Add a member' });
  await add.getByLabel('Name').fill('Victor Viewer');
  await add.getByLabel('Email').fill('victor@example.test');
  await add.getByLabel('First password').fill('victor password 1');
  await add.getByLabel('Role').selectOption('viewer');
  await add.getByRole('button', { name: 'Add member' }).click();
  await page.locator('tr[data-member="victor@example.test"]').waitFor();
  assert.equal(await page.getByLabel('Role of victor@example.test').inputValue(), 'viewer');

  const keyForm = page.getByRole('form', { name: 'Create an API key' });
  await keyForm.getByLabel('Key name').fill('dialler');
  await keyForm.getByRole('button', { name: 'Create key' }).click();
  const secret = (await page.getByTestId('new-api-key').textContent()) ?? '';
  assert.match(secret, /^sb_/);
  await shot('settings');
  assert.equal((await fetch(`${stack.api}/api/flows`, { headers: { authorization: `Bearer ${secret}` } })).status, 200, 'the key shown works');
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: 'Revoke dialler' }).click();
  await page.locator('tr[data-api-key="dialler"]').getByText(/revoked/).waitFor();
  assert.equal((await fetch(`${stack.api}/api/flows`, { headers: { authorization: `Bearer ${secret}` } })).status, 401, 'revoked at once');
  await page.getByRole('table').last().getByText('apiKey.revoke').waitFor();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal((await fetch(`${stack.api}/api/auth/session`)).status, 200);
});

test('a viewer sees everything but no edit controls', { skip }, async () => {
  await page.getByLabel('Email').fill('victor@example.test');
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('The email or password is wrong').waitFor();
  await page.getByLabel('Password').fill('victor password 1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Flows', exact: true }).waitFor();
  await page.getByText('You have view-only access').waitFor();
  assert.equal(await page.getByRole('button', { name: 'New flow' }).count(), 0);
  assert.equal(await page.getByRole('link', { name: 'Settings' }).count(), 0);
  await page.getByRole('link', { name: 'Phone numbers' }).click();
  await page.getByRole('heading', { name: 'Phone numbers' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Add number' }).count(), 0);
  await shot('viewer');
});

test('a session ended on the server sends the page to sign-in on its next request', { skip }, async () => {
  await stack.database.pool.query(`delete from sessions`);
  await page.getByRole('link', { name: 'Calls' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.match(page.url(), /\/sign-in$/);
  assert.deepEqual(failures, [], 'the page logged no errors (a CSP violation would be one)');
});
