import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../dev/emulator/config';

describe('emulator profile settings from the environment', () => {
  it('loopback and no listing cap by default', () => {
    const config = loadConfig({});
    assert.equal(config.profile, 'loopback');
    assert.equal(config.maxListOffset, undefined);
  });

  it('realistic takes 100–300 ms and 10 requests/s per company unless tuned', () => {
    assert.deepEqual(loadConfig({ VISITOR_EMULATOR_PROFILE: 'realistic' }).profile, {
      name: 'realistic',
      latencyMs: { min: 100, max: 300 },
      rateLimitPerSecond: 10,
    });
    const tuned = loadConfig({
      VISITOR_EMULATOR_PROFILE: 'realistic',
      VISITOR_EMULATOR_LATENCY: '50-80ms',
      VISITOR_EMULATOR_RATE_LIMIT: '0.5',
      VISITOR_EMULATOR_MAX_LIST_OFFSET: '10000',
    });
    assert.deepEqual(tuned.profile, {
      name: 'realistic',
      latencyMs: { min: 50, max: 80 },
      rateLimitPerSecond: 0.5,
    });
    assert.equal(tuned.maxListOffset, 10_000);
    const other = loadConfig({
      VISITOR_EMULATOR_PROFILE: 'realistic',
      VISITOR_EMULATOR_LATENCY: '200',
      VISITOR_EMULATOR_RATE_LIMIT: 'off',
      VISITOR_EMULATOR_MAX_LIST_OFFSET: 'off',
    });
    assert.deepEqual(other.profile, {
      name: 'realistic',
      latencyMs: { min: 200, max: 200 },
      rateLimitPerSecond: null,
    });
    assert.equal(other.maxListOffset, undefined);
  });

  it('the listing cap works with either profile', () => {
    assert.equal(loadConfig({ VISITOR_EMULATOR_MAX_LIST_OFFSET: '500' }).maxListOffset, 500);
  });

  const realistic = { VISITOR_EMULATOR_PROFILE: 'realistic' };
  for (const [env, message] of [
    [{ VISITOR_EMULATOR_PROFILE: 'fast' }, /VISITOR_EMULATOR_PROFILE: must be "loopback" or "realistic"/],
    [{ ...realistic, VISITOR_EMULATOR_LATENCY: 'slow' }, /VISITOR_EMULATOR_LATENCY: must be a latency range/],
    [{ ...realistic, VISITOR_EMULATOR_LATENCY: '300-100ms' }, /VISITOR_EMULATOR_LATENCY: .*min ≤ max/],
    [{ ...realistic, VISITOR_EMULATOR_LATENCY: '0-90000ms' }, /VISITOR_EMULATOR_LATENCY/],
    [{ ...realistic, VISITOR_EMULATOR_RATE_LIMIT: '0' }, /VISITOR_EMULATOR_RATE_LIMIT: must be more than 0/],
    [{ ...realistic, VISITOR_EMULATOR_RATE_LIMIT: '-2' }, /VISITOR_EMULATOR_RATE_LIMIT: must be a number/],
    [{ ...realistic, VISITOR_EMULATOR_RATE_LIMIT: 'ten' }, /VISITOR_EMULATOR_RATE_LIMIT: must be a number/],
    [{ VISITOR_EMULATOR_MAX_LIST_OFFSET: '0' }, /VISITOR_EMULATOR_MAX_LIST_OFFSET/],
    [{ VISITOR_EMULATOR_MAX_LIST_OFFSET: '1e4' }, /VISITOR_EMULATOR_MAX_LIST_OFFSET: must be a whole number/],
    [
      { VISITOR_EMULATOR_LATENCY: '100-300ms' },
      /VISITOR_EMULATOR_LATENCY: applies only with VISITOR_EMULATOR_PROFILE=realistic/,
    ],
    [
      { VISITOR_EMULATOR_RATE_LIMIT: '5' },
      /VISITOR_EMULATOR_RATE_LIMIT: applies only with VISITOR_EMULATOR_PROFILE=realistic/,
    ],
  ] as const) {
    it(`${JSON.stringify(env)} is refused with a message naming the variable`, () => {
      assert.throws(() => loadConfig(env), message);
    });
  }

  it('the CLI exits 2 with the message on a bad profile', () => {
    const main = fileURLToPath(new URL('../../dev/emulator/main.ts', import.meta.url));
    const bad = spawnSync(process.execPath, ['--import', 'tsx', main], {
      env: { ...process.env, VISITOR_EMULATOR_PROFILE: 'wan' },
      encoding: 'utf8',
    });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /VISITOR_EMULATOR_PROFILE: must be "loopback" or "realistic" — got "wan"/);
  });
});
