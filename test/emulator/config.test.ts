import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../dev/emulator/config';

describe('emulator configuration from the environment', () => {
  it('defaults', () => {
    const config = loadConfig({});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8790);
    assert.equal(config.token, 'dev-visitor-token');
    assert.equal(config.maxPageSize, 500);
    assert.equal(config.dataFile, undefined);
    assert.equal(config.faults, undefined);
    assert.deepEqual(config.defaultLocation, { name: 'Headquarters' });
    assert.equal(config.patch, true);
  });

  it('VISITOR_EMULATOR_PATCH=off runs a target without PATCH', () => {
    assert.equal(loadConfig({ VISITOR_EMULATOR_PATCH: 'off' }).patch, false);
    assert.equal(loadConfig({ VISITOR_EMULATOR_PATCH: 'on' }).patch, true);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      VISITOR_EMULATOR_HOST: '127.0.0.2',
      VISITOR_EMULATOR_PORT: '9000',
      VISITOR_EMULATOR_TOKEN: 'another-token',
      VISITOR_EMULATOR_DATA_FILE: '.data/visitor.jsonl',
      VISITOR_EMULATOR_MAX_PAGE_SIZE: '100',
      VISITOR_EMULATOR_FAULTS: '{"errorRate":0.1,"seed":5}',
    });
    assert.equal(config.port, 9000);
    assert.equal(config.dataFile, '.data/visitor.jsonl');
    assert.equal(config.maxPageSize, 100);
    assert.equal(config.faults?.errorRate, 0.1);
  });

  for (const [name, value, message] of [
    ['VISITOR_EMULATOR_PORT', 'abc', /VISITOR_EMULATOR_PORT: must be a whole number/],
    ['VISITOR_EMULATOR_PORT', '70000', /VISITOR_EMULATOR_PORT: .*65535/],
    ['VISITOR_EMULATOR_MAX_PAGE_SIZE', '0', /VISITOR_EMULATOR_MAX_PAGE_SIZE/],
    ['VISITOR_EMULATOR_TOKEN', 'short', /VISITOR_EMULATOR_TOKEN: must be at least 8 characters/],
    ['VISITOR_EMULATOR_FAULTS', '{oops', /VISITOR_EMULATOR_FAULTS: is not valid JSON/],
    ['VISITOR_EMULATOR_FAULTS', '{"errorRate":3}', /VISITOR_EMULATOR_FAULTS \(at errorRate\)/],
    ['VISITOR_EMULATOR_PATCH', 'no', /VISITOR_EMULATOR_PATCH: must be "on" or "off" — got "no"/],
  ] as const) {
    it(`${name}=${value} is refused with a message naming it`, () => {
      assert.throws(() => loadConfig({ [name]: value }), message);
    });
  }

  it('the CLI exits with the message on a bad value', () => {
    const main = fileURLToPath(new URL('../../dev/emulator/main.ts', import.meta.url));
    const result = spawnSync(process.execPath, ['--import', 'tsx', main], {
      env: { ...process.env, VISITOR_EMULATOR_PORT: 'eighty' },
      encoding: 'utf8',
    });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /VISITOR_EMULATOR_PORT: must be a whole number — got "eighty"/);
  });
});
