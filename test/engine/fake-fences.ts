// AttemptFences in memory, with the semantics of state/activity-fences.ts: one holder per key at a
// time, a claim waits for the holder to let go, and a token older than the recorded one is refused.
import type { AttemptFences, FenceLease } from '../../engine/ports';

interface Hold {
  token: number;
  lost: boolean;
  released: Promise<void>;
  release(): void;
}

export class FakeFences implements AttemptFences {
  readonly tokens = new Map<string, number>();
  readonly holders = new Map<string, Hold>();
  waits = 0;

  async claim(
    key: string,
    token: number,
    wait: { signal: AbortSignal; onWait(): void },
  ): Promise<FenceLease | null> {
    for (let h = this.holders.get(key); h; h = this.holders.get(key)) {
      wait.signal.throwIfAborted();
      this.waits++;
      wait.onWait();
      await h.released;
    }
    if ((this.tokens.get(key) ?? Number.NEGATIVE_INFINITY) > token) return null;
    this.tokens.set(key, token);
    let release!: () => void;
    const hold: Hold = { token, lost: false, released: new Promise((r) => (release = r)), release: () => {} };
    hold.release = () => {
      if (this.holders.get(key) === hold) this.holders.delete(key);
      release();
    };
    this.holders.set(key, hold);
    return {
      holds: async () => !hold.lost && this.holders.get(key) === hold,
      release: async () => hold.release(),
    };
  }

  /** As when the holder's database session ends: it loses the hold and the key is free. */
  drop(key: string): void {
    const h = this.holders.get(key);
    if (!h) return;
    h.lost = true;
    h.release();
  }
}
