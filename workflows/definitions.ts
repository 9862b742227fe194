/**
 * The workflows' names (task queues, ids, search attributes, signals, queries) live one layer down,
 * in lib/contracts/temporal.ts, so lib, activities and workers can share them without importing
 * workflows/. Re-exported here for workflow code and its callers.
 */
export * from '../lib/contracts/temporal';
