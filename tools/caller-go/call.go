package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"math"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/livekit/protocol/livekit"
	protoLogger "github.com/livekit/protocol/logger"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"
	"gopkg.in/hraban/opus.v2"
)

const (
	// connectTimeout bounds joining the room, as tools/caller/virtual-caller.ts does.
	connectTimeout = 20 * time.Second
	// playoutDelay is the audio the modelled receiver holds before playing (see readTrack).
	playoutDelay = 40 * time.Millisecond
	// maxPlayoutLevel is where the modelled receiver drops accumulated delay (as a jitter buffer
	// speeds playback up after a burst).
	maxPlayoutLevel = 240 * time.Millisecond
	// idleRead is how long a read waits for agent audio before the time since is played as silence.
	idleRead = 100 * time.Millisecond
)

// callOptions is tools/caller/virtual-caller.ts's VirtualCallerOptions (the serialisable part).
type callOptions struct {
	URL                 string            `json:"url"`
	APIKey              string            `json:"apiKey"`
	APISecret           string            `json:"apiSecret"`
	RoomName            string            `json:"roomName"`
	Identity            string            `json:"identity"`
	Attributes          map[string]string `json:"attributes"`
	Script              []step            `json:"script"`
	RecordPath          string            `json:"recordPath"`
	SampleRate          int               `json:"sampleRate"`
	MaxDurationMs       *float64          `json:"maxDurationMs"`
	EnergyThreshold     *float64          `json:"energyThreshold"`
	SilenceHangoverMs   *float64          `json:"silenceHangoverMs"`
	AgentIdentityPrefix string            `json:"agentIdentityPrefix"`
	PublishAudio        *bool             `json:"publishAudio"`
}

// step is one CallerStep of virtual-caller.ts. `after` is 'promptEnd', 'promptStart' or a number.
type step struct {
	Press         *string         `json:"press"`
	After         json.RawMessage `json:"after"`
	PromptIndex   *int            `json:"promptIndex"`
	DelayMs       float64         `json:"delayMs"`
	GapMs         *float64        `json:"gapMs"`
	WaitForPrompt bool            `json:"waitForPrompt"`
	Say           *string         `json:"say"`
	WaitMs        *float64        `json:"waitMs"`
	Hangup        bool            `json:"hangup"`
}

type heardPrompt struct {
	Index   int      `json:"index"`
	StartMs float64  `json:"startMs"`
	EndMs   *float64 `json:"endMs"`
	RMS     float64  `json:"rms"`
}

type callerPress struct {
	Digit               string   `json:"digit"`
	AtMs                float64  `json:"atMs"`
	DigitToNextPromptMs *float64 `json:"digitToNextPromptMs"`
	DigitToSilenceMs    *float64 `json:"digitToSilenceMs"`
}

// callerResult is virtual-caller.ts's VirtualCallerResult.
type callerResult struct {
	RoomName         string        `json:"roomName"`
	Identity         string        `json:"identity"`
	JoinedAt         int64         `json:"joinedAt"`
	DurationMs       float64       `json:"durationMs"`
	Prompts          []heardPrompt `json:"prompts"`
	Presses          []callerPress `json:"presses"`
	StepsCompleted   int           `json:"stepsCompleted"`
	HungUpByAgent    bool          `json:"hungUpByAgent"`
	EndReason        string        `json:"endReason"`
	DisconnectReason *string       `json:"disconnectReason"`
	RecordingPath    *string       `json:"recordingPath"`
	RecordedMs       float64       `json:"recordedMs"`
	SampleRate       int           `json:"sampleRate"`
}

// configureSDKLogging keeps the SDK's and pion's errors on stderr; their warnings are about
// connections closing as calls end.
func configureSDKLogging() {
	if l, err := protoLogger.NewZapLogger(&protoLogger.Config{Level: "error"}); err == nil {
		lksdk.SetLogger(l)
	}
}

// dtmfCode is virtual-caller.ts's dtmfCode: the RFC 4733 event code of a key.
func dtmfCode(digit rune) (uint32, error) {
	switch {
	case digit >= '0' && digit <= '9':
		return uint32(digit - '0'), nil
	case digit == '*':
		return 10, nil
	case digit == '#':
		return 11, nil
	}
	return 0, fmt.Errorf("not a DTMF key: %q", digit)
}

