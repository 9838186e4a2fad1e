package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/stowage-dev/stowage/providers"
)

// lowSpace is the free space under which the free-space check warns.
const lowSpace = 1 << 30

// testDir is where connection checks write, the same folder the S3 and
// Azure locations use.
const testDir = ".stowage"

// TestKey returns the key of a connection-test file written at t, in the
// same scheme as the other location types.
func TestKey(t time.Time) string { return providers.TestObjectKey(t) }

// runner is the shared checklist, with what this provider's checks need.
type runner struct {
	ctx context.Context
	providers.Checklist
}

func (r *runner) run(id, title string, fn func(c *providers.Check)) providers.Check {
	return r.Run(id, title, fn)
}

func (r *runner) skip(id, title, why string) { r.Skip(id, title, why) }

// Test checks the folder: it exists, Stowage can write it, how much space
// is free, and a test file can be written and read back. The test file is
// removed afterwards: a folder has no permission model for it to prove.
func (p *Provider) Test(ctx context.Context, emit func(providers.Check)) (providers.Report, error) {
	r := &runner{ctx: ctx, Checklist: providers.Checklist{Emit: emit, Report: providers.Report{Location: p.name, Started: time.Now()}}}
	steps := []struct {
		id, title string
		fn        func(*providers.Check)
	}{
		{"path", "Folder exists", p.checkPath},
		{"writable", "Folder is writable", p.checkWritable},
		{"free-space", "Free space", p.checkFreeSpace},
	}
	failed := ""
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return r.Report, err
		}
		if failed != "" {
			r.skip(s.id, s.title, "not run: "+failed+" failed")
			continue
		}
		if c := r.run(s.id, s.title, s.fn); c.Status == providers.StatusFail && s.id != "free-space" {
			failed = s.id
		}
	}
	if err := ctx.Err(); err != nil {
		return r.Report, err
	}
	if failed != "" {
		r.skip("put", "Write a test file", "not run: "+failed+" failed")
		r.skip("get", "Read the test file back", "not run: "+failed+" failed")
		return r.Report, nil
	}
	key := TestKey(time.Now())
	body := []byte(fmt.Sprintf("Stowage connection test for location %q at %s.\n", p.name, time.Now().UTC().Format(time.RFC3339)))
	put := r.run("put", "Write a test file", func(c *providers.Check) { p.checkPut(ctx, c, key, body) })
	if err := ctx.Err(); err != nil {
		return r.Report, err
	}
	if put.Status == providers.StatusFail {
		r.skip("get", "Read the test file back", "not run: put failed")
		return r.Report, nil
	}
	r.run("get", "Read the test file back", func(c *providers.Check) { p.checkGet(ctx, c, key, body) })
	return r.Report, ctx.Err()
}

func (p *Provider) checkPath(c *providers.Check) {
	c.Field = "path"
	fi, err := os.Stat(p.root)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		c.Status = providers.StatusFail
		c.Detail = p.root + " does not exist"
		c.Hint = fmt.Sprintf("create it with: mkdir -p %s (for a NAS, check that it is mounted first, or the folder lands on the local disk)", shellQuote(p.root))
	case err != nil:
		c.Status = providers.StatusFail
		c.Detail = fmt.Sprintf("cannot look at %s: %v", p.root, err)
		c.Hint = "check that Stowage may enter every folder on the path, and that the NAS answers"
	case !fi.IsDir():
		c.Status = providers.StatusFail
		c.Detail = p.root + " is a file, not a folder"
		c.Hint = "set path to a folder, for example " + filepath.Dir(p.root) + "/recordings"
	default:
		c.Detail = p.root
	}
}

func (p *Provider) checkWritable(c *providers.Check) {
	c.Field = "path"
	fail := func(err error) {
		c.Status = providers.StatusFail
		c.Detail = fmt.Sprintf("cannot write in %s: %v", p.root, err)
		c.Hint = fmt.Sprintf("let user id %d write the folder, e.g. chown or chmod u+w %s, or choose another folder", os.Getuid(), shellQuote(p.root))
	}
	r, err := os.OpenRoot(p.root)
	if err != nil {
		fail(err)
		return
	}
	defer r.Close()
	if err := r.MkdirAll(testDir, 0o755); err != nil {
		fail(err)
		return
	}
	name := filepath.Join(testDir, "writable"+tmpMarker+randHex(6))
	f, err := r.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		fail(err)
		return
	}
	f.Close()
	if err := r.Remove(name); err != nil {
		fail(err)
		return
	}
	c.Detail = "created and removed a file in " + filepath.Join(p.root, testDir)
}

func (p *Provider) checkFreeSpace(c *providers.Check) {
	free, total, err := freeSpace(p.root)
	if errors.Is(err, errUnsupported) {
		c.Status = providers.StatusSkipped
		c.Detail = "free space cannot be read on this system"
		return
	}
	if err != nil {
		c.Status = providers.StatusWarn
		c.Detail = fmt.Sprintf("cannot read free space: %v", err)
		return
	}
	c.Detail = fmt.Sprintf("%s free of %s", humanBytes(free), humanBytes(total))
	if free < lowSpace {
		c.Status = providers.StatusWarn
		c.Hint = "less than 1 GiB is free; recordings are large, so free space or choose a bigger disk before exporting"
	}
}

func (p *Provider) checkPut(ctx context.Context, c *providers.Check, key string, body []byte) {
	src, err := os.CreateTemp("", "stowage-test-*.txt")
	if err == nil {
		defer os.Remove(src.Name())
		defer src.Close()
		_, err = src.Write(body)
	}
	if err != nil {
		c.Status = providers.StatusFail
		c.Detail = fmt.Sprintf("cannot prepare the test file in %s: %v", os.TempDir(), err)
		c.Hint = "set TMPDIR to a writable folder"
		return
	}
	obj, err := p.Put(ctx, key, src, int64(len(body)), providers.PutOptions{ContentType: "text/plain"})
	if err != nil {
		c.Status = providers.StatusFail
		c.Field = "path"
		c.Detail = err.Error()
		var pe *providers.Error
		if errors.As(err, &pe) {
			c.Hint = pe.Hint
		}
		return
	}
	c.Detail = fmt.Sprintf("wrote %s (%d bytes, %s); it is removed after the read-back, as a folder has no permissions to prove", key, obj.Size, obj.Checksum)
}

func (p *Provider) checkGet(ctx context.Context, c *providers.Check, key string, body []byte) {
	defer p.Delete(context.WithoutCancel(ctx), key)
	rc, _, err := p.Get(ctx, key, 0, -1)
	if err != nil {
		c.Status = providers.StatusFail
		c.Detail = err.Error()
		return
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	switch {
	case err != nil:
		c.Status = providers.StatusFail
		c.Detail = fmt.Sprintf("reading %s: %v", key, err)
	case !bytes.Equal(got, body):
		c.Status = providers.StatusFail
		c.Detail = fmt.Sprintf("read back %d bytes that differ from the %d written", len(got), len(body))
		c.Hint = "the folder does not return what was written; check the disk or NAS for errors"
	default:
		c.Detail = fmt.Sprintf("read %d bytes back, identical; removed %s", len(got), key)
	}
}

// humanBytes renders n in binary units ("3.2 GiB").
func humanBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
