// Command loadgen is a low-CPU HTTP load generator for the benchmarks in bench/.
//
// It POSTs one request body per line of a file, either in a closed loop
// (-concurrency workers, each sending its next body as soon as the previous
// answer arrived) or in an open loop at a fixed rate (request i is scheduled at
// start + i/rate and its latency is measured from that scheduled time, so
// queueing delay in the generator counts and there is no coordinated
// omission). It prints one JSON object on stdout.
//
// Only the Go standard library is used.
package main

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	defaultClosedConcurrency = 64
	defaultRateConcurrency   = 1024
	statusError              = -1
	maxErrorMessages         = 3
)

type headerList []string

func (h *headerList) String() string { return strings.Join(*h, ", ") }

func (h *headerList) Set(value string) error {
	name, _, ok := strings.Cut(value, ":")
	if !ok || strings.TrimSpace(name) == "" {
		return fmt.Errorf("header %q is not of the form \"Name: value\"", value)
	}
	*h = append(*h, value)
	return nil
}

type config struct {
	url         string
	headers     http.Header
	host        string
	contentType string
	bodies      [][]byte
	mode        string
	concurrency int
	rate        float64
	sumField    string
	timeout     time.Duration
}

// jsonFloat is a float64 that always encodes with a decimal point (1.0, not 1),
// so every rate and latency in the report reads as a float in any language.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	x := float64(f)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return []byte("null"), nil
	}
	text := strconv.FormatFloat(x, 'f', -1, 64)
	if !strings.Contains(text, ".") {
		text += ".0"
	}
	return []byte(text), nil
}

type latencySummary struct {
	P50 jsonFloat `json:"p50"`
	P90 jsonFloat `json:"p90"`
	P99 jsonFloat `json:"p99"`
	Max jsonFloat `json:"max"`
}

type report struct {
	Requests     int            `json:"requests"`
	Statuses     map[string]int `json:"statuses"`
	ElapsedS     jsonFloat      `json:"elapsed_s"`
	RequestsPerS jsonFloat      `json:"requests_per_s"`
	OKPerS       jsonFloat      `json:"ok_per_s"`
	Summed       *int64         `json:"summed,omitempty"`
	SummedPerS   *jsonFloat     `json:"summed_per_s,omitempty"`
	LatencyMS    latencySummary `json:"latency_ms"`
}

// result is what one request left behind; each index is written by exactly
// one goroutine and read only after all of them finished.
type result struct {
	status  int
	latency time.Duration
	summed  int64
}

type runner struct {
	cfg      config
	client   *http.Client
	results  []result
	errCount atomic.Int64
	sumCount atomic.Int64
}

func usageError(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loadgen: "+format+"\n", args...)
	os.Exit(2)
}

