// Command caller-go runs many virtual phone callers in one process, one goroutine per call, for the
// capacity benchmark (bench/capacity.ts): callers that cost far less CPU than the media worker they
// measure. Its protocol is bench/support/caller-shard.ts's IPC as newline-delimited JSON:
//
//	stdin:  {"type":"call","id":1,"options":{…VirtualCallerOptions},"toneMs":4000} | {"type":"cpu"} | {"type":"exit"}
//	stdout: {"type":"ready"} once, then {"type":"result","id":1,"heard":{…},"error":"…","gapMs":…,"gapAtMs":…,"steadyGapMs":…}
//	        and {"type":"cpu","seconds":…}; a gap of null means the tone was not heard (Infinity in TypeScript).
//
// Logs go to stderr; `caller-go -cpuprofile <file>` writes a Go CPU profile on exit. `caller-go longest-gap <sampleRate> <toneMs> <skipMs>` reads 16-bit little-endian
// mono samples on stdin and prints {"ms":…,"atMs":…} (the tone-gap measure alone, for tests).
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"runtime/pprof"
	"strconv"
	"sync"
	"syscall"
)

type message struct {
	Type    string      `json:"type"`
	ID      int         `json:"id"`
	Options callOptions `json:"options"`
	ToneMs  float64     `json:"toneMs"`
}

type result struct {
	Type        string        `json:"type"`
	ID          int           `json:"id"`
	Heard       *callerResult `json:"heard,omitempty"`
	Error       string        `json:"error,omitempty"`
	GapMs       *float64      `json:"gapMs"`
	GapAtMs     float64       `json:"gapAtMs"`
	SteadyGapMs *float64      `json:"steadyGapMs"`
}

// output writes one JSON line at a time to the real stdout.
type output struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (o *output) send(v any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.enc.Encode(v); err != nil {
		log.Fatalf("caller-go: stdout: %v", err)
	}
}

func cpuSeconds() float64 {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		return 0
	}
	seconds := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return seconds(usage.Utime) + seconds(usage.Stime)
}

func main() {
	log.SetOutput(os.Stderr)
	log.SetFlags(0)
	if len(os.Args) > 1 && os.Args[1] == "longest-gap" {
		longestGapCommand(os.Args[2:])
		return
	}
	stopProfile := func() {}
	if len(os.Args) > 2 && os.Args[1] == "-cpuprofile" {
		file, err := os.Create(os.Args[2])
		if err != nil {
			log.Fatalf("caller-go: %v", err)
		}
		if err := pprof.StartCPUProfile(file); err != nil {
			log.Fatalf("caller-go: %v", err)
		}
		stopProfile = func() { pprof.StopCPUProfile(); file.Close() }
	}
	// The protocol owns stdout: anything a library prints there goes to stderr instead.
	out := &output{enc: json.NewEncoder(os.Stdout)}
	os.Stdout = os.Stderr
	configureSDKLogging()
	startMicrophonePump()

	out.send(map[string]string{"type": "ready"})
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for scanner.Scan() {
		var msg message
		if err := json.Unmarshal(scanner.Bytes(), &msg); err != nil {
			log.Printf("caller-go: not a message: %v", err)
			continue
		}
		switch msg.Type {
		case "call":
			go func() { out.send(runCall(msg)) }()
		case "cpu":
			out.send(map[string]any{"type": "cpu", "seconds": cpuSeconds()})
		case "exit":
			stopProfile()
			os.Exit(0)
		default:
			log.Printf("caller-go: unknown message type %q", msg.Type)
		}
	}
	// stdin closed: the benchmark is gone.
	stopProfile()
	os.Exit(0)
}

func runCall(msg message) result {
	c, err := newCall(msg.Options, msg.ToneMs)
	if err != nil {
		return result{Type: "result", ID: msg.ID, Error: err.Error()}
	}
	heard, err := c.run()
	if err != nil {
		return result{Type: "result", ID: msg.ID, Error: err.Error()}
	}
	res := result{Type: "result", ID: msg.ID, Heard: heard}
	audio := c.receivedAudio()
	if ms, at, ok := longestGap(audio, c.rate, msg.ToneMs, 30); ok {
		res.GapMs, res.GapAtMs = &ms, at
	}
	// Past the tone's first 200 ms: holes while playback settles are told apart from holes in steady playback.
	if ms, _, ok := longestGap(audio, c.rate, msg.ToneMs, 200); ok {
		res.SteadyGapMs = &ms
	}
	return res
}

func longestGapCommand(args []string) {
	if len(args) != 3 {
		log.Fatal("usage: caller-go longest-gap <sampleRate> <toneMs> <skipMs> < samples.s16le")
	}
	numbers := make([]float64, 3)
	for i, arg := range args {
		n, err := strconv.ParseFloat(arg, 64)
		if err != nil {
			log.Fatalf("caller-go: %q is not a number", arg)
		}
		numbers[i] = n
	}
	raw, err := io.ReadAll(os.Stdin)
	if err != nil {
		log.Fatalf("caller-go: stdin: %v", err)
	}
	samples := make([]int16, len(raw)/2)
	for i := range samples {
		samples[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
	}
	answer := map[string]any{"ms": nil, "atMs": 0}
	if ms, at, ok := longestGap(samples, int(numbers[0]), numbers[1], numbers[2]); ok {
		answer["ms"], answer["atMs"] = ms, at
	}
	line, _ := json.Marshal(answer)
	fmt.Println(string(line))
}
