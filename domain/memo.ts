// Identity-keyed memoisation for planning. A run plans thousands of users against one location list,
// and almost all of them share a handful of access maps; computing those once per distinct object
// keeps planning cheap per user. Results are shared: callers must treat them as read-only.

/** Memoises fn over an object key (by identity) and a string key. */
export function memoByObject<K extends object, V>(fn: (k: K, s: string) => V): (k: K, s: string) => V {
  const cache = new WeakMap<K, Map<string, V>>();
  return (k, s) => {
    let inner = cache.get(k);
    if (!inner) {
      inner = new Map();
      cache.set(k, inner);
    }
    if (inner.has(s)) return inner.get(s)!;
    const v = fn(k, s);
    inner.set(s, v);
    return v;
  };
}

/** Memoises fn over two object keys (by identity). */
export function memoByPair<A extends object, B extends object, V>(fn: (a: A, b: B) => V): (a: A, b: B) => V {
  const cache = new WeakMap<A, WeakMap<B, V>>();
  return (a, b) => {
    let inner = cache.get(a);
    if (!inner) {
      inner = new WeakMap();
      cache.set(a, inner);
    }
    if (inner.has(b)) return inner.get(b)!;
    const v = fn(a, b);
    inner.set(b, v);
    return v;
  };
}