func parseFlags() config {
	var headers headerList
	url := flag.String("url", "", "full URL to POST to (required)")
	flag.Var(&headers, "header", "extra request header \"Name: value\" (repeatable)")
	contentType := flag.String("content-type", "application/json", "Content-Type of the request bodies")
	bodiesPath := flag.String("bodies", "", "file with one request body per line, sent in file order, each once (required)")
	mode := flag.String("mode", "closed", "closed (-concurrency workers back to back) or rate (open loop at -rate requests/s)")
	concurrency := flag.Int("concurrency", 0, fmt.Sprintf("closed: number of workers (default %d); rate: maximum requests in flight (default %d)", defaultClosedConcurrency, defaultRateConcurrency))
	rate := flag.Float64("rate", 0, "requests per second in rate mode")
	sumField := flag.String("sum-field", "", "sum this integer top-level field of the JSON bodies of 200 responses")
	timeout := flag.Duration("timeout", 60*time.Second, "per-request timeout, including reading the response body")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: loadgen -url URL -bodies FILE [-mode closed|rate] [flags]\n")
		flag.PrintDefaults()
	}
	flag.CommandLine.SetOutput(os.Stderr)
	if err := flag.CommandLine.Parse(os.Args[1:]); err != nil {
		os.Exit(2) // the flag package already printed the error and the usage
	}
	if flag.NArg() > 0 {
		usageError("unexpected arguments: %q", flag.Args())
	}
	if *url == "" {
		usageError("-url is required")
	}
	if !strings.HasPrefix(*url, "http://") && !strings.HasPrefix(*url, "https://") {
		usageError("-url must start with http:// or https://, got %q", *url)
	}
	if *bodiesPath == "" {
		usageError("-bodies is required")
	}
	switch *mode {
	case "closed":
		if *concurrency == 0 {
			*concurrency = defaultClosedConcurrency
		}
		if *rate != 0 {
			usageError("-rate is only meaningful with -mode rate")
		}
	case "rate":
		if *concurrency == 0 {
			*concurrency = defaultRateConcurrency
		}
		if !(*rate > 0) || math.IsInf(*rate, 0) {
			usageError("-mode rate needs a positive -rate, got %v", *rate)
		}
	default:
		usageError("-mode must be closed or rate, got %q", *mode)
	}
	if *concurrency < 1 {
		usageError("-concurrency must be at least 1, got %d", *concurrency)
	}
	if *timeout <= 0 {
		usageError("-timeout must be positive, got %v", *timeout)
	}

	cfg := config{
		url:         *url,
		headers:     http.Header{},
		contentType: *contentType,
		mode:        *mode,
		concurrency: *concurrency,
		rate:        *rate,
		sumField:    *sumField,
		timeout:     *timeout,
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if strings.EqualFold(name, "Host") {
			cfg.host = value // net/http takes the Host header from Request.Host only
			continue
		}
		cfg.headers.Add(name, value)
	}
	bodies, err := readBodies(*bodiesPath)
	if err != nil {
		usageError("%v", err)
	}
	cfg.bodies = bodies
	return cfg
}

// readBodies returns the lines of path (without their line ending); blank
// lines are skipped.
func readBodies(path string) ([][]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading -bodies: %w", err)
	}
	var bodies [][]byte
	for _, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		bodies = append(bodies, line)
	}
	if len(bodies) == 0 {
		return nil, fmt.Errorf("-bodies file %s has no bodies", path)
	}
	return bodies, nil
}

func newClient(cfg config) *http.Client {
	transport := &http.Transport{
		Proxy: nil,
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		MaxIdleConns:        cfg.concurrency,
		MaxIdleConnsPerHost: cfg.concurrency,
		MaxConnsPerHost:     cfg.concurrency,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		DisableKeepAlives:   false,
		ForceAttemptHTTP2:   false,
		// A non-nil empty map turns HTTP/2 off, also for https URLs.
		TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{},
	}
	return &http.Client{Transport: transport, Timeout: cfg.timeout}
}

func (r *runner) transportError(err error) {
	if r.errCount.Add(1) <= maxErrorMessages {
		fmt.Fprintf(os.Stderr, "loadgen: transport error: %v\n", err)
	}
}

// send POSTs body i and records its status, its latency since from, and the
// summed field.
func (r *runner) send(i int, from time.Time) {
	res := &r.results[i]
	req, err := http.NewRequest(http.MethodPost, r.cfg.url, bytes.NewReader(r.cfg.bodies[i]))
	if err != nil {
		res.status = statusError
		r.transportError(err)
		return
	}
	req.Header.Set("Content-Type", r.cfg.contentType)
	for name, values := range r.cfg.headers { // an explicit -header wins
		req.Header[name] = values
	}
	if r.cfg.host != "" {
		req.Host = r.cfg.host
	}
	resp, err := r.client.Do(req)
	if err != nil {
		res.status = statusError
		r.transportError(err)
		return
	}
	var body []byte
	if r.cfg.sumField != "" && resp.StatusCode == http.StatusOK {
		body, err = io.ReadAll(resp.Body)
	} else {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	closeErr := resp.Body.Close()
	if err == nil {
		err = closeErr
	}
	if err != nil {
		res.status = statusError
		r.transportError(fmt.Errorf("reading the response body: %w", err))
		return
	}
	res.latency = time.Since(from)
	res.status = resp.StatusCode
	if body != nil {
		n, err := sumField(body, r.cfg.sumField)
		if err != nil && r.sumCount.Add(1) <= maxErrorMessages {
			fmt.Fprintf(os.Stderr, "loadgen: request %d: %v (counted as 0)\n", i, err)
		}
		res.summed = n
	}
}

func sumField(body []byte, field string) (int64, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return 0, fmt.Errorf("response body is not a JSON object: %w", err)
	}
	raw, ok := top[field]
	if !ok {
		return 0, fmt.Errorf("response has no field %q", field)
	}
	n, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("field %q is not an integer: %s", field, raw)
	}
	return n, nil
}