type call struct {
	opts        callOptions
	identity    string
	rate        int
	threshold   float64
	hangoverMs  float64
	agentPrefix string
	maxDuration time.Duration
	// keep is how many samples of received audio are kept for the tone-gap measure.
	keep int

	room *lksdk.Room
	mic  *lksdk.LocalTrack

	mu               sync.Mutex
	changed          chan struct{} // closed and replaced whenever a prompt starts or ends, or the call ends
	done             chan struct{} // closed when the call ends
	joinedMono       time.Time
	joinedAt         time.Time
	ended            bool
	endReason        string
	disconnectReason *string
	cursor           int
	trackGeneration  int

	prompts        []heardPrompt
	presses        []callerPress
	inPrompt       bool
	lastLoudMs     float64
	promptSquares  float64
	promptSamples  int
	pendingSquares float64
	pendingSamples int

	recordedSamples int
	received        []int16
}

func newCall(opts callOptions, toneMs float64) (*call, error) {
	if opts.RecordPath != "" {
		return nil, errors.New("the Go caller does not record (recordPath); use the Node caller")
	}
	for _, s := range opts.Script {
		if s.Say != nil {
			return nil, errors.New("the Go caller does not speak (say steps); use the Node caller")
		}
		if s.Press != nil {
			for _, d := range *s.Press {
				if _, err := dtmfCode(d); err != nil {
					return nil, err
				}
			}
		}
	}
	c := &call{
		opts:        opts,
		identity:    opts.Identity,
		rate:        opts.SampleRate,
		threshold:   300,
		hangoverMs:  500,
		agentPrefix: opts.AgentIdentityPrefix,
		maxDuration: 60 * time.Second,
		changed:     make(chan struct{}),
		done:        make(chan struct{}),
		endReason:   "disconnected",
	}
	if c.identity == "" {
		c.identity = "caller-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:8]
	}
	if c.agentPrefix == "" {
		c.agentPrefix = "agent-"
	}
	if strings.HasPrefix(c.identity, "agent-") {
		return nil, errors.New("caller identity must not start with agent-")
	}
	if c.rate == 0 {
		c.rate = 16_000
	}
	if opts.EnergyThreshold != nil {
		c.threshold = *opts.EnergyThreshold
	}
	if opts.SilenceHangoverMs != nil {
		c.hangoverMs = *opts.SilenceHangoverMs
	}
	if opts.MaxDurationMs != nil {
		c.maxDuration = time.Duration(*opts.MaxDurationMs * float64(time.Millisecond))
	}
	c.keep = int(math.Ceil(float64(c.rate) * (toneMs + 4_000) / 1000))
	return c, nil
}

// nowMs is the time since joining, in ms (monotonic).
func (c *call) nowMs() float64 {
	return float64(time.Since(c.joinedMono)) / float64(time.Millisecond)
}

func (c *call) run() (*callerResult, error) {
	callback := lksdk.NewRoomCallback()
	callback.OnTrackSubscribed = c.onTrackSubscribed
	callback.OnDisconnected = c.onDisconnected
	c.room = lksdk.NewRoom(callback)

	var options []lksdk.ConnectOption
	if c.opts.PublishAudio == nil || *c.opts.PublishAudio {
		mic, err := lksdk.NewLocalTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48_000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"})
		if err != nil {
			return nil, err
		}
		c.mic = mic
		// One peer connection for both directions, with the microphone published in the join: one
		// ICE/DTLS session per call and no extra round trip.
		options = append(options, lksdk.WithSinglePeerConnection(), lksdk.WithTrack(mic, &lksdk.TrackPublicationOptions{Name: "caller-mic", Source: livekit.TrackSource_MICROPHONE}))
	}
	// Provisional, in case the agent's track is announced while connecting.
	c.mu.Lock()
	c.joinedMono = time.Now()
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	err := c.room.JoinWithContext(ctx, c.opts.URL, lksdk.ConnectInfo{
		APIKey:                c.opts.APIKey,
		APISecret:             c.opts.APISecret,
		RoomName:              c.opts.RoomName,
		ParticipantIdentity:   c.identity,
		ParticipantAttributes: c.opts.Attributes,
	}, options...)
	cancel()
	if err != nil {
		c.finish("disconnected")
		c.room.Disconnect()
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("the virtual caller could not join its LiveKit room within %d ms", connectTimeout.Milliseconds())
		}
		return nil, fmt.Errorf("the virtual caller could not join its LiveKit room: %w", err)
	}
	c.mu.Lock()
	c.joinedMono = time.Now()
	c.joinedAt = time.Now()
	c.mu.Unlock()
	if c.mic != nil {
		addMicrophone(c.mic)
	}

	maxTimer := time.AfterFunc(c.maxDuration, func() { c.finish("maxDuration") })
	steps := make(chan int, 1)
	go func() { steps <- c.runScript() }()
	<-c.done
	maxTimer.Stop()
	stepsCompleted := <-steps
	c.leave()
	return c.result(stepsCompleted), nil
}

