import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { ErrorPanel } from './error-panel';
import { LoadingPanel } from './loading-panel';

/** Props of {@link QueryView}. */
export interface QueryViewProps<T> {
  query: UseQueryResult<T>;
  /** What loads, e.g. "members": "Loading members…", "Could not load members". */
  what: string;
  /** What could not be loaded when it reads differently ("your flows"); default `what`. */
  errorWhat?: string;
  /** What to show once the data is there. */
  children: (data: T) => ReactNode;
}

/** A query's data once loaded: a loading panel until then, an error panel with a retry if it failed. */
export function QueryView<T>({ query, what, errorWhat = what, children }: QueryViewProps<T>) {
  if (query.isPending) return <LoadingPanel what={what} />;
  if (query.isError) return <ErrorPanel what={errorWhat} error={query.error} onRetry={() => void query.refetch()} />;
  return children(query.data);
}
