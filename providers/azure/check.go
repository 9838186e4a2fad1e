package azure

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/humanize"
	"github.com/stowage-dev/stowage/policies"
	"github.com/stowage-dev/stowage/providers"
)

// sasWarnDays is how close to its expiry a SAS token draws a warning.
const sasWarnDays = 30

// TestKey returns the connection-test blob's key (relative to the prefix)
// for time t, the same scheme as the other location types.
func TestKey(t time.Time) string { return providers.TestObjectKey(t) }

// runner is the shared checklist, with what this provider's checks need.
type runner struct {
	providers.Checklist
}

func (r *runner) run(id, title string, fn func(c *providers.Check)) providers.Check {
	return r.Run(id, title, fn)
}

func (r *runner) skip(id, title, why string) { r.Skip(id, title, why) }

// failWith fills c from a provider error: status, code, hint and the
// setting to fix.
func failWith(c *providers.Check, err error) {
	c.Status = providers.StatusFail
	c.Detail = err.Error()
	var pe *providers.Error
	if !errors.As(err, &pe) {
		return
	}
	c.Code = pe.Code
	c.Hint = pe.Hint
	switch {
	case errors.Is(err, providers.ErrNoSuchBucket):
		c.Field = "container"
	case errors.Is(err, providers.ErrInvalidConfig):
		c.Field = "prefix"
	default:
		// Credentials, permissions, expiry and the endpoint all live in the
		// connection string.
		c.Field = "connection_string"
	}
}

// Test runs the connection checks: the connection string, the SAS token's
// expiry and permissions, the container, listing, writing a test blob and
// (when read back is on) reading it again. The test blob stays unless
// delete is on, as the SAS may rightly lack d.
func (p *Provider) Test(ctx context.Context, emit func(providers.Check)) (providers.Report, error) {
	r := &runner{Checklist: providers.Checklist{Emit: emit, Report: providers.Report{Location: p.name, Started: time.Now()}}}
	type step struct{ id, title string }
	rest := []step{
		{"sas-expiry", "SAS token expiry"}, {"sas-permissions", "SAS token permissions"},
		{"container", "Container exists"}, {"list", "List blobs"}, {"put", "Write a test blob"},
		{"get", "Read the test blob back"}, {"delete", "Delete the test blob"},
	}
	skipFrom := func(i int, why string) (providers.Report, error) {
		for _, s := range rest[i:] {
			r.skip(s.id, s.title, why)
		}
		return r.Report, ctx.Err()
	}

	cs := r.run("connection-string", "Connection string", p.checkConnectionString)
	if cs.Status == providers.StatusFail {
		return skipFrom(0, "not run: the connection string is not valid")
	}
	if ctx.Err() != nil {
		return r.Report, ctx.Err()
	}
	exp := r.run("sas-expiry", "SAS token expiry", p.checkSASExpiry)
	r.run("sas-permissions", "SAS token permissions", p.checkSASPermissions)
	if exp.Status == providers.StatusFail {
		return skipFrom(2, "not run: the SAS token is not valid now")
	}
	if ctx.Err() != nil {
		return r.Report, ctx.Err()
	}
	ct := r.run("container", "Container exists", func(c *providers.Check) { p.checkContainer(ctx, c) })
	if ct.Status == providers.StatusFail {
		return skipFrom(3, "not run: container check failed")
	}
	if ctx.Err() != nil {
		return r.Report, ctx.Err()
	}
	r.run("list", "List blobs", func(c *providers.Check) { p.checkList(ctx, c) })
	if ctx.Err() != nil {
		return r.Report, ctx.Err()
	}
	key := TestKey(time.Now())
	body := []byte(fmt.Sprintf("Stowage connection test for location %q at %s.\n", p.name, time.Now().UTC().Format(time.RFC3339)))
	put := r.run("put", "Write a test blob", func(c *providers.Check) { p.checkPut(ctx, c, key, body) })
	if put.Status == providers.StatusFail {
		return skipFrom(5, "not run: the test blob was not written")
	}
	if ctx.Err() != nil {
		return r.Report, ctx.Err()
	}
	if p.cfg.ReadBack {
		r.run("get", "Read the test blob back", func(c *providers.Check) { p.checkGet(ctx, c, key, body) })
	} else {
		r.skip("get", "Read the test blob back", "read back is off; turn it on (and grant r) to verify exported files")
	}
	if ctx.Err() != nil {
		return r.Report, ctx.Err()
	}
	if p.cfg.Delete {
		r.run("delete", "Delete the test blob", func(c *providers.Check) {
			if err := p.Delete(ctx, key); err != nil {
				failWith(c, err)
				return
			}
			c.Detail = "deleted " + p.prefix + key
		})
	} else {
		r.skip("delete", "Delete the test blob", "delete is off; the test blob stays in the container")
	}
	return r.Report, ctx.Err()
}

