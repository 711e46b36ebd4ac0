// Why a folder or file the server keeps its data in cannot be used, in words that name the path and the
// cause: instead of SQLite's `unable to open database file` (no path) or a raw `EEXIST: file already
// exists, mkdir …` when --data names a file. Checked before use, so the message is about our path, not
// about whatever system call failed first.
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import path from 'node:path';

/** The path's stats; undefined when it does not exist; 'unreachable' when a folder above it may not be searched. */
function statOf(target: string): Stats | undefined | 'unreachable' {
  try {
    return statSync(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' ? 'unreachable' : undefined;
  }
}

function allowed(target: string, mode: number): boolean {
  try {
    accessSync(target, mode);
    return true;
  } catch {
    return false;
  }
}

/** Why `folder` cannot be used or created as a writable folder, or undefined when it can. */
export function folderProblem(folder: string): string | undefined {
  const wanted = path.resolve(folder);
  let existing = wanted;
  while (statOf(existing) === undefined && path.dirname(existing) !== existing) existing = path.dirname(existing);
  const stats = statOf(existing);
  if (stats === undefined) return undefined;
  if (stats === 'unreachable') return `this user may not reach ${existing} (permission denied on a folder above it)`;
  const inside = existing === wanted ? '' : `, so ${wanted} cannot be created in it`;
  if (!stats.isDirectory()) return `${existing} is a file, not a folder${inside}`;
  if (!allowed(existing, constants.W_OK | constants.X_OK)) return `this user may not write to the folder ${existing}${inside} (permission denied)`;
  return undefined;
}

/** Why `file` cannot be opened for reading and writing (or created) in its folder, or undefined when it can. */
export function writableFileProblem(file: string): string | undefined {
  const wanted = path.resolve(file);
  const stats = statOf(wanted);
  if (stats === undefined) return folderProblem(path.dirname(wanted));
  if (stats === 'unreachable') return `this user may not reach ${wanted} (permission denied on a folder above it)`;
  if (stats.isDirectory()) return `${wanted} is a folder, not a file`;
  if (!allowed(wanted, constants.R_OK | constants.W_OK)) return `this user may not read and write ${wanted} (permission denied)`;
  // SQLite also writes its -wal and -shm files beside the database.
  if (!allowed(path.dirname(wanted), constants.W_OK | constants.X_OK)) return `this user may not write to the folder ${path.dirname(wanted)} (permission denied)`;
  return undefined;
}