// runClosed: concurrency workers, each sending the next body in file order as
// soon as its previous answer arrived. Latency is from the send.
func (r *runner) runClosed() {
	var next atomic.Int64
	var wg sync.WaitGroup
	workers := min(r.cfg.concurrency, len(r.cfg.bodies))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(r.cfg.bodies) {
					return
				}
				r.send(i, time.Now())
			}
		}()
	}
	wg.Wait()
}

// runRate: request i is due at start + i/rate and its latency runs from then.
// When the dispatcher falls behind (a slow sleep, or all concurrency slots in
// flight) it sends late requests at once; their latency still counts from
// their due time.
func (r *runner) runRate(start time.Time) {
	slots := make(chan struct{}, r.cfg.concurrency)
	var wg sync.WaitGroup
	interval := float64(time.Second) / r.cfg.rate
	for i := range r.cfg.bodies {
		due := start.Add(time.Duration(float64(i) * interval))
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		slots <- struct{}{}
		wg.Add(1)
		go func(i int, due time.Time) {
			defer func() {
				<-slots
				wg.Done()
			}()
			r.send(i, due)
		}(i, due)
	}
	wg.Wait()
}

func percentile(sorted []float64, q float64) jsonFloat {
	if len(sorted) == 0 {
		return 0
	}
	index := int(math.Round(q / 100 * float64(len(sorted)-1)))
	return round(sorted[min(index, len(sorted)-1)], 1)
}

func round(x float64, digits int) jsonFloat {
	scale := math.Pow(10, float64(digits))
	return jsonFloat(math.Round(x*scale) / scale)
}

func (r *runner) summarise(elapsed time.Duration) report {
	statuses := map[string]int{}
	var answered, ok int
	var summed int64
	latencies := make([]float64, 0, len(r.results))
	for _, res := range r.results {
		if res.status == statusError {
			statuses["error"]++
			continue
		}
		statuses[strconv.Itoa(res.status)]++
		answered++
		summed += res.summed
		if res.status >= 200 && res.status < 300 {
			ok++
			latencies = append(latencies, float64(res.latency)/float64(time.Millisecond))
		}
	}
	sort.Float64s(latencies)
	seconds := elapsed.Seconds()
	out := report{
		Requests:     len(r.results),
		Statuses:     statuses,
		ElapsedS:     round(seconds, 3),
		RequestsPerS: round(float64(answered)/seconds, 1),
		OKPerS:       round(float64(ok)/seconds, 1),
		LatencyMS: latencySummary{
			P50: percentile(latencies, 50),
			P90: percentile(latencies, 90),
			P99: percentile(latencies, 99),
			Max: percentile(latencies, 100),
		},
	}
	if r.cfg.sumField != "" {
		perS := round(float64(summed)/seconds, 1)
		out.Summed, out.SummedPerS = &summed, &perS
	}
	return out
}

func main() {
	cfg := parseFlags()
	r := &runner{cfg: cfg, client: newClient(cfg), results: make([]result, len(cfg.bodies))}
	start := time.Now()
	if cfg.mode == "rate" {
		r.runRate(start)
	} else {
		r.runClosed()
	}
	elapsed := time.Since(start)
	encoder := json.NewEncoder(os.Stdout)
	if err := encoder.Encode(r.summarise(elapsed)); err != nil {
		fmt.Fprintf(os.Stderr, "loadgen: writing the report: %v\n", err)
		os.Exit(1)
	}
}
