package download

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"strings"
)

var (
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
	// crc64NVME is CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5);
	// hash/crc64 already applies its all-ones init and final xor.
	crc64NVME = crc64.MakeTable(0x9a6c9329ac4bc9b5)
)

// newHash returns a hash for a store checksum "ALGO:base64", or nil when
// the algorithm is unknown or the value is a composite checksum of a
// multipart upload ("...-N"), which no whole-file hash can reproduce.
func newHash(checksum string) hash.Hash {
	algo, val, ok := strings.Cut(checksum, ":")
	if !ok || val == "" || strings.Contains(val, "-") {
		return nil
	}
	switch strings.ToUpper(algo) {
	case "CRC32C":
		return crc32.New(castagnoli)
	case "CRC32":
		return crc32.NewIEEE()
	case "CRC64NVME":
		return crc64.New(crc64NVME)
	case "SHA256":
		return sha256.New()
	case "SHA1":
		return sha1.New()
	case "MD5":
		return md5.New()
	}
	return nil
}

// format renders a finished hash as "ALGO:base64".
func format(algo string, h hash.Hash) string {
	return strings.ToUpper(algo) + ":" + base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// algoOf is the algorithm part of "ALGO:base64".
func algoOf(checksum string) string {
	a, _, _ := strings.Cut(checksum, ":")
	return strings.ToUpper(a)
}

// sameChecksum compares two "ALGO:base64" values, ignoring the case of the
// algorithm name.
func sameChecksum(a, b string) bool {
	aa, av, _ := strings.Cut(a, ":")
	ba, bv, _ := strings.Cut(b, ":")
	return strings.EqualFold(aa, ba) && av == bv
}

// crc32cOf is the CRC32C of r's bytes.
func crc32cOf(r io.Reader) (uint32, error) {
	h := crc32.New(castagnoli)
	_, err := io.Copy(h, r)
	return h.Sum32(), err
}
