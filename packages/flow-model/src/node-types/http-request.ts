import { z } from 'zod';
import { defineNodeType } from '../define';
import { httpHeaders, httpMethod, httpUrl, ms, variableName } from './shared';

export const httpRequest = defineNodeType({
  type: 'httpRequest',
  version: 1,
  label: 'HTTP request',
  category: 'integrate',
  help: 'Calls a web service and stores fields of its JSON answer in flow variables. Leaves by ok on a 2xx answer, otherwise by failed. Private and loopback addresses are refused unless the workspace allows them.',
  config: z.object({
    method: httpMethod.default('GET'),
    url: httpUrl,
    headers: httpHeaders,
    body: z.string().max(20_000).optional(),
    timeoutMs: ms(500, 30_000, 5000),
    /** `flow.<variable>` = the answer's field at `path` (dotted, e.g. `customer.name`; empty = whole body). */
    responseMappings: z
      .array(z.object({ variable: variableName, path: z.string().max(200).regex(/^[A-Za-z0-9_.-]*$/, 'Use a dotted path like customer.name') }))
      .max(20)
      .default([]),
  }),
  exits: () => ['ok', 'failed'],
  outputs: ['status', 'error'],
  sets: (config) => config.responseMappings.map((mapping) => mapping.variable),
  templates: (config) => [
    { field: 'url', template: config.url },
    ...config.headers.map((header, index) => ({ field: `headers.${index}.value`, template: header.value })),
    ...(config.body ? [{ field: 'body', template: config.body }] : []),
  ],
  waitsForCaller: false,
  terminal: false,
});
