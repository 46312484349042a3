// Where the local stack keeps its state, logs and tools. Everything lives inside the checkout.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DATA_DIR = path.join(ROOT, '.data');
export const LOG_DIR = path.join(DATA_DIR, 'logs');
export const RUN_DIR = path.join(DATA_DIR, 'run');
export const TOOLS_BIN = path.join(ROOT, '.tools', 'bin');
export const TEMPORAL_DB_FILE = path.join(DATA_DIR, 'temporal', 'temporal.db');
export const POSTGRES_DATA_DIR = path.join(DATA_DIR, 'postgres', 'data');
export const POSTGRES_SOCKET_DIR = path.join(DATA_DIR, 'postgres', 'run');
export const EMULATOR_DATA_FILE = path.join(DATA_DIR, 'visitor-emulator', 'state.json');

export const logFile = (name: string) => path.join(LOG_DIR, `${name}.log`);
export const pidFile = (name: string) => path.join(RUN_DIR, `${name}.pid`);
