export interface HttpRequestInput {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers: Array<{ name: string; value: string }>;
  body?: string;
  timeoutMs: number;
  /** `values[variable]` = the JSON answer's field at `path` (dotted; empty = whole body). */
  responseMappings: Array<{ variable: string; path: string }>;
  /** Whether the workspace allows private and loopback addresses. */
  allowPrivateNetwork: boolean;
}

export type HttpRequestResult =
  | { ok: true; status: number; values: Record<string, string> }
  | { ok: false; status: number | null; error: string };