func (p *Provider) checkConnectionString(c *providers.Check) {
	c.Field = "connection_string"
	if p.cfgErr != nil && p.cfgField == "connection_string" {
		c.Status = providers.StatusFail
		c.Detail = "the connection string is not valid"
		c.Hint = p.cfgErr.Hint
		return
	}
	c.Field = ""
	kind := map[string]string{
		"account-key":         "account key",
		"sas":                 "SAS token",
		"development-storage": "development storage (Azurite)",
	}[p.cs.AuthKind()]
	c.Detail = fmt.Sprintf("account %s, %s, endpoint %s", p.account(), kind, p.cs.BlobURL())
}

func (p *Provider) checkSASExpiry(c *providers.Check) {
	if p.sas == nil {
		c.Status = providers.StatusSkipped
		c.Detail = "no SAS token: " + p.cs.AuthKind() + " credentials do not expire"
		return
	}
	c.Field = "connection_string"
	se := p.sas.Get("se")
	if se == "" {
		if si := p.sas.Get("si"); si != "" {
			c.Status = providers.StatusSkipped
			c.Detail = fmt.Sprintf("the expiry is set by stored access policy %q on the container", si)
			return
		}
		c.Status = providers.StatusFail
		c.Detail = "the SAS token has no expiry (se)"
		c.Hint = "copy the whole SAS token; it needs se=<expiry>"
		return
	}
	exp, err := parseSASTime(se)
	if err != nil {
		c.Status = providers.StatusFail
		c.Detail = "the SAS expiry se is not a time: " + err.Error()
		c.Hint = "generate the SAS again; se must be an ISO 8601 UTC time"
		return
	}
	now := time.Now()
	if st := p.sas.Get("st"); st != "" {
		if start, err := parseSASTime(st); err == nil && start.After(now) {
			c.Status = providers.StatusFail
			c.Detail = fmt.Sprintf("the SAS token is not valid before %s", start.UTC().Format(time.RFC3339))
			c.Hint = "wait until then, or generate a SAS whose start time is now or earlier"
			return
		}
	}
	days := untilDays(exp)
	switch {
	case !exp.After(now):
		c.Status = providers.StatusFail
		c.Code = "SASExpired"
		c.Detail = fmt.Sprintf("the SAS token expired on %s", exp.UTC().Format(time.RFC3339))
		c.Hint = p.expiredHint()
	case days < sasWarnDays:
		c.Status = providers.StatusWarn
		c.Detail = fmt.Sprintf("the SAS token expires on %s, in %s", exp.UTC().Format(time.RFC3339), humanize.Count(days, "day"))
		c.Hint = "exports stop when it expires; generate a SAS with a later expiry before then and update the connection string"
	default:
		c.Field = ""
		c.Detail = fmt.Sprintf("the SAS token expires on %s, in %s", exp.UTC().Format(time.RFC3339), humanize.Count(days, "day"))
	}
}

func (p *Provider) checkSASPermissions(c *providers.Check) {
	if p.sas == nil {
		c.Status = providers.StatusSkipped
		c.Detail = "no SAS token: " + p.cs.AuthKind() + " credentials carry all permissions"
		return
	}
	c.Field = "connection_string"
	q := p.sas
	if sr := q.Get("sr"); sr == "b" || sr == "bs" || sr == "bv" {
		c.Status = providers.StatusFail
		c.Detail = "the SAS token covers a single blob (sr=" + sr + ")"
		c.Hint = "generate a container SAS (sr=c) or an account SAS for the Blob service"
		return
	}
	if ss := q.Get("ss"); ss != "" && !strings.Contains(ss, "b") {
		c.Status = providers.StatusFail
		c.Detail = "the account SAS does not include the Blob service (ss=" + ss + ")"
		c.Hint = "generate the account SAS with allowed service Blob (ss=b)"
		return
	}
	if srt := q.Get("srt"); srt != "" && !(strings.Contains(srt, "c") && strings.Contains(srt, "o")) {
		c.Status = providers.StatusFail
		c.Detail = "the account SAS lacks a resource type (srt=" + srt + ")"
		c.Hint = "allow resource types Container (c, to list) and Object (o, to write blobs): srt=co"
		return
	}
	sp := q.Get("sp")
	if sp == "" && q.Get("si") != "" {
		c.Status = providers.StatusSkipped
		c.Detail = fmt.Sprintf("permissions are set by stored access policy %q; the put and list checks prove them", q.Get("si"))
		return
	}
	missing := missingPermissions(sp, p.cfg.ReadBack, p.cfg.Delete)
	if len(missing) == 0 {
		c.Field = ""
		c.Detail = "the SAS token allows " + sp
		extra := policies.AzureSASExtra(&config.Azure{ReadBack: p.cfg.ReadBack, Delete: p.cfg.Delete}, sp)
		if len(extra) == 0 {
			return
		}
		// Least privilege is the point of a SAS: say what it grants too much.
		var parts []string
		for _, x := range extra {
			parts = append(parts, fmt.Sprintf("'%s' (%s)", x.Letter, x.Grants))
		}
		need := ""
		for _, n := range policies.AzureSASNeeds(&config.Azure{ReadBack: p.cfg.ReadBack, Delete: p.cfg.Delete}) {
			need += n.Letter
		}
		c.Field = "connection_string"
		c.Status = providers.StatusWarn
		c.Detail = fmt.Sprintf("the SAS token (sp=%s) grants more than this location needs: %s", sp, strings.Join(parts, "; "))
		c.Hint = fmt.Sprintf("for least privilege, generate a SAS with sp=%s (see `stowage policy %s --kind azure-sas`)", need, p.name)
		return
	}
	var parts, letters []string
	for _, m := range missing {
		parts = append(parts, fmt.Sprintf("'%s' for %s", m.Letter, m.For))
		letters = append(letters, m.Letter)
	}
	c.Status = providers.StatusFail
	c.Detail = fmt.Sprintf("the SAS token (sp=%s) lacks %s", sp, strings.Join(parts, "; "))
	c.Hint = fmt.Sprintf("generate a new SAS whose permissions also include %s, e.g. sp=%s", strings.Join(letters, ", "), sasLetters(sp+strings.Join(letters, "")))
}

