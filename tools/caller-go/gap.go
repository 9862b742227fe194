package main

import (
	"math"
	"sort"
)

// percentile is bench/report.ts's percentile: the value at rank ceil(p% × n), NaN for no values.
func percentile(values []float64, p float64) float64 {
	if len(values) == 0 {
		return math.NaN()
	}
	sorted := append([]float64(nil), values...)
	sort.Float64s(sorted)
	rank := int(math.Min(float64(len(sorted)-1), math.Max(0, math.Ceil(p/100*float64(len(sorted)))-1)))
	return sorted[rank]
}

// longestGap is bench/support/caller-shard.ts's longestGap, the same algorithm and thresholds: the
// longest stretch inside the tone (from its first loud sample, skipping skipMs) where 5 ms windows
// fall below a quarter of the tone's median level. heard is false when the tone was not heard (the
// TypeScript version answers Infinity).
func longestGap(samples []int16, sampleRate int, toneMs, skipMs float64) (ms, atMs float64, heard bool) {
	start := -1
	for i, s := range samples {
		if s > 4_000 || s < -4_000 {
			start = i
			break
		}
	}
	if start < 0 {
		return 0, 0, false
	}
	rate := float64(sampleRate)
	window := sampleRate / 200
	from := start + int(math.Floor(skipMs/1000*rate))
	// A hole counts when it starts within the first toneMs - 300 ms and sound follows it.
	last := start + int(math.Floor((toneMs-300)/1000*rate))
	to := min(len(samples), start+int(math.Floor((toneMs+1_500)/1000*rate)))
	if min(to, last)-from < sampleRate {
		return 0, 0, false
	}
	lastWindow := int(math.Floor(float64(last-from) / float64(window)))
	var levels []float64
	for at := from; at+window <= to; at += window {
		sum := 0.0
		for _, s := range samples[at : at+window] {
			sum += float64(s) * float64(s)
		}
		levels = append(levels, math.Sqrt(sum/float64(window)))
	}
	floor := percentile(levels[:min(lastWindow, len(levels))], 50) / 4
	longest, endsAt, run := 0, 0, 0
	for index, level := range levels {
		if level < floor {
			run++
			continue
		}
		if run > longest && index-run < lastWindow {
			longest = run
			endsAt = index
		}
		run = 0
	}
	return float64(longest * 5), skipMs + float64((endsAt-longest)*5), true
}
