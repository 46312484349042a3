// The operator's view in the real Temporal Web UI (the dev server's, on :8233), driven by Debian's
// Chromium: the workflow list shows each run's summary, a run's page shows its details, and a stopped
// run is visibly not a success. The screenshots are kept under docs/screenshots for the README.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { type Browser, chromium, type Page } from 'playwright-core';
import { LOCAL_DEFAULTS } from '../../config/service';
import { CHROMIUM_ARGS, ensureChromium } from '../../dev/stack/chromium';
import { ROOT } from '../../dev/stack/paths';
import { runSummary } from '../../workflows/run-details';
import { RUN_STATUS } from '../../workflows/search-attributes';
import type { SyncRunInput, SyncRunResult } from '../../workflows/types';
import { addLocations, addUsers } from '../support/engage-fixtures';
import { SyncHarness } from '../support/sync-harness';
import { TEST_NAMESPACE } from '../support/temporal';

const UI = process.env.TEMPORAL_UI_URL ?? `http://127.0.0.1:${LOCAL_DEFAULTS.temporalUiPort}`;
const SHOTS = path.join(ROOT, 'docs', 'screenshots');

let h: SyncHarness;
let browser: Browser;
let completed: WorkflowHandle;
let stopped: WorkflowHandle;

async function start(id: string, input: Partial<SyncRunInput>): Promise<WorkflowHandle> {
  const full: SyncRunInput = { kind: 'initial', startedBy: 'cli:operator', ...input } as SyncRunInput;
  return h.client.workflow.start('syncRunWorkflow', {
    taskQueue: h.taskQueue,
    workflowId: id,
    args: [full],
    staticSummary: runSummary({
      kind: full.kind,
      full: full.full ?? false,
      startedBy: full.startedBy,
      tenant: undefined,
    }),
  });
}

/** The page's text and its frames' (the UI renders a run's summary and details, markdown, in iframes). */
async function pageText(page: Page): Promise<string> {
  const texts = await Promise.all(
    page.frames().map((f) =>
      f
        .locator('body')
        // innerText on purpose: what is shown, laid out in lines, as an operator reads it.
        // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what is asserted
        .innerText({ timeout: 2000 })
        .catch(() => ''),
    ),
  );
  return texts.join('\n');
}

/**
 * Polls the visible text of the page until it matches (the UI renders after its API calls); `refresh`
 * presses R, the UI's key for reading a run's current details again.
 */
async function waitForText(
  page: Page,
  pattern: RegExp,
  timeoutMs = 30_000,
  refresh = false,
): Promise<string> {
  const until = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < until) {
    text = await pageText(page);
    if (pattern.test(text)) return text;
    if (refresh) await page.keyboard.press('r');
    await page.waitForTimeout(500);
  }
  throw new Error(`the page never showed ${pattern}; it showed:\n${text.slice(0, 2000)}`);
}

before(async () => {
  h = await SyncHarness.create('ui', {
    // Slow enough for a stop to land while the run still has pages to do.
    emulator: { profile: { name: 'realistic', latencyMs: { min: 20, max: 40 } } },
  });
  const [loc] = await addLocations(h.engage.db, ['London']);
  await addUsers(
    h.engage.db,
    Array.from({ length: 120 }, (_, i) => ({
      givenName: 'Ann',
      familyName: `Lee ${i}`,
      administers: i === 0 ? [loc!] : [],
    })),
  );
  await h.startWorker();
  completed = await start(`initial-sync-ui-${h.taskQueue}`, { kind: 'initial' });
  assert.equal(((await completed.result()) as SyncRunResult).status, 'completed');
  stopped = await start(`daily-sync-ui-${h.taskQueue}`, {
    kind: 'daily',
    full: true,
  } as Partial<SyncRunInput>);
  await h.waitForVisitorUsers(1).catch(() => 0);
  await stopped.signal('stop', { by: 'cli:operator', reason: 'maintenance window' });
  assert.equal(((await stopped.result()) as SyncRunResult).status, 'stopped');
  browser = await chromium.launch({ executablePath: ensureChromium(), args: CHROMIUM_ARGS });
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await h?.close();
});

