import { readFileSync } from 'node:fs';

/** Resident set size of a process (this one by default), in MB (from /proc). */
export function rssMb(pid: number | 'self' = 'self'): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}