func (c *call) runScript() int {
	completed := 0
	for _, s := range c.opts.Script {
		ok, err := c.runStep(s)
		if err != nil {
			log.Printf("caller-go: %s: %v", c.identity, err)
			c.finish("disconnected")
			return completed
		}
		if !ok {
			return completed
		}
		completed++
	}
	return completed
}

// runStep runs one step; false when the call ended first.
func (c *call) runStep(s step) (bool, error) {
	switch {
	case s.Hangup:
		c.finish("callerHungUp")
		return true, nil
	case s.WaitMs != nil:
		return c.sleep(*s.WaitMs), nil
	case s.WaitForPrompt:
		index := c.promptIndex(s.PromptIndex)
		if !c.until(func() bool { return c.promptEnded(index) }) {
			return false, nil
		}
		c.setCursor(index + 1)
		return true, nil
	case s.Press != nil:
		if ok, err := c.waitForCue(s); !ok || err != nil {
			return false, err
		}
		gap := 150.0
		if s.GapMs != nil {
			gap = *s.GapMs
		}
		for i, digit := range *s.Press {
			if i > 0 && !c.sleep(gap) {
				return false, nil
			}
			c.mu.Lock()
			if c.ended {
				c.mu.Unlock()
				return false, nil
			}
			c.presses = append(c.presses, callerPress{Digit: string(digit), AtMs: c.nowMs()})
			c.mu.Unlock()
			code, _ := dtmfCode(digit)
			if err := c.room.LocalParticipant.PublishDTMF(code, string(digit)); err != nil {
				if c.isEnded() {
					return false, nil // hung up while pressing
				}
				return false, err
			}
		}
		return true, nil
	}
	return false, errors.New("a script step the Go caller does not know")
}

// waitForCue waits for a press's `after`, `promptIndex` and `delayMs`; false when the call ended first.
func (c *call) waitForCue(s step) (bool, error) {
	if len(s.After) > 0 && string(s.After) != "null" {
		var at float64
		var cue string
		if err := json.Unmarshal(s.After, &at); err == nil {
			if !c.sleep(at - c.nowMs()) {
				return false, nil
			}
		} else if err := json.Unmarshal(s.After, &cue); err != nil {
			return false, fmt.Errorf("after: %s", s.After)
		} else {
			index := c.promptIndex(s.PromptIndex)
			switch cue {
			case "promptStart":
				if !c.until(func() bool { return index < len(c.prompts) }) {
					return false, nil
				}
			case "promptEnd":
				if !c.until(func() bool { return c.promptEnded(index) }) {
					return false, nil
				}
				c.setCursor(index + 1)
			default:
				return false, fmt.Errorf("after: %q", cue)
			}
		}
	}
	if s.DelayMs > 0 && !c.sleep(s.DelayMs) {
		return false, nil
	}
	return true, nil
}

func (c *call) promptIndex(given *int) int {
	if given != nil {
		return *given
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cursor
}

func (c *call) setCursor(index int) {
	c.mu.Lock()
	c.cursor = index
	c.mu.Unlock()
}

// promptEnded is called with c.mu held.
func (c *call) promptEnded(index int) bool {
	return index < len(c.prompts) && c.prompts[index].EndMs != nil
}

func (c *call) isEnded() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ended
}

// until waits until predicate (run with c.mu held) holds: true, or false if the call ends first.
func (c *call) until(predicate func() bool) bool {
	for {
		c.mu.Lock()
		if predicate() {
			c.mu.Unlock()
			return true
		}
		if c.ended {
			c.mu.Unlock()
			return false
		}
		changed := c.changed
		c.mu.Unlock()
		<-changed
	}
}

