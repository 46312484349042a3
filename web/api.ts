// The page's JSON endpoints and exports. Each checks its query string (search-params.ts) before it
// touches the database, and reads only.
import type { ServerResponse } from 'node:http';
import { logJson } from '../clients/log-table';
import type { Db } from '../clients/runs';
import { companyDb, listCompanies } from './companies';
import { LOG_CSV_HEADER, logCsvLine } from './csv';
import { entryView } from './entry-view';
import { searchAll, searchLog } from './log-search';
import { overview } from './overview';
import { sendJson } from './respond';
import { beforeParam, checkedParams, intParam, SEARCH_PARAMS, searchOf } from './search-params';

export async function companiesEndpoint(db: Db, url: URL, res: ServerResponse): Promise<void> {
  checkedParams(url.searchParams, []);
  sendJson(res, 200, { companies: await listCompanies(db) });
}

export async function overviewEndpoint(db: Db, url: URL, res: ServerResponse): Promise<void> {
  const p = checkedParams(url.searchParams, ['company', 'runs']);
  const runs = intParam(p, 'runs', 25, 200);
  const company = await companyDb(db, p.get('company'));
  sendJson(res, 200, await overview(company, { runs, quarantined: 200 }));
}

/** One page of the search: `next` is the `before` of the following page (null: no more). */
export async function logEndpoint(db: Db, url: URL, res: ServerResponse): Promise<void> {
  const p = checkedParams(url.searchParams, [...SEARCH_PARAMS, 'before', 'limit']);
  const search = searchOf(p);
  const before = beforeParam(p);
  const limit = intParam(p, 'limit', 50, 500);
  const company = await companyDb(db, p.get('company'));
  const rows = await searchLog(company, { ...search, ...(before ? { before } : {}), limit });
  sendJson(res, 200, {
    entries: rows.map(entryView),
    next: rows.length === limit ? String(rows[rows.length - 1]!.id) : null,
  });
}

/**
 * Every entry of the search, streamed a database page at a time (no cap: memory stays flat). CSV for
 * spreadsheets; JSON as an array of the objects `npm run log -- --json` prints.
 */
export async function exportEndpoint(
  db: Db,
  url: URL,
  res: ServerResponse,
  format: 'csv' | 'json',
  now: Date,
): Promise<void> {
  const p = checkedParams(url.searchParams, SEARCH_PARAMS);
  const search = searchOf(p);
  const companyId = p.get('company');
  const company = await companyDb(db, companyId);
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, '');
  // The tenant id is [a-z0-9-] (checked by companyDb): safe inside the header as it is.
  const filename = `provisioning-log-${companyId ?? 'configured'}-${stamp}Z.${format}`;
  const rows = searchAll(company, search);
  // The first page is read before the headers, so a database error still answers with a status.
  const first = await rows.next();
  res.writeHead(200, {
    'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
    'Content-Disposition': `attachment; filename="${filename}"`,
  });
  // A BOM so spreadsheet programs read the CSV as UTF-8 (names are not all ASCII).
  if (format === 'csv') await write(res, `\uFEFF${LOG_CSV_HEADER}`);
  else await write(res, '[');
  let n = 0;
  for (let r = first; !r.done && !res.destroyed; r = await rows.next()) {
    if (format === 'csv') await write(res, logCsvLine(entryView(r.value)));
    else await write(res, `${n === 0 ? '\n' : ',\n'}${logJson(r.value)}`);
    n++;
  }
  res.end(format === 'csv' ? '' : '\n]\n');
}

/** Writes a chunk, waiting while the client's buffer is full (or until it goes away). */
function write(res: ServerResponse, chunk: string): Promise<void> {
  if (res.write(chunk)) return Promise.resolve();
  // Whichever comes first removes the other: a long export must not pile up listeners.
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
