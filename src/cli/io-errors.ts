/**
 * Failures of the file system (a full disk, a read-only folder, a path under a file, an
 * unreadable model) as one line naming the path and the cause: the user's machine, not a bug,
 * so exit code 2 like any other bad input, never a stack trace.
 */

/** Node's error for a failed system call: a code such as 'ENOSPC' and, usually, the path. */
export interface SystemError extends Error {
  readonly code: string;
  readonly syscall?: string;
  readonly path?: string;
  readonly dest?: string;
}

const CAUSES: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'is a directory, not a file',
  ENOENT: 'no such file or directory',
  EEXIST: 'already exists',
  EIO: 'input/output error (the device failed)',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EFBIG: 'the file is too large',
  ENOTEMPTY: 'the directory is not empty',
  EBUSY: 'the resource is busy',
  ENXIO: 'no such device',
};

export function isSystemError(error: unknown): error is SystemError {
  if (!(error instanceof Error)) return false;
  const { code, syscall } = error as Partial<SystemError>;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) && typeof syscall === 'string';
}

/** "PATH: cause (CODE)" — the sentence printed after `online-rnn: error: `. */
export function describeSystemError(error: SystemError, fallbackPath?: string): string {
  const path = error.path ?? fallbackPath;
  const cause = CAUSES[error.code] ?? error.message.replace(/^[A-Z0-9]+: /, '').replace(/, \w+ '.*$/, '');
  return `${path !== undefined ? `${path}: ` : ''}cannot ${verb(error.syscall)}: ${cause} (${error.code})`;
}

function verb(syscall: string | undefined): string {
  switch (syscall) {
    case 'open':
    case 'read':
    case 'scandir':
    case 'stat':
    case 'lstat':
    case 'realpath':
      return 'read';
    case 'mkdir':
      return 'create the directory';
    case 'rename':
      return 'rename';
    case 'unlink':
    case 'rmdir':
    case 'rm':
      return 'remove';
    default:
      return 'write';
  }
}
