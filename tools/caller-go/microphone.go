package main

import (
	"sync"
	"time"

	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4/pkg/media"
)

// frameLength is a phone's packet, as the Node caller sends.
const frameLength = 20 * time.Millisecond

// opusSilence is a complete 20 ms Opus packet of silence (TOC 0xF8: CELT-only, fullband, 20 ms,
// mono, one frame): what the callers' microphones send, with no encoder running.
var opusSilence = []byte{0xF8, 0xFF, 0xFE}

var microphones = struct {
	sync.Mutex
	tracks map[*lksdk.LocalTrack]struct{}
}{tracks: map[*lksdk.LocalTrack]struct{}{}}

func addMicrophone(track *lksdk.LocalTrack) {
	microphones.Lock()
	microphones.tracks[track] = struct{}{}
	microphones.Unlock()
}

func removeMicrophone(track *lksdk.LocalTrack) {
	microphones.Lock()
	delete(microphones.tracks, track)
	microphones.Unlock()
}

// startMicrophonePump sends a silence packet on every caller's microphone track every 20 ms, from
// one ticker for the whole process rather than one per call.
func startMicrophonePump() {
	go func() {
		ticker := time.NewTicker(frameLength)
		defer ticker.Stop()
		var tracks []*lksdk.LocalTrack
		for range ticker.C {
			microphones.Lock()
			tracks = tracks[:0]
			for track := range microphones.tracks {
				tracks = append(tracks, track)
			}
			microphones.Unlock()
			for _, track := range tracks {
				_ = track.WriteSample(media.Sample{Data: opusSilence, Duration: frameLength}, nil)
			}
		}
	}()
}
