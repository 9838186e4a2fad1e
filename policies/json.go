package policies

import (
	"bytes"
	"encoding/json"
)

// kv is one member of an ordered JSON object.
type kv struct {
	Key   string
	Value any
}

// obj is a JSON object that keeps its members in the order given, so the
// documents read the way AWS shows them and never depend on map order.
type obj []kv

// MarshalJSON writes the members in order.
func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := compactJSON(m.Key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := compactJSON(m.Value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// compactJSON marshals v without HTML escaping: "<" and "&" stay readable
// in ARNs, prefixes and shell text.
func compactJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// indentJSON marshals v with two-space indentation and a trailing newline.
func indentJSON(v any) (string, error) {
	return indentJSONPrefix(v, "")
}

// indentJSONPrefix is indentJSON with every line after the first prefixed,
// for documents embedded in other text.
func indentJSONPrefix(v any, prefix string) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return b.String(), nil
}

// oneOrMany is a single string when there is one value and a list when
// there are several, the way AWS writes principals and condition values.
func oneOrMany(v []string) any {
	if len(v) == 1 {
		return v[0]
	}
	out := make([]any, len(v))
	for i, s := range v {
		out[i] = s
	}
	return out
}
