/**
 * The flow worker's last resort when no media worker can end a call: it deletes the call's LiveKit
 * room, which disconnects everyone in it (for a SIP caller, that hangs up the phone call).
 */
import { RoomServiceClient } from 'livekit-server-sdk';
import { liveKitHttpUrl } from '../../lib/env';
import { agentIdentity } from '../media/types';

export interface LiveKitAccess {
  url: string;
  apiKey: string;
  apiSecret: string;
}

export function createRoomActivities(liveKit: LiveKitAccess) {
  const rooms = new RoomServiceClient(liveKitHttpUrl(liveKit.url), liveKit.apiKey, liveKit.apiSecret);
  return {
    /** Deletes the room; a room that is already gone is fine. */
    async releaseRoom({ roomName }: { roomName: string }): Promise<{ deleted: boolean }> {
      try {
        await rooms.deleteRoom(roomName);
        return { deleted: true };
      } catch (error) {
        if (/not found|404/i.test(String((error as Error).message))) return { deleted: false };
        throw error;
      }
    },
    /**
     * Removes a media worker that was declared lost from the call's room (the hand-over fence):
     * a worker that was only stopped (SIGSTOP, a long pause) cannot play anything stale to the
     * caller when it wakes, and on being removed it ends its session. Gone already is fine.
     */
    async removeMediaAgent({ roomName, workerId }: { roomName: string; workerId: string }): Promise<{ removed: boolean }> {
      try {
        await rooms.removeParticipant(roomName, agentIdentity(workerId));
        return { removed: true };
      } catch (error) {
        if (/not found|not exist|404/i.test(String((error as Error).message))) return { removed: false };
        throw error;
      }
    },
  };
}

export type RoomActivities = ReturnType<typeof createRoomActivities>;
