/**
 * The last session in the browser's IndexedDB: the settings, each learner's checkpoint archive
 * (the core's byte codec) and its loss curve, so reopening the page continues where it was.
 */
import type { Settings } from './settings.js';

export interface SavedSession {
  readonly settings: Settings;
  readonly checkpoints: ReadonlyArray<Uint8Array | null>;
  /** Each learner's loss curve: `width` steps a point. */
  readonly curves: ReadonlyArray<{ readonly width: number; readonly losses: readonly number[] }>;
  readonly drifts: readonly number[];
  readonly savedAt: string;
}

const DATABASE = 'online-rnn-playground';
const STORE = 'session';
const KEY = 'last';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB: cannot open the session store'));
  });
}

function transact<T>(mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return open().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const request = action(db.transaction(STORE, mode).objectStore(STORE));
        request.onsuccess = () => {
          resolve(request.result);
          db.close();
        };
        request.onerror = () => {
          reject(request.error ?? new Error('IndexedDB: request failed'));
          db.close();
        };
      }),
  );
}

export function saveSession(session: SavedSession): Promise<unknown> {
  return transact('readwrite', (store) => store.put(session, KEY));
}

export function loadSession(): Promise<SavedSession | undefined> {
  return transact<SavedSession | undefined>('readonly', (store) => store.get(KEY));
}

export function clearSession(): Promise<unknown> {
  return transact('readwrite', (store) => store.delete(KEY));
}
