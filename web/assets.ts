// The page's static files (web/static), read once at start: HTML, one script, one stylesheet.
import { readFileSync } from 'node:fs';

const read = (name: string) => readFileSync(new URL(`./static/${name}`, import.meta.url), 'utf8');

export interface Asset {
  type: string;
  body: string;
}

export const ASSETS: Record<string, Asset> = {
  '/': { type: 'text/html; charset=utf-8', body: read('index.html') },
  '/app.js': { type: 'text/javascript; charset=utf-8', body: read('app.js') },
  '/style.css': { type: 'text/css; charset=utf-8', body: read('style.css') },
};

const LOGIN = read('login.html');

/** The login form; `failed` adds a fixed message (never anything the request sent). */
export const loginPage = (failed: boolean) =>
  LOGIN.replace('<!--message-->', failed ? '<p class="error" role="alert">That token is not right.</p>' : '');