// sasLetters puts permission letters in the canonical order Azure expects.
func sasLetters(s string) string {
	out := ""
	for _, l := range "racwdxltfmeopi" {
		if strings.ContainsRune(s, l) {
			out += string(l)
		}
	}
	return out
}

func (p *Provider) checkContainer(ctx context.Context, c *providers.Check) {
	if p.cfgErr != nil {
		c.Status = providers.StatusFail
		c.Field = p.cfgField
		c.Detail = "the container name is not valid"
		c.Hint = p.cfgErr.Hint
		return
	}
	_, err := p.client.GetProperties(ctx, nil)
	if err != nil && p.sas != nil && errors.Is(p.mapErr("container", "", err), providers.ErrAccessDenied) {
		// A container SAS may not read container properties; a one-blob
		// listing answers the same question with the l it needs anyway.
		max := int32(1)
		_, err = p.client.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{MaxResults: &max}).NextPage(ctx)
	}
	if err != nil {
		mapped := p.mapErr("container", "", err)
		if p.sas != nil && errors.Is(mapped, providers.ErrAccessDenied) {
			// Neither r nor l: existence cannot be seen, only proven by the
			// put check, so do not stop the test here.
			c.Status = providers.StatusWarn
			c.Field = "connection_string"
			c.Detail = fmt.Sprintf("cannot see whether container %s exists: the SAS token allows neither reading its properties nor listing it", p.cfg.Container)
			c.Hint = "add l (list) to the SAS so the container can be checked; the put check below still proves writing"
			return
		}
		failWith(c, mapped)
		return
	}
	c.Detail = fmt.Sprintf("container %s in account %s", p.cfg.Container, p.account())
}

func (p *Provider) checkList(ctx context.Context, c *providers.Check) {
	max := int32(1)
	opts := &container.ListBlobsFlatOptions{MaxResults: &max}
	if p.prefix != "" {
		opts.Prefix = &p.prefix
	}
	page, err := p.client.NewListBlobsFlatPager(opts).NextPage(ctx)
	if err != nil {
		failWith(c, p.mapErr("list", p.prefix, err))
		return
	}
	where := "the container"
	if p.prefix != "" {
		where = p.prefix
	}
	if len(page.Segment.BlobItems) == 0 {
		c.Detail = "listed " + where + ": no blobs yet"
		return
	}
	c.Detail = fmt.Sprintf("listed %s: found %s", where, deref(page.Segment.BlobItems[0].Name))
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
	obj, err := p.Put(ctx, key, src, int64(len(body)), providers.PutOptions{ContentType: "text/plain; charset=utf-8"})
	if err != nil {
		failWith(c, err)
		return
	}
	stays := "it stays in the container, as delete is off"
	if p.cfg.Delete {
		stays = "it is deleted at the end of the test"
	}
	c.Detail = fmt.Sprintf("wrote %s%s (%d bytes, %s verified by the service); %s", p.prefix, key, obj.Size, obj.Checksum, stays)
}

func (p *Provider) checkGet(ctx context.Context, c *providers.Check, key string, body []byte) {
	rc, obj, err := p.Get(ctx, key, 0, -1)
	if err != nil {
		failWith(c, err)
		return
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	switch {
	case err != nil:
		failWith(c, err)
	case !bytes.Equal(got, body):
		c.Status = providers.StatusFail
		c.Detail = fmt.Sprintf("read back %d bytes that differ from the %d written", len(got), len(body))
	default:
		c.Detail = fmt.Sprintf("read %d bytes back, identical (%s)", len(got), obj.Checksum)
	}
}
