/** What produced a result: the exact command line and the versions of everything involved. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, platform, release } from 'node:os';

const require = createRequire(import.meta.url);

/** The command as typed, quoted for a POSIX shell: `online-rnn compare --task influence …`. */
export function commandLine(argv: readonly string[] = process.argv.slice(2)): string {
  const quote = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);
  return ['online-rnn', ...argv.map(quote)].join(' ');
}

export function packageVersion(): string {
  const path = require.resolve('../../../package.json');
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

export function versions(extra: Record<string, string> = {}): Record<string, string> {
  const cpu = cpus();
  return {
    'online-rnn': packageVersion(),
    node: process.version,
    ...extra,
    platform: `${platform()} ${release()}`,
    cpu: `${cpu[0]?.model.trim() ?? 'unknown'} × ${cpu.length}`,
  };
}

/** JSON with non-finite numbers as null (a diverged run's loss is Infinity). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
}
