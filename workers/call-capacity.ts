/**
 * How many calls a media worker takes: a Temporal slot supplier for its shared `media` (attach)
 * queue that hands out a slot only while the calls it owns plus the attaches in progress stay under
 * `maxCalls`. A full worker therefore stops polling for new calls, and they go to another worker;
 * it polls again as soon as one of its calls ends.
 */
import type { CustomSlotSupplier, ActivitySlotInfo, SlotPermit, TunerHolder } from '@temporalio/worker';

/** Re-check interval while full (a call ending frees a slot within this time). */
const FULL_POLL_MS = 100;

export class CallCapacity implements CustomSlotSupplier<ActivitySlotInfo> {
  readonly type = 'custom' as const;
  /** Slots handed out and not yet released: idle pollers and attaches in progress. */
  private reserved = 0;

  constructor(
    readonly maxCalls: number,
    /** Calls this worker owns now (its sessions). */
    private readonly sessions: () => number,
  ) {}

  /** True while another call fits. */
  get hasRoom(): boolean {
    return this.sessions() + this.reserved < this.maxCalls;
  }

  /** True when the worker owns as many calls as it takes. */
  get full(): boolean {
    return this.sessions() >= this.maxCalls;
  }

  async reserveSlot(_ctx: unknown, abortSignal: AbortSignal): Promise<SlotPermit> {
    while (!this.hasRoom) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, FULL_POLL_MS);
        abortSignal.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            reject(Object.assign(new Error('slot reservation aborted'), { name: 'AbortError' }));
          },
          { once: true },
        );
      });
    }
    this.reserved++;
    return {};
  }

  tryReserveSlot(): SlotPermit | null {
    if (!this.hasRoom) return null;
    this.reserved++;
    return {};
  }

  markSlotUsed(): void {}

  releaseSlot(): void {
    this.reserved = Math.max(0, this.reserved - 1);
  }

  /** A tuner for the attach worker: this supplier for activities, one slot for the unused kinds. */
  tuner(): TunerHolder {
    const one = { type: 'fixed-size' as const, numSlots: 1 };
    return { activityTaskSlotSupplier: this, workflowTaskSlotSupplier: one, localActivityTaskSlotSupplier: one, nexusTaskSlotSupplier: one };
  }
}
