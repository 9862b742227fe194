/**
 * Provisioning of LiveKit SIP for phone triggers (livekit-server-sdk's SipClient). Each enabled
 * trigger has one inbound trunk (its number; allowed source addresses and/or digest auth from the
 * trigger's `settings.sip`) and one dispatch rule that puts every call to that trunk in a room of
 * its own (individual dispatch, room prefix `call`). The SIP participant carries the trigger and
 * workspace ids as attributes, so call start finds the trigger without trusting the dialled number
 * alone. Ids are stored on the trigger row; provisioning again changes nothing when nothing
 * changed, edits update the trunk and rule in place, a disabled or deleted trigger has neither.
 */
import { SIPDispatchRule, SIPDispatchRuleIndividual, SIPDispatchRuleInfo, SIPInboundTrunkInfo } from '@livekit/protocol';
import { eq } from 'drizzle-orm';
import { SipClient } from 'livekit-server-sdk';
import { sipTrunkSettingsSchema, type SipTrunkSettings } from '@switchboard/flow-model';
import type { Database } from '../../db/client';
import { phoneTriggers } from '../../db/schema';
import { liveKitHttpUrl } from '../../lib/env';
import { decryptSecret } from '../../lib/secrets';
import { HttpError } from '../errors';

/** Rooms of SIP calls are named `<prefix>_<caller>_<random>` by LiveKit SIP. */
export const SIP_ROOM_PREFIX = 'call';
/** Participant attributes the dispatch rule sets on every SIP caller of a trigger. */
export const TRIGGER_ID_ATTRIBUTE = 'switchboard.triggerId';
export const WORKSPACE_ID_ATTRIBUTE = 'switchboard.workspaceId';

export interface LiveKitApiAccess {
  /** ws:// or http:// URL of the LiveKit server. */
  url: string;
  apiKey: string;
  apiSecret: string;
}

type Trigger = typeof phoneTriggers.$inferSelect;

export interface ProvisionResult {
  /** `provisioned`: trunk and rule exist; `removed`: the trigger is disabled or gone, so neither does. */
  state: 'provisioned' | 'removed';
  trunkId: string | null;
  dispatchRuleId: string | null;
  /** What this run did to LiveKit (empty when everything already matched). */
  changes: string[];
}

export interface SipProvisioner {
  /** Makes LiveKit match the trigger row (create, update, or remove when disabled); stores the ids. */
  provision(triggerId: string): Promise<ProvisionResult>;
  /** Removes the trigger's trunk and rule (before the row is deleted). */
  remove(trigger: Pick<Trigger, 'livekitTrunkId' | 'livekitDispatchRuleId'>): Promise<void>;
}

const isNotFound = (error: unknown) => /not ?found|404|does not exist/i.test(String((error as Error)?.message ?? error));

