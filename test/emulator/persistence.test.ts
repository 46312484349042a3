import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { TestEmulator } from './helpers';
import { createLocation, createUser, startTestEmulator, TOKEN, userBody } from './helpers';
import { URN_VISITOR_USER } from './urns';

const dirs: string[] = [];
function tempDataFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'visitor-emulator-'));
  dirs.push(dir);
  return join(dir, 'state', 'visitor.jsonl');
}

async function state(t: TestEmulator) {
  return (await t.admin('GET', '/state')).body;
}

describe('persistence', () => {
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('state survives a graceful restart (users, access, locations, invitations, versions)', async () => {
    const dataFile = tempDataFile();
    const first = await startTestEmulator({ dataFile });
    const leeds = await createLocation(first, 'Leeds', { externalId: 'L-1', timeZone: 'Europe/London' });
    const user = await createUser(first, 'keep@example.com', {
      externalId: 'E-1',
      phoneNumbers: [{ value: '+447700900123', type: 'mobile' }],
      [URN_VISITOR_USER]: {
        defaultLocationId: leeds.id,
        locationAccess: [{ locationId: leeds.id, role: 'admin' }],
        sendInvitation: true,
      },
    });
    const gone = await createUser(first, 'gone@example.com');
    await first.scim('DELETE', `/Users/${gone.id}`);
    await first.scim('PATCH', `/Users/${user.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'title', value: 'Persisted' }],
    });
    const before = await state(first);
    await first.close();
    assert.ok(existsSync(dataFile));

    const second = await startTestEmulator({ dataFile });
    try {
      const afterRestart = await state(second);
      // baseUrl (in meta.location) differs between the two ports; compare without it
      const strip = (s: unknown) =>
        JSON.parse(JSON.stringify(s).replaceAll(/http:\/\/127\.0\.0\.1:\d+/g, ''));
      assert.deepEqual(strip(afterRestart), strip(before));
      assert.equal(afterRestart.users.length, 1);
      assert.equal(afterRestart.invitations.length, 1);
      const again = await second.scim('POST', `/Users/${user.id}/invitation`);
      assert.equal(again.body.alreadySent, true, 'the send log survived: no second e-mail');
      const dup = await second.scim('POST', '/Users', userBody('KEEP@example.com'));
      assert.equal(dup.status, 409, 'indexes are rebuilt on load');
      const created = await createUser(second, 'new@example.com');
      const list = await second.scim('GET', '/Users');
      assert.deepEqual(
        list.body.Resources.map((u: { id: string }) => u.id),
        [user.id, created.id],
      );
    } finally {
      await second.close();
    }
  });

  it('a torn last journal line is ignored', async () => {
    const dataFile = tempDataFile();
    const first = await startTestEmulator({ dataFile });
    await createUser(first, 'torn@example.com');
    await first.close();
    appendFileSync(`${dataFile}.journal`, '{"op":"user.put","user":{"id":"half');
    const second = await startTestEmulator({ dataFile });
    try {
      assert.equal((await state(second)).users.length, 1);
    } finally {
      await second.close();
    }
  });

  it('a journal older than the snapshot (crash between rename and journal reset) is not replayed', async () => {
    const dataFile = tempDataFile();
    const first = await startTestEmulator({ dataFile });
    const user = await createUser(first, 'once@example.com', {
      [URN_VISITOR_USER]: { sendInvitation: true },
    });
    await first.close();
    const meta = JSON.parse(readFileSync(dataFile, 'utf8').split('\n')[0] ?? '{}') as { generation: number };
    const sentAt = new Date().toISOString();
    const staleJournal = [
      { op: 'gen', generation: meta.generation - 1 },
      { op: 'inv', send: { userId: user.id, userName: 'once@example.com', sentAt } },
      { op: 'user.del', id: user.id },
    ];
    writeFileSync(`${dataFile}.journal`, staleJournal.map((l) => `${JSON.stringify(l)}\n`).join(''));
    const second = await startTestEmulator({ dataFile });
    try {
      const s = await state(second);
      assert.equal(s.users.length, 1);
      assert.equal(s.invitations.length, 1, 'the invitation log is not duplicated');
    } finally {
      await second.close();
    }
  });

  it('SIGKILL of the CLI loses nothing that reached the journal', async () => {
    const dataFile = tempDataFile();
    const main = fileURLToPath(new URL('../../dev/emulator/main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: {
        ...process.env,
        VISITOR_EMULATOR_PORT: '0',
        VISITOR_EMULATOR_TOKEN: TOKEN,
        VISITOR_EMULATOR_DATA_FILE: dataFile,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! });
    const [line] = (await once(lines, 'line')) as [string];
    const baseUrl = /listening on (\S+)/.exec(line)?.[1];
    assert.ok(baseUrl, line);
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' };
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${baseUrl}/Users`, {
        method: 'POST',
        headers,
        body: JSON.stringify(userBody(`killed${i}@example.com`)),
      });
      assert.equal(res.status, 201);
    }
    // Wait (by condition, not by clock) until the journal has the last write, then kill -9.
    const journal = `${dataFile}.journal`;
    while (!(existsSync(journal) && readFileSync(journal, 'utf8').includes('killed19@example.com')))
      await sleep(20);
    child.kill('SIGKILL');
    await once(child, 'exit');

    const restarted = await startTestEmulator({ dataFile });
    try {
      const users = (await state(restarted)).users as { userName: string }[];
      assert.equal(users.length, 20);
      assert.deepEqual(
        users.map((u) => u.userName),
        Array.from({ length: 20 }, (_, i) => `killed${i}@example.com`),
      );
    } finally {
      await restarted.close();
    }
  });

  it('SIGTERM stops the CLI gracefully and writes the snapshot', async () => {
    const dataFile = tempDataFile();
    const main = fileURLToPath(new URL('../../dev/emulator/main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: {
        ...process.env,
        VISITOR_EMULATOR_PORT: '0',
        VISITOR_EMULATOR_TOKEN: TOKEN,
        VISITOR_EMULATOR_DATA_FILE: dataFile,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    const baseUrl = /listening on (\S+)/.exec(line)?.[1] ?? '';
    const res = await fetch(`${baseUrl}/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify(userBody('graceful@example.com')),
    });
    assert.equal(res.status, 201);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
    assert.ok(readFileSync(dataFile, 'utf8').includes('graceful@example.com'), 'snapshot holds the user');
  });
});
