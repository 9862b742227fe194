/**
 * Modules every workflow of a flow worker shares instead of loading its own copy: the bundle loads
 * them once per worker thread, before any workflow, and the SDK freezes them (the SDK's
 * `preloadModules`, wired in workers/workflow-bundle.ts). Without this, each call's workflow ran the
 * flow model's and zod's module code again (the node types build their zod schemas at load): about
 * 25 ms of CPU per started call, most of what a flow worker spent on a call's first task.
 *
 * Only pure code belongs here: no state that differs between workflows, no use of the workflow
 * APIs at load. The flow model is pure by design (packages/flow-model/package.json).
 */
export * from '@switchboard/flow-model';