// sleep waits ms: true, or false if the call ends first.
func (c *call) sleep(ms float64) bool {
	timer := time.NewTimer(time.Duration(max(0, ms) * float64(time.Millisecond)))
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-c.done:
		return false
	}
}

// notify is called with c.mu held.
func (c *call) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *call) finish(reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return
	}
	c.ended = true
	c.endReason = reason
	c.closePrompt()
	c.notify()
	close(c.done)
}

func (c *call) onDisconnected() {
	reason := c.room.DisconnectReason()
	c.mu.Lock()
	if !c.ended {
		name := reason.String()
		c.disconnectReason = &name
	}
	c.mu.Unlock()
	if reason == livekit.DisconnectReason_PARTICIPANT_REMOVED || reason == livekit.DisconnectReason_ROOM_DELETED {
		c.finish("agentHungUp")
	} else {
		c.finish("disconnected")
	}
}

func (c *call) onTrackSubscribed(track *webrtc.TrackRemote, _ *lksdk.RemoteTrackPublication, participant *lksdk.RemoteParticipant) {
	if track.Kind() != webrtc.RTPCodecTypeAudio || !strings.HasPrefix(participant.Identity(), c.agentPrefix) {
		return
	}
	// A newer agent track (hand-over to another worker) replaces the one heard so far.
	c.mu.Lock()
	c.trackGeneration++
	generation := c.trackGeneration
	c.mu.Unlock()
	go c.readTrack(track, generation)
}

// readTrack decodes the agent's audio and hands it to onAudio as a listener would hear it: each
// packet played on arrival after a short playout delay; when packets come later than the audio
// already received lasts, the wait is heard as silence (a hole), and when none come for idleRead,
// the time since is silence too. This is a plain model of a receiver's jitter buffer, so that late
// audio from the worker shows as holes in the tone as it does through libwebrtc's in the Node caller.
func (c *call) readTrack(track *webrtc.TrackRemote, generation int) {
	decoder, err := opus.NewDecoder(c.rate, 1)
	if err != nil {
		log.Printf("caller-go: opus decoder: %v", err)
		return
	}
	pcm := make([]int16, c.rate*120/1000)
	silence := make([]int16, 0)
	var playEnd time.Time
	started := false
	for {
		_ = track.SetReadDeadline(time.Now().Add(idleRead))
		packet, _, err := track.ReadRTP()
		c.mu.Lock()
		stop := c.ended || c.trackGeneration != generation
		c.mu.Unlock()
		if stop {
			return
		}
		now := time.Now()
		if err != nil {
			var netErr net.Error
			if !(errors.As(err, &netErr) && netErr.Timeout()) && !errors.Is(err, os.ErrDeadlineExceeded) {
				return
			}
			if started && now.After(playEnd) {
				silence = c.playSilence(silence, now.Sub(playEnd), now)
				playEnd = now
			}
			continue
		}
		if len(packet.Payload) == 0 {
			continue
		}
		n, err := decoder.Decode(packet.Payload, pcm)
		if err != nil || n == 0 {
			continue
		}
		length := time.Duration(n) * time.Second / time.Duration(c.rate)
		switch {
		case !started:
			started = true
			playEnd = now.Add(playoutDelay + length)
		case now.After(playEnd):
			silence = c.playSilence(silence, now.Sub(playEnd), now)
			playEnd = now.Add(playoutDelay + length)
		default:
			playEnd = playEnd.Add(length)
			if playEnd.Sub(now) > maxPlayoutLevel {
				playEnd = now.Add(playoutDelay + length)
			}
		}
		c.onAudio(pcm[:n], now)
	}
}

func (c *call) playSilence(buffer []int16, length time.Duration, now time.Time) []int16 {
	n := int(length * time.Duration(c.rate) / time.Second)
	if n <= 0 {
		return buffer
	}
	if cap(buffer) < n {
		buffer = make([]int16, n)
	}
	buffer = buffer[:n]
	c.onAudio(buffer, now)
	return buffer
}

