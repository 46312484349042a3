/**
 * Durable state for the emulator: `<dataFile>` holds a snapshot (JSON lines) and
 * `<dataFile>.journal` an append-only log of store events since that snapshot.
 *
 * - Events are encoded when they happen and written to the OS every 100 ms (and on close),
 *   so SIGKILL loses at most the last ~100 ms; the OS page cache survives a process kill.
 * - Compaction writes a new snapshot to a temporary file, fsyncs, renames it over the old one
 *   and starts a new journal generation. A journal older than the snapshot is ignored, so a
 *   crash between rename and journal reset cannot replay events twice.
 */
import { closeSync, existsSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EncodedUser, SnapshotLine } from './codec';
import { decodeUser, encodeUser } from './codec';
import type { StoreEvent, VisitorStore } from './store';

const FLUSH_INTERVAL_MS = 100;
/** Compact once the journal grows past this; it keeps restart time bounded. */
const COMPACT_AT_BYTES = 256 * 1024 * 1024;

type JournalLine =
  | { op: 'gen'; generation: number }
  | { op: 'loc.put'; loc: Extract<StoreEvent, { op: 'loc.put' }>['loc'] }
  | { op: 'loc.del'; id: string; at: string }
  | { op: 'user.put'; user: EncodedUser }
  | { op: 'user.del'; id: string }
  | { op: 'inv'; send: Extract<StoreEvent, { op: 'inv' }>['send'] }
  | { op: 'reset' };

function encodeEvent(event: StoreEvent): JournalLine {
  return event.op === 'user.put' ? { op: 'user.put', user: encodeUser(event.user) } : event;
}

function decodeEvent(line: JournalLine): StoreEvent | undefined {
  if (line.op === 'gen') return undefined;
  return line.op === 'user.put' ? { op: 'user.put', user: decodeUser(line.user) } : line;
}

/** Reads a JSON-lines file line by line; a torn last line (killed mid-write) is skipped. */
async function* readLines<T>(path: string): AsyncGenerator<T> {
  const handle = await open(path, 'r');
  try {
    let rest = '';
    for await (const chunk of handle.createReadStream({ encoding: 'utf8', highWaterMark: 1 << 20 })) {
      const text = rest + (chunk as string);
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line !== '') yield JSON.parse(line) as T;
    }
    if (rest !== '') {
      try {
        yield JSON.parse(rest) as T;
      } catch {
        // torn write at the end of the journal: the event never completed
      }
    }
  } finally {
    await handle.close();
  }
}

export class Persistence {
  private fd: number | undefined;
  private buffer: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private generation = 0;
  private journalBytes = 0;
  private readonly journalPath: string;

  constructor(
    private readonly dataFile: string,
    private readonly store: VisitorStore,
  ) {
    this.journalPath = `${dataFile}.journal`;
  }

  /** Loads snapshot + journal into the store, then compacts and starts journaling. */
  async open(): Promise<void> {
    await mkdir(dirname(this.dataFile), { recursive: true });
    let snapshotGeneration = 0;
    if (existsSync(this.dataFile)) {
      for await (const line of readLines<SnapshotLine>(this.dataFile)) {
        if (line.k === 'meta') snapshotGeneration = line.generation;
        else if (line.k === 'loc') this.store.apply({ op: 'loc.put', loc: line.loc });
        else if (line.k === 'user') this.store.apply({ op: 'user.put', user: decodeUser(line.user) });
        else if (line.k === 'inv') this.store.apply({ op: 'inv', send: line.send });
      }
    }
    if (existsSync(this.journalPath)) {
      let stale = false;
      let first = true;
      for await (const line of readLines<JournalLine>(this.journalPath)) {
        if (first && line.op === 'gen') stale = line.generation < snapshotGeneration;
        first = false;
        if (stale) break;
        const event = decodeEvent(line);
        if (event) this.store.apply(event);
      }
    }
    this.generation = snapshotGeneration;
    this.compact();
    this.store.sink = (event) => this.append(event);
    this.timer = setInterval(() => this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  private append(event: StoreEvent): void {
    this.buffer.push(`${JSON.stringify(encodeEvent(event))}\n`);
  }

  /** Hands buffered events to the OS. */
  flush(): void {
    if (this.buffer.length === 0 || this.fd === undefined) return;
    const text = this.buffer.join('');
    this.buffer = [];
    writeSync(this.fd, text);
    this.journalBytes += Buffer.byteLength(text);
    if (this.journalBytes > COMPACT_AT_BYTES) this.compact();
  }

  /** Writes a fresh snapshot of the whole store and starts an empty journal after it. */
  compact(): void {
    this.flushIgnoringFd();
    const generation = this.generation + 1;
    const tmp = `${this.dataFile}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      const lines: string[] = [];
      let pending = 0;
      const push = (line: SnapshotLine) => {
        const text = JSON.stringify(line);
        lines.push(text);
        pending += text.length;
        if (pending > 1 << 20) {
          writeSync(fd, `${lines.join('\n')}\n`);
          lines.length = 0;
          pending = 0;
        }
      };
      push({
        k: 'meta',
        format: 'visitor-emulator-snapshot',
        version: 1,
        generation,
        writtenAt: new Date().toISOString(),
      });
      for (const loc of this.store.orderedLocations()) push({ k: 'loc', loc });
      for (const user of this.store.orderedUsers()) push({ k: 'user', user: encodeUser(user) });
      for (const send of this.store.invitations) push({ k: 'inv', send });
      if (lines.length > 0) writeSync(fd, `${lines.join('\n')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.dataFile);
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = openSync(this.journalPath, 'w');
    const header = `${JSON.stringify({ op: 'gen', generation } satisfies JournalLine)}\n`;
    writeSync(this.fd, header);
    this.journalBytes = header.length;
    this.generation = generation;
  }

  /** Before compaction the buffered events are part of the store already; drop them. */
  private flushIgnoringFd(): void {
    this.buffer = [];
  }

  /** Flushes, snapshots and closes the journal. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.store.sink = undefined;
    this.compact();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
