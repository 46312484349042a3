// The log page in a real browser: Debian's headless Chromium driven by playwright-core, against the
// page's server and a seeded PostgreSQL. One browser for the file; a fresh context (no cookies) per test.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Download, type Page } from 'playwright-core';
import { Secret } from '../../config/secret';
import type { SyncDatabase } from '../../db/sync-schema';
import type { TestDatabase } from '../../dev/harness/db';
import { CHROMIUM_ARGS, ensureChromium } from '../../dev/stack/chromium';
import { ROOT } from '../../dev/stack/paths';
import { openReadOnlyDb } from '../../web/read-only-db';
import { type LogPage, startLogPage } from '../../web/server';
import { FORMULA_NAME, RUNS, seededDatabase, TENANT, XSS_NAME } from './seed';

const TOKEN = 'browser-test-token-0123456789';
const SCREENSHOT = path.join(ROOT, 'docs', 'screenshots', 'log-page.png');
let database: TestDatabase<SyncDatabase>;
let db: ReturnType<typeof openReadOnlyDb>;
let open: LogPage;
let guarded: LogPage;
let browser: Browser;

before(async () => {
  database = await seededDatabase('browser');
  db = openReadOnlyDb(database.url, 2);
  open = await startLogPage({ db, host: '127.0.0.1', port: 0, log: () => {} });
  guarded = await startLogPage({ db, host: '127.0.0.1', port: 0, token: new Secret(TOKEN), log: () => {} });
  browser = await chromium.launch({ executablePath: ensureChromium(), args: CHROMIUM_ARGS });
});
after(async () => {
  await browser?.close();
  await open?.close();
  await guarded?.close();
  await db?.destroy();
  await database?.drop();
});

/** A new page (no cookies) on the open server, loaded; `query` is a search in the address. */
async function openPage(query = ''): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, timezoneId: 'UTC' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${open.url}${query}`);
  await page.waitForSelector('body[data-ready="true"]');
  assert.deepEqual(errors, [], 'no script errors, no CSP violations');
  return page;
}

/** Fills the search form, submits it, and waits for the table to show that search. */
async function search(page: Page, fields: Record<string, string>): Promise<string[]> {
  await page.click('#search button[type="reset"]');
  for (const [name, value] of Object.entries(fields)) {
    if (name === 'status') await page.selectOption('#search select[name="status"]', value);
    else await page.fill(`#search input[name="${name}"]`, value);
  }
  await page.click('#search button[type="submit"]');
  const expected = new URLSearchParams(fields).toString();
  await page.waitForSelector(`#log[data-search="${expected}"]`);
  return page.locator('#log tbody tr.entry td.user').allTextContents();
}

const text = async (d: Download) => readFileSync((await d.path())!, 'utf8');