// onAudio is virtual-caller.ts's onFrame: prompts found by frame energy.
func (c *call) onAudio(samples []int16, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return
	}
	frameMs := float64(len(samples)) / float64(c.rate) * 1000
	nowMs := float64(now.Sub(c.joinedMono)) / float64(time.Millisecond)
	// The frame ends "now", so it started frameMs earlier.
	startMs := max(0, nowMs-frameMs)
	c.record(len(samples), startMs)
	if room := c.keep - len(c.received); room > 0 {
		c.received = append(c.received, samples[:min(room, len(samples))]...)
	}

	squares := 0.0
	for _, s := range samples {
		squares += float64(s) * float64(s)
	}
	rms := 0.0
	if len(samples) > 0 {
		rms = math.Sqrt(squares / float64(len(samples)))
	}
	if rms >= c.threshold {
		if !c.inPrompt {
			c.inPrompt = true
			c.promptSquares, c.promptSamples, c.pendingSquares, c.pendingSamples = 0, 0, 0, 0
			c.prompts = append(c.prompts, heardPrompt{Index: len(c.prompts), StartMs: math.Round(startMs)})
			c.notify()
		}
		c.promptSquares += c.pendingSquares + squares
		c.promptSamples += c.pendingSamples + len(samples)
		c.pendingSquares, c.pendingSamples = 0, 0
		c.lastLoudMs = startMs + frameMs
	} else if c.inPrompt {
		c.pendingSquares += squares
		c.pendingSamples += len(samples)
		if startMs+frameMs-c.lastLoudMs >= c.hangoverMs {
			c.closePrompt()
			c.notify()
		}
	}
}

// record counts the recording virtual-caller.ts would write: padded with silence for real gaps.
func (c *call) record(samples int, startMs float64) {
	expected := int(math.Round(startMs / 1000 * float64(c.rate)))
	if gap := expected - c.recordedSamples; float64(gap) > float64(c.rate)*0.06 {
		c.recordedSamples += gap
	}
	c.recordedSamples += samples
}

// closePrompt is called with c.mu held.
func (c *call) closePrompt() {
	if !c.inPrompt {
		return
	}
	c.inPrompt = false
	if len(c.prompts) == 0 {
		return
	}
	prompt := &c.prompts[len(c.prompts)-1]
	end := math.Round(c.lastLoudMs)
	prompt.EndMs = &end
	if c.promptSamples > 0 {
		prompt.RMS = math.Round(math.Sqrt(c.promptSquares / float64(c.promptSamples)))
	}
}

func (c *call) receivedAudio() []int16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.received
}

func (c *call) leave() {
	if c.mic != nil {
		removeMicrophone(c.mic)
	}
	c.room.Disconnect()
}

func (c *call) result(stepsCompleted int) *callerResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	presses := make([]callerPress, 0, len(c.presses))
	for _, p := range c.presses {
		press := callerPress{Digit: p.Digit, AtMs: math.Round(p.AtMs)}
		for _, prompt := range c.prompts {
			if prompt.StartMs >= p.AtMs {
				wait := math.Round(prompt.StartMs - p.AtMs)
				press.DigitToNextPromptMs = &wait
				break
			}
		}
		for _, prompt := range c.prompts {
			if prompt.StartMs < p.AtMs && (prompt.EndMs == nil || *prompt.EndMs >= p.AtMs) {
				if prompt.EndMs != nil {
					silence := math.Round(*prompt.EndMs - p.AtMs)
					press.DigitToSilenceMs = &silence
				}
				break
			}
		}
		presses = append(presses, press)
	}
	prompts := c.prompts
	if prompts == nil {
		prompts = []heardPrompt{}
	}
	var joinedAt int64
	if !c.joinedAt.IsZero() {
		joinedAt = c.joinedAt.UnixMilli()
	}
	return &callerResult{
		RoomName:         c.opts.RoomName,
		Identity:         c.identity,
		JoinedAt:         joinedAt,
		DurationMs:       math.Round(c.nowMs()),
		Prompts:          prompts,
		Presses:          presses,
		StepsCompleted:   stepsCompleted,
		HungUpByAgent:    c.endReason == "agentHungUp",
		EndReason:        c.endReason,
		DisconnectReason: c.disconnectReason,
		RecordedMs:       math.Round(float64(c.recordedSamples) / float64(c.rate) * 1000),
		SampleRate:       c.rate,
	}
}
