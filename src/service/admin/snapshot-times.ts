// Times in a tenant snapshot: whole-second UTC times (upload jobs and sign-ins: milliseconds) that name a
// real instant, and never before the object's own creation.
import { graphTimestamp } from '../clock.ts';
import { DocumentProblem, jsonPath, type PathSegment } from '../json-document.ts';

/** A stored time (UTC, whole seconds) that names a real instant; the schema checked its shape. */
export function checkTime(value: string, path: PathSegment[]): string {
  const time = Date.parse(value);
  if (Number.isNaN(time) || graphTimestamp(new Date(time)) !== value) throw new DocumentProblem(jsonPath(path), `${JSON.stringify(value)} is not a valid time`);
  return value;
}

/** A time that cannot come before another of the same object (deleted or modified before created). */
export function checkNotBefore(value: string, earliest: string, path: PathSegment[]): string {
  if (value < earliest) throw new DocumentProblem(jsonPath(path), `${JSON.stringify(value)} is before the object's createdDateTime (${earliest})`);
  return value;
}

/** A time with milliseconds (upload jobs, sign-ins) that names a real instant; as epoch milliseconds. */
export function checkMillisecondTime(value: string, path: PathSegment[]): number {
  const time = Date.parse(value);
  if (Number.isNaN(time) || new Date(time).toISOString() !== value) throw new DocumentProblem(jsonPath(path), `${JSON.stringify(value)} is not a valid time`);
  return time;
}
