package azure

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/providers"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// fixture is a fresh container on the shared Azurite.
type fixture struct {
	az        *testenv.Azurite
	container string
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	az := testenv.SharedAzurite(t)
	name := testenv.UniqueName("stowage")
	az.CreateContainer(t, name)
	return fixture{az: az, container: name}
}

func (f fixture) open(t *testing.T, cs string, mod func(*config.Azure)) *Provider {
	t.Helper()
	cfg := config.Azure{Container: f.container, ConnectionString: cs, ReadBack: true, Delete: true}
	if mod != nil {
		mod(&cfg)
	}
	pv, err := providers.Open(context.Background(), config.Location{Name: "azure-test", Type: config.TypeAzure, Azure: &cfg}, providers.Options{Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	return pv.(*Provider)
}

func srcFile(t *testing.T, body []byte) *os.File {
	t.Helper()
	name := filepath.Join(t.TempDir(), "src.bin")
	if err := os.WriteFile(name, body, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*13 + i/509)
	}
	return b
}

func md5Of(b []byte) string {
	s := md5.Sum(b)
	return "MD5:" + base64.StdEncoding.EncodeToString(s[:])
}

func readAll(t *testing.T, p *Provider, key string, off, n int64) []byte {
	t.Helper()
	rc, _, err := p.Get(context.Background(), key, off, n)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	p := f.open(t, f.az.ConnectionString, func(c *config.Azure) { c.Prefix = "calls/" })
	for _, tc := range []struct {
		name string
		key  string
		size int
	}{
		{"small", "2024/05/a.txt", 1000},
		{"empty", "empty.wav", 0},
		{"blocks", "2024/05/screen.mp4", singleShotMax + 3<<20 + 17},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := pattern(tc.size)
			var last int64
			obj, err := p.Put(ctx, tc.key, srcFile(t, body), int64(len(body)), providers.PutOptions{Progress: func(n int64) { last = n }})
			if err != nil {
				t.Fatal(err)
			}
			if obj.Checksum != md5Of(body) || obj.Size != int64(tc.size) || obj.ETag == "" {
				t.Fatalf("put = %+v, want checksum %s", obj, md5Of(body))
			}
			if tc.size > 0 && last != int64(tc.size) {
				t.Fatalf("last progress %d, want %d", last, tc.size)
			}
			st, err := p.Stat(ctx, tc.key)
			if err != nil {
				t.Fatal(err)
			}
			// The MD5 is recorded on the blob, not just computed here.
			if st.Checksum != md5Of(body) || st.Size != int64(tc.size) {
				t.Fatalf("stat = %+v", st)
			}
			if got := readAll(t, p, tc.key, 0, -1); !bytes.Equal(got, body) {
				t.Fatal("get returned other bytes")
			}
			if tc.size > 10 {
				if got := readAll(t, p, tc.key, 3, 5); !bytes.Equal(got, body[3:8]) {
					t.Fatalf("range get = %v", got)
				}
			}
			if got := readAll(t, p, tc.key, 0, 0); len(got) != 0 {
				t.Fatalf("zero-length get returned %d bytes", len(got))
			}
			// The blob sits under the prefix.
			if _, err := f.az.Client(t).ServiceClient().NewContainerClient(f.container).NewBlobClient("calls/"+tc.key).GetProperties(ctx, nil); err != nil {
				t.Fatalf("blob not under the prefix: %v", err)
			}
		})
	}
	var keys []string
	err := p.List(ctx, "2024/", func(o providers.Object) error {
		keys = append(keys, o.Key+"="+o.Checksum)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2024/05/a.txt=" + md5Of(pattern(1000)), "2024/05/screen.mp4=" + md5Of(pattern(singleShotMax+3<<20+17))}
	if strings.Join(keys, ",") != strings.Join(want, ",") {
		t.Fatalf("list = %v, want %v", keys, want)
	}
	if err := p.Delete(ctx, "2024/05/a.txt"); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"stat":   func() error { _, err := p.Stat(ctx, "2024/05/a.txt"); return err }(),
		"get":    func() error { _, _, err := p.Get(ctx, "2024/05/a.txt", 0, -1); return err }(),
		"delete": p.Delete(ctx, "2024/05/a.txt"),
	} {
		if !errors.Is(err, providers.ErrNoSuchKey) {
			t.Errorf("%s after delete: err = %v, want ErrNoSuchKey", name, err)
		}
	}
}