function sipSettings(trigger: Trigger): SipTrunkSettings {
  const result = sipTrunkSettingsSchema.safeParse(trigger.settings.sip ?? {});
  if (!result.success) {
    throw new HttpError(400, 'invalidRequest', `settings.sip: ${result.error.issues.map((issue) => `${issue.path.join('.') || 'sip'}: ${issue.message}`).join('; ')}`);
  }
  return result.data;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().every((value, i) => value === [...b].sort()[i]);

/** What AES-GCM binds a trunk password to: its workspace (a sealed password copied elsewhere does not open). */
export const sipPasswordContext = (workspaceId: string) => `sipTrunkPassword:${workspaceId}`;

export function createSipProvisioner(db: Database, liveKit: LiveKitApiAccess, secretKey?: () => Buffer): SipProvisioner {
  const sip = new SipClient(liveKitHttpUrl(liveKit.url), liveKit.apiKey, liveKit.apiSecret);
  /** The trunk's digest password: sealed by the API (api/routes/phone-triggers.ts), or in clear in rows saved before that. */
  const password = (trigger: Trigger, settings: SipTrunkSettings): string => {
    if (settings.authPasswordSealed) {
      if (!secretKey) throw new HttpError(503, 'noSecretKey', 'This API has no secret key to open SIP trunk passwords with');
      return decryptSecret(secretKey(), settings.authPasswordSealed, sipPasswordContext(trigger.workspaceId));
    }
    return settings.authPassword ?? '';
  };

  const wantedTrunk = (trigger: Trigger, settings: SipTrunkSettings) =>
    new SIPInboundTrunkInfo({
      name: `switchboard trigger ${trigger.id}`,
      metadata: JSON.stringify({ switchboard: { triggerId: trigger.id, workspaceId: trigger.workspaceId } }),
      numbers: [trigger.phoneNumber],
      allowedAddresses: settings.allowedAddresses,
      authUsername: settings.authUsername ?? '',
      authPassword: settings.authUsername ? password(trigger, settings) : '',
    });
  const trunkMatches = (have: SIPInboundTrunkInfo, want: SIPInboundTrunkInfo) =>
    have.name === want.name &&
    have.metadata === want.metadata &&
    sameList(have.numbers, want.numbers) &&
    sameList(have.allowedAddresses, want.allowedAddresses) &&
    have.authUsername === want.authUsername &&
    have.authPassword === want.authPassword;

  const wantedRule = (trigger: Trigger, trunkId: string) =>
    new SIPDispatchRuleInfo({
      name: `switchboard trigger ${trigger.id}`,
      metadata: JSON.stringify({ switchboard: { triggerId: trigger.id, workspaceId: trigger.workspaceId } }),
      trunkIds: [trunkId],
      rule: new SIPDispatchRule({ rule: { case: 'dispatchRuleIndividual', value: new SIPDispatchRuleIndividual({ roomPrefix: SIP_ROOM_PREFIX }) } }),
      attributes: { [TRIGGER_ID_ATTRIBUTE]: trigger.id, [WORKSPACE_ID_ATTRIBUTE]: trigger.workspaceId },
    });
  const ruleMatches = (have: SIPDispatchRuleInfo, want: SIPDispatchRuleInfo) =>
    have.name === want.name &&
    have.metadata === want.metadata &&
    sameList(have.trunkIds, want.trunkIds) &&
    have.rule?.rule.case === 'dispatchRuleIndividual' &&
    have.rule.rule.value.roomPrefix === SIP_ROOM_PREFIX &&
    have.rule.rule.value.pin === '' &&
    JSON.stringify(Object.entries(have.attributes).sort()) === JSON.stringify(Object.entries(want.attributes).sort());

  async function findTrunk(id: string | null) {
    if (!id) return undefined;
    const [trunk] = await sip.listSipInboundTrunk({ trunkIds: [id] });
    return trunk?.sipTrunkId === id ? trunk : undefined;
  }
  async function findRule(id: string | null) {
    if (!id) return undefined;
    const [rule] = await sip.listSipDispatchRule({ dispatchRuleIds: [id] });
    return rule?.sipDispatchRuleId === id ? rule : undefined;
  }

  async function remove({ livekitTrunkId, livekitDispatchRuleId }: Pick<Trigger, 'livekitTrunkId' | 'livekitDispatchRuleId'>) {
    // The rule first: a rule without its trunk would never match, but no need to leave one.
    if (livekitDispatchRuleId) await sip.deleteSipDispatchRule(livekitDispatchRuleId).catch((error) => (isNotFound(error) ? undefined : Promise.reject(error)));
    if (livekitTrunkId) await sip.deleteSipTrunk(livekitTrunkId).catch((error) => (isNotFound(error) ? undefined : Promise.reject(error)));
  }

  async function provision(triggerId: string): Promise<ProvisionResult> {
    // One provisioning per trigger at a time: the row lock serializes concurrent edits.
    return db.transaction(async (tx) => {
      const [trigger] = await tx.select().from(phoneTriggers).where(eq(phoneTriggers.id, triggerId)).for('update');
      if (!trigger) throw new HttpError(404, 'notFound', 'Phone trigger was not found');
      const changes: string[] = [];

      if (!trigger.enabled) {
        if (trigger.livekitTrunkId || trigger.livekitDispatchRuleId) {
          await remove(trigger);
          changes.push('removed trunk and dispatch rule (trigger disabled)');
          await tx.update(phoneTriggers).set({ livekitTrunkId: null, livekitDispatchRuleId: null }).where(eq(phoneTriggers.id, trigger.id));
        }
        return { state: 'removed' as const, trunkId: null, dispatchRuleId: null, changes };
      }

      const settings = sipSettings(trigger);
      const want = wantedTrunk(trigger, settings);
      let trunk = await findTrunk(trigger.livekitTrunkId);
      if (!trunk) {
        trunk = await sip.createSipInboundTrunk(want.name, want.numbers, {
          metadata: want.metadata,
          allowedAddresses: want.allowedAddresses,
          ...(settings.authUsername ? { authUsername: settings.authUsername, authPassword: want.authPassword } : {}),
        });
        changes.push('created trunk');
      } else if (!trunkMatches(trunk, want)) {
        trunk = await sip.updateSipInboundTrunk(trunk.sipTrunkId, new SIPInboundTrunkInfo({ ...want, sipTrunkId: trunk.sipTrunkId }));
        changes.push('updated trunk');
      }

      const wantRule = wantedRule(trigger, trunk.sipTrunkId);
      let rule = await findRule(trigger.livekitDispatchRuleId);
      if (!rule) {
        rule = await sip.createSipDispatchRule(
          { type: 'individual', roomPrefix: SIP_ROOM_PREFIX },
          { name: wantRule.name, metadata: wantRule.metadata, trunkIds: wantRule.trunkIds, attributes: wantRule.attributes },
        );
        changes.push('created dispatch rule');
      } else if (!ruleMatches(rule, wantRule)) {
        rule = await sip.updateSipDispatchRule(rule.sipDispatchRuleId, new SIPDispatchRuleInfo({ ...wantRule, sipDispatchRuleId: rule.sipDispatchRuleId }));
        changes.push('updated dispatch rule');
      }

      if (trigger.livekitTrunkId !== trunk.sipTrunkId || trigger.livekitDispatchRuleId !== rule.sipDispatchRuleId) {
        await tx
          .update(phoneTriggers)
          .set({ livekitTrunkId: trunk.sipTrunkId, livekitDispatchRuleId: rule.sipDispatchRuleId })
          .where(eq(phoneTriggers.id, trigger.id));
      }
      return { state: 'provisioned' as const, trunkId: trunk.sipTrunkId, dispatchRuleId: rule.sipDispatchRuleId, changes };
    });
  }

  return { provision, remove };
}
