// go-plugin-host starts a notifier plugin the way SFTPGo does (hashicorp/go-plugin client,
// SFTPGo's magic cookie, a cleared environment, plugin args), sends it file events, then Kill()s
// it and reports what happened as `key=value` lines on stdout. Logs go to stderr.
//
//	go-plugin-host [flags] -- /path/to/plugin [plugin args...]
//
// Exit status: 0 when everything asked for worked (start, every event acknowledged, graceful
// Kill), 1 when something failed (the report says what), 2 on bad usage.
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/peer"
)

// sftpgo/sdk plugin/notifier/notifier.go
const (
	cookieKey   = "SFTPGO_PLUGIN_NOTIFIER"
	cookieValue = "c499b98b-cd59-4df2-92b3-6268817f4d80"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

type options struct {
	versions       string
	cookie         string
	autoMTLS       bool
	manualCurve    string
	manualMaxTLS   string
	env            listFlag
	keepEnv        bool
	eventsFile     string
	uploads        listFlag
	dataRoot       string
	repeat         int
	concurrency    int
	callTimeout    time.Duration
	stdio          bool
	hold           time.Duration
	startTimeout   time.Duration
	pluginStderr   string
	expectStartErr bool
}

// report collects the key=value lines printed at the end, in insertion order.
type report struct {
	mu    sync.Mutex
	keys  []string
	value map[string]string
}

func (r *report) set(key string, format string, args ...interface{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.value == nil {
		r.value = map[string]string{}
	}
	if _, ok := r.value[key]; !ok {
		r.keys = append(r.keys, key)
	}
	// One line per key: newlines in error texts become " | ".
	r.value[key] = strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", " | ")
}

func (r *report) print() {
	for _, k := range r.keys {
		fmt.Printf("%s=%s\n", k, r.value[k])
	}
}

// gracefulDetector passes the host's log through and notices go-plugin's "plugin failed to exit
// gracefully" warning, which Kill() logs just before it sends SIGKILL.
type gracefulDetector struct {
	out    io.Writer
	mu     sync.Mutex
	forced bool
}

func (d *gracefulDetector) Write(p []byte) (int, error) {
	if strings.Contains(string(p), "plugin failed to exit gracefully") {
		d.mu.Lock()
		d.forced = true
		d.mu.Unlock()
	}
	return d.out.Write(p)
}

func (d *gracefulDetector) wasForced() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.forced
}

func parseFlags() (*options, []string) {
	o := &options{}
	flag.StringVar(&o.versions, "versions", "1", "application protocol versions offered (PLUGIN_PROTOCOL_VERSIONS), comma-separated")
	flag.StringVar(&o.cookie, "cookie", cookieValue, "value given in "+cookieKey)
	flag.BoolVar(&o.autoMTLS, "auto-mtls", false, "go-plugin AutoMTLS (P-521 client certificate), as SFTPGo's auto_mtls")
	flag.StringVar(&o.manualCurve, "manual-mtls-curve", "", "do the AutoMTLS exchange by hand with a client key on this curve (P256, P384, P521)")
	flag.StringVar(&o.manualMaxTLS, "manual-mtls-max-tls", "1.3", "with -manual-mtls-curve: highest TLS version offered (1.2 or 1.3)")
	flag.Var(&o.env, "env", "KEY=VALUE added to the plugin's environment (repeatable), like SFTPGo's env_vars")
	flag.BoolVar(&o.keepEnv, "keep-env", false, "pass this program's environment on (SFTPGo ≥ 2.6 does not)")
	flag.StringVar(&o.eventsFile, "events", "", "JSON array of FsEvent objects (proto field names) to send")
	flag.Var(&o.uploads, "upload", "send an `upload` event for this file (repeatable)")
	flag.StringVar(&o.dataRoot, "data-root", "", "with -upload: SFTPGo data root; virtual_path is the path below it and username its first folder")
	flag.IntVar(&o.repeat, "repeat", 1, "send the whole event list this many times")
	flag.IntVar(&o.concurrency, "concurrency", 1, "events in flight at once (SFTPGo sends each event from its own goroutine)")
	flag.DurationVar(&o.callTimeout, "call-timeout", 20*time.Second, "deadline of each SendFsEvent call (SFTPGo: 20s)")
	flag.BoolVar(&o.stdio, "stdio", true, "open the plugin.GRPCStdio stream as recent go-plugin hosts do")
	flag.DurationVar(&o.hold, "hold", 0, "wait this long after the events before Kill()")
	flag.DurationVar(&o.startTimeout, "start-timeout", time.Minute, "how long to wait for the handshake line (go-plugin default 1m)")
	flag.StringVar(&o.pluginStderr, "plugin-stderr", "", "also copy the plugin's raw stderr to this file")
	flag.BoolVar(&o.expectStartErr, "expect-start-error", false, "exit 0 only if the plugin fails to start")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: %s [flags] -- /path/to/plugin [args...]\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	return o, flag.Args()
}

func loadEvents(o *options) ([]fsEvent, error) {
	var events []fsEvent
	if o.eventsFile != "" {
		data, err := ioutil.ReadFile(o.eventsFile)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(data, &events); err != nil {
			return nil, fmt.Errorf("%s: %v", o.eventsFile, err)
		}
	}
	for _, path := range o.uploads {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, err
		}
		ev := fsEvent{Action: "upload", FsPath: abs, VirtualPath: "/" + filepath.Base(abs), Status: 1, Protocol: "SFTP", Ip: "127.0.0.1"}
		if o.dataRoot != "" {
			if rel, err := filepath.Rel(o.dataRoot, abs); err == nil && !strings.HasPrefix(rel, "..") {
				parts := strings.SplitN(filepath.ToSlash(rel), "/", 2)
				ev.Username = parts[0]
				if len(parts) == 2 {
					ev.VirtualPath = "/" + parts[1]
				}
			}
		}
		if st, err := os.Stat(abs); err == nil {
			ev.FileSize = st.Size()
		}
		events = append(events, ev)
	}
	return events, nil
}

func tlsVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS12:
		return "1.2"
	case tls.VersionTLS13:
		return "1.3"
	}
	return fmt.Sprintf("0x%04x", v)
}

// offeredPlugins builds the VersionedPlugins map whose keys go-plugin sends as
// PLUGIN_PROTOCOL_VERSIONS.
func offeredPlugins(list string) (map[int]plugin.PluginSet, uint, error) {
	set := map[int]plugin.PluginSet{}
	var first uint
	for _, s := range strings.Split(list, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || v <= 0 {
			return nil, 0, fmt.Errorf("bad -versions entry %q", s)
		}
		set[v] = plugin.PluginSet{"notifier": &notifierPlugin{}}
		if first == 0 {
			first = uint(v)
		}
	}
	return set, first, nil
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	// Nearest rank: the smallest value with at least p of the samples at or below it.
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	if i < 0 {
		i = 0
	}
	return sorted[i]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f", float64(d)/float64(time.Millisecond)) }

func main() {
	o, argv := parseFlags()
	if len(argv) == 0 {
		flag.Usage()
		os.Exit(2)
	}
	events, err := loadEvents(o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "go-plugin-host: %v\n", err)
		os.Exit(2)
	}
	versioned, first, err := offeredPlugins(o.versions)
	if err != nil {
		fmt.Fprintf(os.Stderr, "go-plugin-host: %v\n", err)
		os.Exit(2)
	}
	r := &report{}
	ok := run(o, argv, events, versioned, first, r)
	r.print()
	if !ok {
		os.Exit(1)
	}
}

// run does the whole session and fills the report; false when something failed.
func run(o *options, argv []string, events []fsEvent, versioned map[int]plugin.PluginSet, first uint, r *report) bool {
	detector := &gracefulDetector{out: os.Stderr}
	logger := hclog.New(&hclog.LoggerOptions{Name: "go-plugin-host", Level: hclog.Debug, Output: detector})

	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(cmd.Env, o.env...)
	var tlsConfig *tls.Config
	if o.manualCurve != "" {
		certPEM, keyPEM, err := generateClientCert(o.manualCurve)
		if err != nil {
			r.set("start_error", "client certificate: %v", err)
			return false
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			r.set("start_error", "client certificate: %v", err)
			return false
		}
		max := uint16(tls.VersionTLS13)
		if o.manualMaxTLS == "1.2" {
			max = tls.VersionTLS12
		}
		// What go-plugin's AutoMTLS does, with a chosen curve and TLS version; go-plugin still
		// reads the server certificate from the handshake line into RootCAs.
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, ServerName: "localhost",
			MinVersion: tls.VersionTLS12, MaxVersion: max}
		cmd.Env = append(cmd.Env, "PLUGIN_CLIENT_CERT="+string(certPEM))
	}
	var stderrCopy io.Writer
	if o.pluginStderr != "" {
		f, err := os.Create(o.pluginStderr)
		if err != nil {
			r.set("start_error", "%v", err)
			return false
		}
		defer f.Close()
		stderrCopy = f
	}

	config := &plugin.ClientConfig{
		HandshakeConfig: plugin.HandshakeConfig{ProtocolVersion: first, MagicCookieKey: cookieKey,
			MagicCookieValue: o.cookie},
		VersionedPlugins: versioned,
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         o.autoMTLS,
		TLSConfig:        tlsConfig,
		Managed:          false,
		Logger:           logger,
		StartTimeout:     o.startTimeout,
		Stderr:           stderrCopy,
	}
	if !o.keepEnv {
		// SFTPGo (go-plugin ≥ 1.6, SkipHostEnv) gives the plugin only what it lists; go-plugin
		// 1.0.1 appends the host's environment, so empty it first.
		os.Clearenv()
	}
	client := plugin.NewClient(config)
	defer client.Kill()

	started := time.Now()
	rpcClient, err := client.Client()
	if err != nil {
		r.set("start", "failed")
		r.set("start_error", "%v", err)
		client.Kill()
		r.set("plugin_exited", "%t", client.Exited())
		return o.expectStartErr
	}
	r.set("start", "ok")
	r.set("start_ms", "%s", ms(time.Since(started)))
	r.set("protocol_version", "%d", client.NegotiatedVersion())
	if rc := client.ReattachConfig(); rc != nil && rc.Addr != nil {
		r.set("network", "%s", rc.Addr.Network())
		r.set("address", "%s", rc.Addr.String())
	}
	good := !o.expectStartErr
	grpcClient, isGRPC := rpcClient.(*plugin.GRPCClient)
	if !isGRPC {
		r.set("start_error", "not a gRPC plugin")
		return false
	}

	// Health, as go-plugin's Ping does, and the TLS parameters seen on that call.
	var p peer.Peer
	_, err = grpc_health_v1.NewHealthClient(grpcClient.Conn).Check(context.Background(),
		&grpc_health_v1.HealthCheckRequest{Service: "plugin"}, grpc.Peer(&p))
	if err != nil {
		r.set("ping", "%v", err)
		good = false
	} else {
		r.set("ping", "ok")
	}
	if info, isTLS := p.AuthInfo.(credentials.TLSInfo); isTLS {
		r.set("tls", "on")
		r.set("tls_version", "%s", tlsVersionName(info.State.Version))
	} else {
		r.set("tls", "off")
	}

	stdioDone := make(chan error, 1)
	if o.stdio {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		stream, err := grpcClient.Conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true},
			"/plugin.GRPCStdio/StreamStdio")
		if err == nil {
			err = stream.SendMsg(&emptyMessage{})
		}
		if err == nil {
			err = stream.CloseSend()
		}
		if err != nil {
			r.set("stdio", "%v", err)
		} else {
			go func() {
				for {
					var m stdioData
					if err := stream.RecvMsg(&m); err != nil {
						stdioDone <- err
						return
					}
				}
			}()
			select {
			case err := <-stdioDone:
				r.set("stdio", "ended at once: %v", err)
			case <-time.After(200 * time.Millisecond):
				r.set("stdio", "open")
			}
		}
	}

	raw, err := rpcClient.Dispense("notifier")
	if err != nil {
		r.set("dispense", "%v", err)
		return false
	}
	notifier := raw.(*notifierClient)
	if !sendEvents(o, notifier, events, r) {
		good = false
	}
	if o.hold > 0 {
		time.Sleep(o.hold)
	}

	killStart := time.Now()
	client.Kill()
	killTime := time.Since(killStart)
	r.set("kill_ms", "%s", ms(killTime))
	graceful := !detector.wasForced()
	r.set("graceful", "%t", graceful)
	if !graceful {
		good = false
	}
	if o.stdio {
		select {
		case err := <-stdioDone:
			r.set("stdio_end", "%v", err)
		default:
			r.set("stdio_end", "still open")
		}
	}
	return good
}