describe('the Temporal UI tells each run’s story', () => {
  it('the workflow list, with the EvsRunStatus column added, shows the stopped run as stopped; its saved view finds only it', async () => {
    const page = await browser.newPage({ viewport: { width: 1800, height: 600 } });
    const query = encodeURIComponent(`TaskQueue="${h.taskQueue}"`);
    await page.goto(`${UI}/namespaces/${TEST_NAMESPACE}/workflows?query=${query}`);
    await waitForText(page, /daily-sync-ui-/);
    // The columns README "In the Temporal UI" asks operators to add once (the UI keeps them per browser).
    await page.getByTestId('workflows-summary-table-configuration-button').click();
    for (const column of ['EvsRunStatus', 'EvsRunKind', 'EvsFailedUsers'])
      await page.getByRole('button', { name: `Add ${column} column` }).click();
    await page.getByRole('button', { name: 'Remove Run ID column' }).click();
    await page.keyboard.press('Escape');
    await page.mouse.click(200, 700);
    await page.getByText('Configure Workflows Table').waitFor({ state: 'hidden' });
    const text = await waitForText(page, /daily-sync-ui-\S*\s+syncRunWorkflow[\s\S]*stopped/);
    assert.match(text, /initial-sync-ui-\S*\s+syncRunWorkflow[\s\S]*completed/);
    const rows = await page.locator('tr, [role="row"]').allInnerTexts();
    const stoppedRow = rows.find((r) => r.includes('daily-sync-ui-'));
    assert.ok(
      stoppedRow && /\bstopped\b/.test(stoppedRow) && /\bdaily\b/.test(stoppedRow),
      `stopped row: ${stoppedRow}`,
    );
    await page.screenshot({ path: path.join(SHOTS, 'temporal-ui-list.png') });

    const stoppedView = encodeURIComponent(`${RUN_STATUS.name}="stopped" AND TaskQueue="${h.taskQueue}"`);
    await page.goto(`${UI}/namespaces/${TEST_NAMESPACE}/workflows?query=${stoppedView}`);
    const view = await waitForText(page, /daily-sync-ui-/);
    assert.doesNotMatch(view, /initial-sync-ui-/, 'the completed run is not among the stopped ones');
    await page.screenshot({ path: path.join(SHOTS, 'temporal-ui-stopped-view.png') });
    await page.close();
  });

  it("a run's page shows its summary, and while it runs its live details: phase, pages, counts", async () => {
    // Slow Visitor answers keep this full reconcile running while the page is read.
    await h.setFaults({ latencyMs: { min: 600, max: 800 } });
    const running = await start(`daily-sync-ui-running-${h.taskQueue}`, {
      kind: 'daily',
      full: true,
    } as Partial<SyncRunInput>);
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    try {
      await page.goto(
        `${UI}/namespaces/${TEST_NAMESPACE}/workflows/${encodeURIComponent(running.workflowId)}`,
      );
      await waitForText(page, /User Metadata/);
      await page.getByText('User Metadata', { exact: true }).first().click();
      // The current details (markdown) come from the running workflow: they name its phase and pages.
      const text = await waitForText(page, /Phase: users[\s\S]*Users: [\d,]+ processed/, 30_000, true);
      assert.match(text, /Pages: \d+ of 5 done/);
      assert.match(
        text,
        /Stop it: npm run sync -- stop daily-sync-ui-running-/,
        'what the operator can do, with the command',
      );
      assert.match(text, /Full reconcile · configured company · started by cli:operator/, 'the summary');
      await page.screenshot({ path: path.join(SHOTS, 'temporal-ui-running-run.png'), fullPage: true });
    } finally {
      await page.close();
      await running.signal('stop', { by: 'cli:operator', reason: 'test over' }).catch(() => {});
      await running.result();
      await h.setFaults({});
    }
  });

  it("a stopped run's page says so in its result, with who stopped it and why", async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(`${UI}/namespaces/${TEST_NAMESPACE}/workflows/${encodeURIComponent(stopped.workflowId)}`);
    const text = await waitForText(page, /"status": "stopped"/);
    assert.match(text, /stopped by cli:operator: maintenance window/);
    await page.screenshot({ path: path.join(SHOTS, 'temporal-ui-stopped-run.png') });
    await page.close();
  });
});