func TestBadKeys(t *testing.T) {
	p := New("x", config.Azure{Container: "c1", ConnectionString: "UseDevelopmentStorage=true"}, providers.Options{})
	for _, key := range []string{"", "/abs", "a/../b", "a//b", "dir/", "a\\b", "./a", strings.Repeat("k", 1025)} {
		t.Run(key, func(t *testing.T) {
			_, err := p.Stat(context.Background(), key)
			if !errors.Is(err, providers.ErrInvalidConfig) {
				t.Fatalf("err = %v, want ErrInvalidConfig", err)
			}
		})
	}
}

func TestBlockResume(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	p := f.open(t, f.az.ConnectionString, nil)
	const part = 1 << 20
	body := pattern(2*part + 4321)
	src := srcFile(t, body)
	key := "2024/05/long-call.wav"
	id, err := p.CreateMultipart(ctx, key, providers.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if parts, err := p.ListParts(ctx, key, id); err != nil || len(parts) != 0 {
		t.Fatalf("fresh upload lists %v, %v", parts, err)
	}
	ranges := [][2]int64{{0, part}, {part, part}, {2 * part, 4321}}
	var sent []providers.Part
	for i, r := range ranges[:2] {
		pt, err := p.UploadPart(ctx, key, id, i+1, src, r[0], r[1], providers.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if pt.Checksum != md5Of(body[r[0]:r[0]+r[1]]) {
			t.Fatalf("part %d checksum %s", i+1, pt.Checksum)
		}
		sent = append(sent, pt)
	}
	// Another upload's block on the same blob is not ours.
	other, _ := p.CreateMultipart(ctx, key, providers.PutOptions{})
	if _, err := p.UploadPart(ctx, key, other, 1, src, 0, 10, providers.PutOptions{}); err != nil {
		t.Fatal(err)
	}

	// Resume with a fresh provider, as after a restart.
	p2 := f.open(t, f.az.ConnectionString, nil)
	listed, err := p2.ListParts(ctx, key, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != len(sent) {
		t.Fatalf("listed %+v, sent %+v", listed, sent)
	}
	for i := range sent {
		if listed[i].Number != sent[i].Number || listed[i].Size != sent[i].Size || listed[i].ETag != sent[i].ETag {
			t.Fatalf("listed part %d = %+v, sent %+v", i+1, listed[i], sent[i])
		}
	}
	pt, err := p2.UploadPart(ctx, key, id, 3, src, ranges[2][0], ranges[2][1], providers.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	all := append(listed, pt)
	obj, err := p2.CompleteMultipart(ctx, key, id, []providers.Part{all[2], all[0], all[1]})
	if err != nil {
		t.Fatal(err)
	}
	if obj.Size != int64(len(body)) {
		t.Fatalf("object size %d", obj.Size)
	}
	if got := readAll(t, p2, key, 0, -1); !bytes.Equal(got, body) {
		t.Fatal("committed blob differs")
	}
	t.Run("missing block", func(t *testing.T) {
		id, _ := p.CreateMultipart(ctx, "other.wav", providers.PutOptions{})
		_, err := p.CompleteMultipart(ctx, "other.wav", id, []providers.Part{{Number: 1, Size: 5}})
		if !errors.Is(err, providers.ErrPreconditionFailed) {
			t.Fatalf("err = %v, want ErrPreconditionFailed", err)
		}
	})
	t.Run("bad upload ID", func(t *testing.T) {
		if _, err := p.ListParts(ctx, key, "../x"); !errors.Is(err, providers.ErrInvalidConfig) {
			t.Fatalf("err = %v", err)
		}
	})
}

func checks(r providers.Report) map[string]providers.Check {
	m := map[string]providers.Check{}
	for _, c := range r.Checks {
		m[c.ID] = c
	}
	return m
}

func TestConnectionTest(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	az := f.az
	wrongKey := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 64))
	type want struct {
		status providers.Status
		field  string
		text   string // in Detail or Hint
	}
	for _, tc := range []struct {
		name   string
		cs     string
		mod    func(*config.Azure)
		ok     bool
		checks map[string]want
	}{
		{
			name: "account key passes", cs: az.ConnectionString, ok: true,
			mod: func(c *config.Azure) { c.Prefix = "exports/" },
			checks: map[string]want{
				"connection-string": {providers.StatusPass, "", "account devstoreaccount1, account key"},
				"sas-expiry":        {providers.StatusSkipped, "", ""},
				"container":         {providers.StatusPass, "", ""},
				"list":              {providers.StatusPass, "", ""},
				"put":               {providers.StatusPass, "", "exports/.stowage/connection-test-"},
				"get":               {providers.StatusPass, "", "identical"},
				"delete":            {providers.StatusPass, "", ""},
			},
		},
		{
			name: "SAS passes, blob stays without delete", cs: az.SAS(t, f.container, "rcwl", time.Now().Add(90*24*time.Hour)), ok: true,
			mod: func(c *config.Azure) { c.Delete = false },
			checks: map[string]want{
				"connection-string": {providers.StatusPass, "", "SAS token"},
				"sas-expiry":        {providers.StatusPass, "", "in 90 days"},
				"sas-permissions":   {providers.StatusPass, "", ""},
				"container":         {providers.StatusPass, "", ""},
				"put":               {providers.StatusPass, "", "stays in the container"},
				"get":               {providers.StatusPass, "", ""},
				"delete":            {providers.StatusSkipped, "", ""},
			},
		},
		{
			// Least privilege is the point of a SAS (issue 10 §5).
			name: "SAS granting more than needed warns", cs: az.SAS(t, f.container, "racwdl", time.Now().Add(90*24*time.Hour)), ok: true,
			mod: func(c *config.Azure) { c.ReadBack, c.Delete = false, false },
			checks: map[string]want{
				"sas-permissions": {providers.StatusWarn, "connection_string", "grants more than this location needs: 'r' (read blobs); 'a' (add blocks to append blobs); 'd' (delete blobs) | for least privilege, generate a SAS with sp=cwl"},
				"put":             {providers.StatusPass, "", ""},
			},
		},
		{
			name: "SAS with just cwl passes", cs: az.SAS(t, f.container, "cwl", time.Now().Add(90*24*time.Hour)), ok: true,
			mod: func(c *config.Azure) { c.ReadBack, c.Delete = false, false },
			checks: map[string]want{
				"sas-permissions": {providers.StatusPass, "", "the SAS token allows cwl | "},
				"put":             {providers.StatusPass, "", ""},
				"get":             {providers.StatusSkipped, "", ""},
			},
		},
		{
			name: "missing container", cs: az.ConnectionString, ok: false,
			mod: func(c *config.Azure) { c.Container = "no-such-container" },
			checks: map[string]want{
				"container": {providers.StatusFail, "container", "az storage container create --name no-such-container --account-name devstoreaccount1"},
				"put":       {providers.StatusSkipped, "", ""},
			},
		},
		{
			name: "expired SAS", cs: az.SAS(t, f.container, "racwdl", time.Now().Add(-time.Hour)), ok: false,
			checks: map[string]want{
				"sas-expiry": {providers.StatusFail, "connection_string", "expired"},
				"container":  {providers.StatusSkipped, "", ""},
			},
		},
		{
			name: "SAS expiring in 10 days warns", cs: az.SAS(t, f.container, "racwdl", time.Now().Add(10*24*time.Hour+time.Hour)), ok: true,
			checks: map[string]want{
				"sas-expiry": {providers.StatusWarn, "connection_string", "in 10 days"},
				"put":        {providers.StatusPass, "", ""},
			},
		},
		{
			name: "SAS without write", cs: az.SAS(t, f.container, "rcl", time.Now().Add(90*24*time.Hour)), ok: false,
			mod: func(c *config.Azure) { c.Delete = false },
			checks: map[string]want{
				"sas-permissions": {providers.StatusFail, "connection_string", "'w' for writing blocks"},
				"container":       {providers.StatusPass, "", ""},
			},
		},
		{
			name: "SAS without list or read", cs: az.SAS(t, f.container, "cw", time.Now().Add(90*24*time.Hour)), ok: false,
			checks: map[string]want{
				"sas-permissions": {providers.StatusFail, "connection_string", "'l' for listing"},
				"list":            {providers.StatusFail, "connection_string", "List (l)"},
				"put":             {providers.StatusPass, "", ""},
				"get":             {providers.StatusFail, "connection_string", "Read (r)"},
			},
		},
		{
			name: "wrong account key", ok: false,
			cs: strings.Replace(az.ConnectionString, az.AccountKey, wrongKey, 1),
			checks: map[string]want{
				"container": {providers.StatusFail, "connection_string", "AccountKey does not match"},
				"put":       {providers.StatusSkipped, "", ""},
			},
		},
		{
			name: "invalid connection string", cs: "AccountName=devstoreaccount1", ok: false,
			checks: map[string]want{
				"connection-string": {providers.StatusFail, "connection_string", "AccountKey is missing"},
				"container":         {providers.StatusSkipped, "", ""},
			},
		},
		{
			name: "invalid container name", cs: az.ConnectionString, ok: false,
			mod: func(c *config.Azure) { c.Container = "Bad_Name" },
			checks: map[string]want{
				"connection-string": {providers.StatusPass, "", ""},
				"container":         {providers.StatusFail, "container", ""},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := f.open(t, tc.cs, tc.mod)
			var events []providers.Check
			rep, err := p.Test(ctx, func(c providers.Check) { events = append(events, c) })
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != 2*len(rep.Checks) || len(rep.Checks) != 8 {
				t.Fatalf("%d events for %d checks", len(events), len(rep.Checks))
			}
			got := checks(rep)
			for id, w := range tc.checks {
				c := got[id]
				if c.Status != w.status || c.Field != w.field || !strings.Contains(c.Detail+" | "+c.Hint, w.text) {
					t.Errorf("%s = %s field %q: %s | %s\nwant %s field %q containing %q", id, c.Status, c.Field, c.Detail, c.Hint, w.status, w.field, w.text)
				}
			}
			if rep.OK() != tc.ok {
				t.Errorf("OK = %v, want %v", rep.OK(), tc.ok)
			}
			// No secret in anything the report shows.
			for _, c := range rep.Checks {
				all := c.Detail + c.Hint
				if strings.Contains(all, az.AccountKey) || strings.Contains(all, wrongKey) || strings.Contains(all, "sig=") {
					t.Errorf("check %s leaks a secret: %s", c.ID, all)
				}
			}
		})
	}
}

func TestErrorsCarryNoSecret(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	cs := f.az.SAS(t, f.container, "r", time.Now().Add(time.Hour))
	p := f.open(t, cs, nil)
	_, err := p.Put(ctx, "a.txt", srcFile(t, []byte("hello")), 5, providers.PutOptions{})
	if !errors.Is(err, providers.ErrAccessDenied) {
		t.Fatalf("err = %v, want ErrAccessDenied", err)
	}
	var pe *providers.Error
	errors.As(err, &pe)
	if pe.Action != "Write (w)" || !strings.Contains(pe.Hint, `"w"`) {
		t.Errorf("action %q hint %q do not name w", pe.Action, pe.Hint)
	}
	sig := cs[strings.Index(cs, "sig=")+4:]
	if i := strings.IndexByte(sig, '&'); i >= 0 {
		sig = sig[:i]
	}
	if strings.Contains(err.Error(), sig) || strings.Contains(pe.Resource, "?") {
		t.Fatalf("error leaks the SAS: %v (resource %s)", err, pe.Resource)
	}

	t.Run("unreachable endpoint", func(t *testing.T) {
		port := testenv.FreePort(t)
		cs := strings.Replace(f.az.ConnectionString, f.az.Endpoint, "http://127.0.0.1:"+itoa(port)+"/devstoreaccount1", 1)
		p := f.open(t, cs, nil)
		_, err := p.Stat(ctx, "x")
		if !errors.Is(err, providers.ErrNetwork) || !providers.IsRetryable(err) {
			t.Fatalf("err = %v, want retryable ErrNetwork", err)
		}
		if !strings.Contains(err.(*providers.Error).Hint, "BlobEndpoint") {
			t.Errorf("hint %q", err.(*providers.Error).Hint)
		}
	})
}

func TestErrorMapping(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	az := f.az
	wrongKey := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 64))
	for _, tc := range []struct {
		name   string
		cs     string
		mod    func(*config.Azure)
		op     func(p *Provider) error
		kind   error
		code   string
		action string
		hint   string
	}{
		{"expired SAS on put", az.SAS(t, f.container, "racwdl", time.Now().Add(-time.Minute)), nil,
			func(p *Provider) error {
				_, err := p.Put(ctx, "a.txt", srcFile(t, []byte("x")), 1, providers.PutOptions{})
				return err
			}, providers.ErrExpired, "", "", "expired on"},
		{"wrong key on stat", strings.Replace(az.ConnectionString, az.AccountKey, wrongKey, 1), nil,
			func(p *Provider) error { _, err := p.Stat(ctx, "a.txt"); return err },
			providers.ErrInvalidCredentials, "", "", "Access keys"},
		{"missing container on put", az.ConnectionString, func(c *config.Azure) { c.Container = "nope-nope" },
			func(p *Provider) error {
				_, err := p.Put(ctx, "a.txt", srcFile(t, []byte("x")), 1, providers.PutOptions{})
				return err
			}, providers.ErrNoSuchBucket, "ContainerNotFound", "", "az storage container create --name nope-nope"},
		{"missing container on list", az.ConnectionString, func(c *config.Azure) { c.Container = "nope-nope" },
			func(p *Provider) error { return p.List(ctx, "", func(providers.Object) error { return nil }) },
			providers.ErrNoSuchBucket, "ContainerNotFound", "", ""},
		{"SAS without list", az.SAS(t, f.container, "rcw", time.Now().Add(time.Hour)), nil,
			func(p *Provider) error { return p.List(ctx, "", func(providers.Object) error { return nil }) },
			providers.ErrAccessDenied, "", "List (l)", `"l"`},
		{"SAS without delete", az.SAS(t, f.container, "rcwl", time.Now().Add(time.Hour)), nil,
			func(p *Provider) error { return p.Delete(ctx, "a.txt") },
			providers.ErrAccessDenied, "", "Delete (d)", `"d"`},
		{"SAS without read", az.SAS(t, f.container, "cwl", time.Now().Add(time.Hour)), nil,
			func(p *Provider) error { _, _, err := p.Get(ctx, "a.txt", 0, -1); return err },
			providers.ErrAccessDenied, "", "Read (r)", `"r"`},
		{"missing blob", az.ConnectionString, nil,
			func(p *Provider) error { _, _, err := p.Get(ctx, "nope.txt", 0, -1); return err },
			providers.ErrNoSuchKey, "BlobNotFound", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.op(f.open(t, tc.cs, tc.mod))
			if !errors.Is(err, tc.kind) {
				t.Fatalf("err = %v, want %v", err, tc.kind)
			}
			var pe *providers.Error
			if !errors.As(err, &pe) {
				t.Fatalf("err %T is not a *providers.Error", err)
			}
			if (tc.code != "" && pe.Code != tc.code) || pe.Action != tc.action || !strings.Contains(pe.Hint, tc.hint) {
				t.Fatalf("code %q action %q hint %q; want code %q action %q hint containing %q", pe.Code, pe.Action, pe.Hint, tc.code, tc.action, tc.hint)
			}
			if strings.Contains(err.Error(), "sig=") || strings.Contains(err.Error(), az.AccountKey) || strings.Contains(err.Error(), wrongKey) {
				t.Fatalf("error leaks a secret: %v", err)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
