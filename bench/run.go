package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// result is one measured run of one tool over one data set.
type result struct {
	Tool, Set string
	Round     int // 0-based round of -runs; 0 for the tiny set
	Files     int
	Bytes     int64
	Wall      time.Duration // process start to exit
	CPU       time.Duration // user + system of the process and its children
	MaxRSS    int64         // peak resident set, bytes
	ServerCPU time.Duration // MinIO's CPU time during the run
	Load      float64       // 1-minute load average just before the run
	Err       string        // non-empty when the run failed or the bucket is incomplete
	// StoredChecksum is the checksum the store kept with the first object
	// (server.storedChecksum): "none" when the tool sent none it verified.
	StoredChecksum string
	Engine         time.Duration // Stowage only: the engine's own elapsed time
	// LagP50, LagMax (Stowage only): store answer → durable done record.
	LagP50, LagMax time.Duration
	Skipped        int // Stowage only: files the journal skipped
	// FirstStarted and FirstDone (Stowage only) are the first upload's
	// start and finish, from process start.
	FirstStarted, FirstDone time.Duration
	// PeakAnon and PeakFile are the highest RssAnon (heap, stacks) and
	// RssFile (mapped files: the binary, bbolt's journal) seen by sampling
	// /proc/PID/status every 50 ms; MaxRSS is their sum's true peak.
	PeakAnon, PeakFile int64
	// IOBytes is the process's rchar + wchar from /proc/PID/io (sockets and
	// files), last sampled: what passed through its read and write calls.
	IOBytes int64
	// Copy set only: the client link the run went through (loopbackLabel:
	// none), the bytes the proxy forwarded client → server (up) and
	// server → client (down), and the bench process's own CPU over the run
	// (the proxy's pacing and copying). LinkRate is the link's bytes a
	// second each way (0: loopback). LinkBoth is the share of the run in
	// which both directions carried at least half the rate (bothBusy).
	Link             string
	LinkBoth         float64
	LinkRate         float64
	LinkUp, LinkDown int64
	BenchCPU         time.Duration
	objects          int
	objectSize       int64
}

// MiBps is the data set's size over the wall time.
func (r result) MiBps() float64 {
	if r.Wall <= 0 {
		return 0
	}
	return float64(r.Bytes) / (1 << 20) / r.Wall.Seconds()
}

// tool describes how to run one uploader against the server.
type tool struct {
	Name    string
	Version string
	// command returns the process that copies dir into bucket; rerun is
	// true when the same data was copied into the same bucket before.
	command func(ctx context.Context, dir, bucket, state string, rerun bool) (*exec.Cmd, error)
}

// measure runs cmd to completion and collects wall time, CPU, peak RSS and
// MinIO's CPU over the same interval (none when srv is nil: the scale set
// has no server). consume reads the process's stdout as
// it is written (start is the process start); stderr is kept in logPath.
func measure(ctx context.Context, srv *server, cmd *exec.Cmd, logPath string, consume func(r io.Reader, start time.Time)) (result, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return result{}, err
	}
	defer logf.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return result{}, err
	}
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }

	r := result{Load: loadAvg()}
	var srvBefore time.Duration
	if srv != nil {
		srvBefore = srv.cpuTime()
	}
	start := time.Now()
	runErr := cmd.Start()
	if runErr == nil {
		stopSampling := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			sampleRSS(cmd.Process.Pid, &r, stopSampling)
		}()
		consume(stdout, start)
		runErr = cmd.Wait()
		close(stopSampling)
		<-sampled
	}
	r.Wall = time.Since(start)
	if srv != nil {
		r.ServerCPU = srv.cpuTime() - srvBefore
	}
	if st := cmd.ProcessState; st != nil {
		r.CPU = st.UserTime() + st.SystemTime()
		if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
			// ru_maxrss is the kernel's RSS high-water mark of the
			// process, the VmHWM of /proc/PID/status at exit (KiB).
			r.MaxRSS = ru.Maxrss << 10
		}
	}
	if runErr != nil {
		r.Err = fmt.Sprintf("%v (log: %s)", runErr, logPath)
	}
	return r, nil
}