describe('log page in Chromium', () => {
  it('shows runs with failed and stopped ones marked, pending decisions and quarantined users', async () => {
    const page = await openPage();
    const runs = page.locator('#runs tbody tr');
    assert.equal(await runs.count(), 5);
    const row = (id: string) => page.locator('#runs tbody tr', { hasText: id });
    assert.equal(await row(RUNS.failed).locator('.badge').textContent(), 'failed');
    assert.equal(await row(RUNS.stopped).locator('.badge').textContent(), 'stopped');
    assert.match((await row(RUNS.failed).textContent()) ?? '', /Visitor refused the token \(401\)/);
    // Marked so it shows: a failed or stopped run's badge has a colour a completed one does not.
    const colour = (id: string) =>
      page.evaluate(`(() => {
        const row = [...document.querySelectorAll('#runs tbody tr')].find((r) => r.textContent.includes(${JSON.stringify(id)}));
        return getComputedStyle(row.querySelector('.badge')).backgroundColor;
      })()`);
    const completed = await colour(RUNS.completed);
    assert.notEqual(await colour(RUNS.failed), completed);
    assert.notEqual(await colour(RUNS.stopped), completed);
    assert.notEqual(await colour(RUNS.failed), await colour(RUNS.stopped));
    assert.match((await page.textContent('#last-successes')) ?? '', /daily 2026-11-01 02:05:00Z/);

    const decisions = await page.locator('#decisions tbody tr').allTextContents();
    assert.equal(decisions.length, 2);
    assert.match(decisions[0]!, new RegExp(`plan review${RUNS.review}`));
    assert.match(decisions[1]!, /held deletions.*120 deletions over the budget of 50/);
    assert.equal(await page.textContent('#quarantined-count'), '(1)');
    assert.deepEqual(await page.locator('#quarantined tbody tr td:first-child').allTextContents(), [
      'quinn@example.com (5)',
    ]);
    await page.context().close();
  });

  it('shows a <script> user name as text, never running it', async () => {
    const page = await openPage();
    const users = await page.locator('#log tbody tr.entry td.user').allTextContents();
    assert.ok(users.includes(`${XSS_NAME} (3)`), users.join('\n'));
    assert.equal(await page.evaluate('window.__xss'), undefined);
    assert.equal(await page.locator('#log img').count(), 0);
    await page.context().close();
  });

  it('narrows the log by user, run, action, status and date', async () => {
    const page = await openPage();
    assert.equal(await page.locator('#log tbody tr.entry').count(), 6);
    assert.deepEqual(await search(page, { user: 'BOB@example.com' }), [
      'bob@example.com (2)',
      'Bob@Example.com (2)',
    ]);
    assert.deepEqual(await search(page, { run: RUNS.stopped }), [
      `${FORMULA_NAME} (4)`,
      'bob@example.com (2)',
    ]);
    assert.deepEqual(await search(page, { action: 'delete' }), [`${FORMULA_NAME} (4)`]);
    assert.deepEqual(await search(page, { status: 'failed' }), ['bob@example.com (2)', `${XSS_NAME} (3)`]);
    assert.deepEqual(await search(page, { from: '2026-11-01', to: '2026-11-01' }), [
      'location 7',
      'Bob@Example.com (2)',
    ]);
    assert.deepEqual(await search(page, { user: 'bob@example.com', status: 'updated' }), [
      'Bob@Example.com (2)',
    ]);
    // A run's id in the runs table searches that run.
    await page.click(`#runs a:text("${RUNS.failed}")`);
    await page.waitForSelector(`#log[data-search="run=${RUNS.failed}"]`);
    assert.deepEqual(await page.locator('#log tbody tr.entry td.user').allTextContents(), [
      `${XSS_NAME} (3)`,
    ]);
    // A bad search says why.
    await page.fill('#search input[name="user"]', '99999999999');
    await page.click('#search button[type="submit"]');
    await page.waitForSelector('#error:not([hidden])');
    assert.match((await page.textContent('#error')) ?? '', /user: an Engage id is at most/);
    await page.context().close();
  });

  it("opens an entry to show its steps and old → new values; a tenant's log is its own", async () => {
    const page = await openPage('?user=ann%40example.com');
    const entry = page.locator('#log tbody tr.entry').first();
    const detail = page.locator('#log tbody tr.entry-detail').first();
    assert.equal(await detail.isVisible(), false);
    await entry.locator('button.toggle').click();
    assert.equal(await detail.isVisible(), true);
    assert.deepEqual(await detail.locator('.changes li').allTextContents(), ['givenName: (none) → Ann']);
    assert.deepEqual(await detail.locator('.steps li').allTextContents(), [
      'POST /Users → 201',
      // jsonb keeps an object's keys shortest first.
      'step: grant, status: 204, location: Oslo',
    ]);

    await page.selectOption('#company', TENANT.id);
    await page.waitForSelector(`#runs[data-company="${TENANT.id}"]`);
    await page.waitForSelector(`#log[data-search="company=${TENANT.id}&user=ann%40example.com"]`);
    assert.equal(await page.locator('#log tbody tr.entry').count(), 0);
    await page.click('#search button[type="reset"]');
    await page.waitForSelector(`#log[data-search="company=${TENANT.id}"]`);
    assert.deepEqual(await page.locator('#log tbody tr.entry td.user').allTextContents(), [
      `${TENANT.user} (1)`,
    ]);
    assert.deepEqual(await page.locator('#runs tbody tr td:first-child').allTextContents(), [TENANT.run]);
    await page.context().close();
  });

  it('downloads the current search as CSV and JSON', async () => {
    const page = await openPage();
    await search(page, { run: RUNS.stopped });
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    assert.match(csv.suggestedFilename(), /^provisioning-log-configured-\d{8}T\d{6}Z\.csv$/);
    const lines = (await text(csv))
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    assert.equal(lines.length, 3);
    assert.ok(lines[1]!.includes(`"'${FORMULA_NAME.replaceAll('"', '""')}"`), lines[1]);
    assert.ok(lines[2]!.startsWith(`${lines[2]!.split(',')[0]},2026-11-03T02:01:00.000Z,${RUNS.stopped},`));
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
    assert.match(json.suggestedFilename(), /\.json$/);
    const rows = JSON.parse(await text(json)) as { userName: string; run: string }[];
    assert.deepEqual(
      rows.map((r) => [r.userName, r.run]),
      [
        [FORMULA_NAME, RUNS.stopped],
        ['bob@example.com', RUNS.stopped],
      ],
    );
    await page.context().close();
  });

  it('refuses an unauthenticated visitor (401) when a token is set, and logs in with it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const refused = await page.goto(guarded.url);
    assert.equal(refused?.status(), 401);
    assert.equal((await context.request.get(`${guarded.url}api/log`)).status(), 401);
    await page.fill('input[name="token"]', 'not-the-token-at-all');
    await page.click('button[type="submit"]');
    assert.match((await page.textContent('[role="alert"]')) ?? '', /That token is not right/);
    await page.fill('input[name="token"]', TOKEN);
    await page.click('button[type="submit"]');
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.locator('#runs tbody tr').count(), 5);
    const [cookie] = await context.cookies();
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Strict');
    await context.close();
  });

  it('takes the screenshot docs/log-page.md shows', async () => {
    const page = await openPage();
    await page
      .locator('#log tbody tr.entry', { hasText: /Bob@Example\.com/ })
      .locator('button.toggle')
      .click();
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    const png = await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    await page.context().close();
  });
});
