import { describeSystemError, isSystemError } from './io-errors.js';

/** A mistake in what the user asked for: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Runs a command body; user errors and validation errors become one line on stderr and exit code 2. */
export async function runCommand(body: () => Promise<void> | void): Promise<void> {
  try {
    await body();
  } catch (error) {
    const e = error as Error;
    if (e instanceof UsageError || e instanceof RangeError || e instanceof TypeError || e instanceof SyntaxError) {
      process.stderr.write(`online-rnn: error: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    if (isSystemError(e)) {
      process.stderr.write(`online-rnn: error: ${describeSystemError(e)}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
}