// emptyMessage is google.protobuf.Empty for the StreamStdio request.
type emptyMessage struct{}

func (m *emptyMessage) Reset()         {}
func (m *emptyMessage) String() string { return "{}" }
func (*emptyMessage) ProtoMessage()    {}

func sendEvents(o *options, n *notifierClient, events []fsEvent, r *report) bool {
	total := len(events) * o.repeat
	r.set("events_sent", "%d", total)
	if total == 0 {
		r.set("events_acked", "0")
		r.set("events_failed", "0")
		return true
	}
	if o.concurrency < 1 {
		o.concurrency = 1
	}
	jobs := make(chan fsEvent)
	var mu sync.Mutex
	var latencies []time.Duration
	failed := 0
	firstError := ""
	var wg sync.WaitGroup
	for w := 0; w < o.concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ev := range jobs {
				ctx, cancel := context.WithTimeout(context.Background(), o.callTimeout)
				t := time.Now()
				err := n.SendFsEvent(ctx, &ev)
				d := time.Since(t)
				cancel()
				mu.Lock()
				if err != nil {
					failed++
					if firstError == "" {
						firstError = err.Error()
					}
				} else {
					latencies = append(latencies, d)
				}
				mu.Unlock()
			}
		}()
	}
	sessionID := fmt.Sprintf("go-plugin-host-%d", os.Getpid())
	base := time.Now().UnixNano()
	start := time.Now()
	for i := 0; i < o.repeat; i++ {
		for j, ev := range events {
			if ev.Timestamp == 0 {
				// Distinct timestamps: each send is a distinct event, not a re-delivery.
				ev.Timestamp = base + int64(i*len(events)+j)
			}
			if ev.SessionId == "" {
				ev.SessionId = sessionID
			}
			jobs <- ev
		}
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(latencies, func(a, b int) bool { return latencies[a] < latencies[b] })
	r.set("events_acked", "%d", len(latencies))
	r.set("events_failed", "%d", failed)
	if firstError != "" {
		r.set("first_error", "%s", firstError)
	}
	r.set("send_seconds", "%.3f", elapsed.Seconds())
	r.set("acks_per_second", "%.1f", float64(len(latencies))/elapsed.Seconds())
	r.set("latency_p50_ms", "%s", ms(percentile(latencies, 0.50)))
	r.set("latency_p99_ms", "%s", ms(percentile(latencies, 0.99)))
	if len(latencies) > 0 {
		r.set("latency_max_ms", "%s", ms(latencies[len(latencies)-1]))
	}
	return failed == 0
}