// rcloneTool runs `rclone copy` at its defaults, with the remote defined by
// environment variables (no config file) and the CA passed by --ca-cert.
func rcloneTool(bin string, srv *server) tool {
	return tool{
		Name:    "rclone",
		Version: firstLine(exec.Command(bin, "version").Output()),
		command: func(ctx context.Context, dir, bucket, state string, rerun bool) (*exec.Cmd, error) {
			conf := filepath.Join(state, "rclone.conf")
			if err := os.WriteFile(conf, nil, 0o600); err != nil {
				return nil, err
			}
			cmd := exec.CommandContext(ctx, bin, "copy", dir, "bench:"+bucket, "--ca-cert", srv.CAFile)
			cmd.Env = append(cleanEnv(),
				"RCLONE_CONFIG="+conf,
				"RCLONE_CONFIG_BENCH_TYPE=s3",
				"RCLONE_CONFIG_BENCH_PROVIDER=Minio",
				"RCLONE_CONFIG_BENCH_ENDPOINT="+srv.Endpoint,
				"RCLONE_CONFIG_BENCH_REGION="+region,
				"RCLONE_CONFIG_BENCH_ACCESS_KEY_ID="+srv.AccessKey,
				"RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY="+srv.Secret,
			)
			return cmd, nil
		},
	}
}

// awsTool runs `aws s3 cp --recursive` (or `aws s3 sync` for the rerun
// comparison, since cp always uploads again) with keys in the environment,
// empty config files, and the CA in AWS_CA_BUNDLE. --only-show-errors drops
// the per-file progress output, which only makes the CLI faster.
func awsTool(bin string, srv *server) tool {
	out, _ := exec.Command(bin, "--version").CombinedOutput()
	return tool{
		Name:    "aws",
		Version: firstLine(out, nil),
		command: func(ctx context.Context, dir, bucket, state string, rerun bool) (*exec.Cmd, error) {
			conf := filepath.Join(state, "aws-config")
			if err := os.WriteFile(conf, nil, 0o600); err != nil {
				return nil, err
			}
			args := []string{"s3", "cp", dir, "s3://" + bucket + "/", "--recursive"}
			if rerun {
				args = []string{"s3", "sync", dir, "s3://" + bucket + "/"}
			}
			args = append(args, "--endpoint-url", srv.Endpoint, "--only-show-errors")
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Env = append(cleanEnv(),
				"AWS_CONFIG_FILE="+conf,
				"AWS_SHARED_CREDENTIALS_FILE="+conf,
				"AWS_ACCESS_KEY_ID="+srv.AccessKey,
				"AWS_SECRET_ACCESS_KEY="+srv.Secret,
				"AWS_DEFAULT_REGION="+region,
				"AWS_CA_BUNDLE="+srv.CAFile,
				"AWS_PAGER=",
			)
			return cmd, nil
		},
	}
}

// awsSyncTool is the AWS CLI for the tiny set: `aws s3 sync` both for the
// first copy and the rerun, the command someone would schedule.
func awsSyncTool(t tool) tool {
	inner := t.command
	t.command = func(ctx context.Context, dir, bucket, state string, _ bool) (*exec.Cmd, error) {
		return inner(ctx, dir, bucket, state, true)
	}
	return t
}

func firstLine(out []byte, _ error) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(s)
}

func gitDescribe() string {
	out, err := exec.Command("git", "describe", "--always", "--dirty").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// loadAvg is the 1-minute load average.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return -1
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// sampleRSS records the peaks of the process's RssAnon and RssFile until
// stop is closed.
func sampleRSS(pid int, r *result, stop <-chan struct{}) {
	path := fmt.Sprintf("/proc/%d/status", pid)
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		if b, err := os.ReadFile(path); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				k, v, ok := strings.Cut(line, ":")
				if !ok || (k != "RssAnon" && k != "RssFile") {
					continue
				}
				n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				if err != nil {
					continue
				}
				if k == "RssAnon" {
					r.PeakAnon = max(r.PeakAnon, n<<10)
				} else {
					r.PeakFile = max(r.PeakFile, n<<10)
				}
			}
		}
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid)); err == nil {
			var sum int64
			for _, line := range strings.Split(string(b), "\n") {
				k, v, ok := strings.Cut(line, ":")
				if ok && (k == "rchar" || k == "wchar") {
					n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
					sum += n
				}
			}
			r.IOBytes = max(r.IOBytes, sum)
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}
