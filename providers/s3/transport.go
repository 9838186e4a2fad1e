package s3

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/stowage-dev/stowage/providers"
)

// Timeouts that bound how long an unreachable endpoint can stall a request:
// a dropped SYN or a silent TLS peer answers within dialTimeout +
// tlsTimeout, below the 10 s the connection test promises.
const (
	dialTimeout = 5 * time.Second
	tlsTimeout  = 5 * time.Second
	// defaultConcurrency is used when Options.Concurrency is zero.
	defaultConcurrency = 16
)

// newHTTPClient returns the client every S3 and STS request goes through.
// Its pool holds as many connections per host as the caller keeps requests
// in flight, so a bulk export never waits for a socket nor churns TLS
// handshakes. It is the SDK's buildable client, so the AWS config loader can
// still add AWS_CA_BUNDLE to it in role and default modes.
func newHTTPClient(caBundle string, concurrency int) (*awshttp.BuildableClient, error) {
	if concurrency <= 0 {
		concurrency = defaultConcurrency
	}
	var pool *x509.CertPool
	if caBundle != "" {
		var err error
		if pool, err = loadCABundle(caBundle); err != nil {
			return nil, err
		}
	}
	hc := awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) {
			d.Timeout = dialTimeout
			d.KeepAlive = 30 * time.Second
		}).
		WithTransportOptions(func(tr *http.Transport) {
			tr.Proxy = http.ProxyFromEnvironment
			if tr.TLSClientConfig == nil {
				tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
			}
			if pool != nil {
				tr.TLSClientConfig.RootCAs = pool
			}
			tr.TLSHandshakeTimeout = tlsTimeout
			// A few spare connections for the connection test and for
			// multipart bookkeeping calls beside the part uploads.
			tr.MaxConnsPerHost = concurrency + 4
			tr.MaxIdleConnsPerHost = concurrency + 4
			tr.MaxIdleConns = 2 * (concurrency + 4)
			tr.IdleConnTimeout = 90 * time.Second
			tr.ExpectContinueTimeout = time.Second
			// S3 speaks HTTP/1.1; many parallel connections beat one
			// multiplexed HTTP/2 connection for bulk transfer.
			tr.ForceAttemptHTTP2 = false
			// Large buffers cut syscalls when streaming big files.
			tr.WriteBufferSize = 256 << 10
			tr.ReadBufferSize = 64 << 10
		})
	return hc, nil
}

// loadCABundle returns the system roots plus the certificates in file.
func loadCABundle(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "open", Err: err,
			Hint: fmt.Sprintf("ca_bundle %q cannot be read; give the path of a PEM file holding your CA certificate, e.g. /etc/ssl/certs/my-ca.pem", file)}
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "open",
			Hint: fmt.Sprintf("ca_bundle %q holds no PEM certificate; it must contain -----BEGIN CERTIFICATE----- blocks", file)}
	}
	return pool, nil
}
