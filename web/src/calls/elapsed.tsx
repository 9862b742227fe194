import { useEffect, useState } from 'react';
import { duration } from '../lib/text';

/** A running duration timer: from `since` until `until` (or now, ticking every second). */
export function Elapsed({ since, until }: { since: string; until?: string | null }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [until]);
  const end = until ? new Date(until).getTime() : now;
  return <span className="elapsed">{duration(Math.max(0, end - new Date(since).getTime()))}</span>;
}
