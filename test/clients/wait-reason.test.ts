// clients/context.ts waitReason: a run slow to answer names what it waits for, instead of always
// asking whether a worker runs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitReason } from '../../clients/context';

describe('waitReason', () => {
  it("names the activity that keeps failing, its attempt and Visitor's answer", () => {
    const reason = waitReason({
      pendingActivities: [
        {
          activityType: { name: 'syncSingleUser' },
          attempt: 8,
          lastFailure: { message: 'activity StartToClose timeout' },
          state: 1,
        },
      ],
    });
    assert.equal(reason, 'the run is retrying syncSingleUser (attempt 8): activity StartToClose timeout');
  });

  it('says the run is working when an activity is under way without failures', () => {
    assert.equal(
      waitReason({ pendingActivities: [{ activityType: { name: 'syncUserPage' }, attempt: 1, state: 2 }] }),
      'the run is working: syncUserPage is under way',
    );
  });

  it('has nothing to say when no activity was even started (then a worker may be missing)', () => {
    assert.equal(
      waitReason({ pendingActivities: [{ activityType: { name: 'beginRun' }, state: 1 }] }),
      undefined,
    );
    assert.equal(waitReason({}), undefined);
  });
});
