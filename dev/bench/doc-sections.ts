// docs/benchmarks.md is written in sections between markers, so a run of one section (`--only`)
// replaces its own figures and leaves the others' as the doc has them.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../chaos/stack';

export interface SectionMarkers {
  begin: string;
  end: string;
}

export const BENCH_DOC = path.join(ROOT, 'docs', 'benchmarks.md');
const NOTES = path.join(ROOT, 'dev', 'bench', 'NOTES.md');

/** The doc with the section replaced, or put before the notes (or at the end) when it has none. */
export function spliceSection(
  doc: string,
  m: SectionMarkers,
  section: string,
  notesStart: string | undefined,
): string {
  const from = doc.indexOf(m.begin);
  const to = doc.indexOf(m.end);
  if (from >= 0 && to > from) return doc.slice(0, from) + section.trimEnd() + doc.slice(to + m.end.length);
  const at = notesStart ? doc.indexOf(notesStart) : -1;
  if (at >= 0) return `${doc.slice(0, at)}${section}\n${doc.slice(at)}`;
  return `${doc.trimEnd()}\n\n${section}`;
}

/** The section as docs/benchmarks.md has it now, markers included; undefined when none. */
export function currentSection(m: SectionMarkers): string | undefined {
  const doc = fs.existsSync(BENCH_DOC) ? fs.readFileSync(BENCH_DOC, 'utf8') : '';
  const from = doc.indexOf(m.begin);
  const to = doc.indexOf(m.end);
  return from >= 0 && to > from ? `${doc.slice(from, to + m.end.length)}\n` : undefined;
}

/** Puts one section into docs/benchmarks.md, leaving the rest of the doc as it is. */
export function writeSection(m: SectionMarkers, section: string): void {
  const doc = fs.existsSync(BENCH_DOC) ? fs.readFileSync(BENCH_DOC, 'utf8') : '# Benchmarks\n';
  const notesStart = fs.existsSync(NOTES) ? fs.readFileSync(NOTES, 'utf8').split('\n')[0] : undefined;
  fs.writeFileSync(BENCH_DOC, spliceSection(doc, m, section, notesStart || undefined));
}
