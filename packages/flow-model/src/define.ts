import type { z } from 'zod';

/**
 * The one declaration of a node type. The interpreter, the validator and the canvas all read it,
 * so a node's settings, defaults, exits and help text are written exactly once.
 */
export interface NodeTypeDefinition<Type extends string = string, Config extends z.ZodType = z.ZodType> {
  /** Stored forever in flows: short lowerCamel id. */
  readonly type: Type;
  /**
   * Bumped when the config shape or behaviour changes incompatibly; then `upgrades` says how settings
   * saved by the previous version become this one's.
   */
  readonly version: number;
  /**
   * How settings saved by an older version become the next version's: `upgrades[1]` takes version
   * 1's settings to version 2's, and so on up to `version`. Pure functions of the settings, safe in
   * workflow code. The API applies them when it reads or publishes a flow, the interpreter when it
   * runs a node of a call that started before the upgrade (so old histories keep replaying).
   * `config` (and the interpreter's handler) describe only the current version.
   */
  readonly upgrades?: Readonly<Record<number, SettingsUpgrade>>;
  /** Name builders see. */
  readonly label: string;
  /** One or two sentences of help text shown in the palette and config panel. */
  readonly help: string;
  /** Schema of the node's settings, with defaults. */
  readonly config: Config;
  /** Names of the node's exits for a given (parsed) config; routing is done by edges from these. */
  exits(config: z.output<Config>): string[];
  /** True when the node waits for the caller (a key press or speech). */
  readonly waitsForCaller: boolean;
  /** True when the call ends at this node. */
  readonly terminal: boolean;
  /** Palette group. */
  readonly category: NodeCategory;
  /**
   * Settings that are templates (`{{flow.name}}`), by dotted path, with their current text.
   * `spoken` marks what the caller hears (synthesized ahead of time when it has no variables).
   */
  templates?(config: z.output<Config>): Array<{ field: string; template: string; spoken?: boolean }>;
  /** What the node produces, readable later as `{{<nodeId>.<output>}}`. */
  readonly outputs?: readonly string[];
  /** Flow variables (`flow.<name>`) the node sets. */
  sets?(config: z.output<Config>): string[];
}

/**
 * Takes one version's settings (as saved: possibly incomplete in a draft) to the next version's.
 * For a node of a published version (valid in its version) the result must be complete and valid:
 * the interpreter runs it without parsing it again.
 */
export type SettingsUpgrade = (settings: Record<string, unknown>) => Record<string, unknown>;

export type NodeCategory = 'speak' | 'input' | 'logic' | 'integrate' | 'route';

/** Declares a node type; the identity function that keeps the literal types. */
export function defineNodeType<Type extends string, Config extends z.ZodType>(
  definition: NodeTypeDefinition<Type, Config>,
): NodeTypeDefinition<Type, Config> {
  return definition;
}
