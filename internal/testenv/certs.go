package testenv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// WriteCerts writes a fresh self-signed CA and a server certificate for
// 127.0.0.1, ::1 and localhost into dir, in the layout MinIO's --certs-dir
// expects: public.crt, private.key and CAs/ca.crt. It returns the CA file's
// path. Keys are ECDSA P-256 so generation takes milliseconds.
func WriteCerts(dir string) (caFile string, err error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", fmt.Errorf("generate CA key: %w", err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "stowage testenv CA", Organization: []string{"stowage testenv"}},
		NotBefore:             now.Add(-time.Hour), // tolerate small clock skew
		NotAfter:              now.Add(30 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return "", fmt.Errorf("create CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return "", fmt.Errorf("parse CA certificate: %w", err)
	}

	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", fmt.Errorf("generate server key: %w", err)
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "localhost", Organization: []string{"stowage testenv"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(30 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		return "", fmt.Errorf("create server certificate: %w", err)
	}
	srvKeyDER, err := x509.MarshalPKCS8PrivateKey(srvKey)
	if err != nil {
		return "", fmt.Errorf("marshal server key: %w", err)
	}

	if err := os.MkdirAll(filepath.Join(dir, "CAs"), 0o700); err != nil {
		return "", err
	}
	caFile = filepath.Join(dir, "CAs", "ca.crt")
	files := []struct {
		path  string
		block *pem.Block
		mode  os.FileMode
	}{
		{caFile, &pem.Block{Type: "CERTIFICATE", Bytes: caDER}, 0o644},
		{filepath.Join(dir, "public.crt"), &pem.Block{Type: "CERTIFICATE", Bytes: srvDER}, 0o644},
		{filepath.Join(dir, "private.key"), &pem.Block{Type: "PRIVATE KEY", Bytes: srvKeyDER}, 0o600},
	}
	for _, f := range files {
		if err := os.WriteFile(f.path, pem.EncodeToMemory(f.block), f.mode); err != nil {
			return "", fmt.Errorf("write %s: %w", f.path, err)
		}
	}
	return caFile, nil
}

// LoadCAPool returns a pool holding only the certificates in the PEM file.
func LoadCAPool(caFile string) (*x509.CertPool, error) {
	pemBytes, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		return nil, fmt.Errorf("%s holds no PEM certificate", caFile)
	}
	return pool, nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic("testenv: crypto/rand failed: " + err.Error())
	}
	return n
}
