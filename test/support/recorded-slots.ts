// A slot book that remembers every slot it granted, on its own clock: tests judge the booking itself,
// not when timers happened to fire (a loaded machine's event loop adds tens of milliseconds).
import type { RateSlots } from '../../scim/pacer';

export function recordedSlots(book: RateSlots): { book: RateSlots; slots: number[] } {
  const slots: number[] = [];
  return {
    slots,
    book: {
      book: async (r) => {
        const b = await book.book(r);
        for (let i = 0; i < b.granted; i++) slots.push(b.startAt! + i * r.spacingMs);
        return b;
      },
      holdFor: (ms) => book.holdFor(ms),
    },
  };
}
